"""What the main screen's keys do, by concern: playing the instrument, the generator, the
project. Each action calls one public method of the engine or the session (the ones OSC
control messages call); the main screen inherits them all."""
