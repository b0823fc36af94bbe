"""The built-in synth: a small mono voice that plays the mapping's outputs through the
speakers (pitch, brightness, voice), so an instrument is heard with no other program.

    synth = OutputSynth(lambda: session.engine)   # reads the engine's latest outputs
    synth.open()                                  # the speakers (GeneratorError if none)
    synth.close()

See mapping.py for which output drives what, voice.py for the sound.
"""

from __future__ import annotations

from mapper.generators.synth.mapping import SynthMapping
from mapper.generators.synth.playing import OutputSynth
from mapper.generators.synth.voice import Sound, Voice

__all__ = ["OutputSynth", "Sound", "SynthMapping", "Voice"]
