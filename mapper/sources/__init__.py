"""Input sources: where the input frames come from (OSC from a phone app, a MIDI controller,
a gamepad) and how their messages become frames."""
