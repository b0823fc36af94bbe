"""Where a drum pattern is played: OSC messages, MIDI notes, or audio from a small drum synth."""
