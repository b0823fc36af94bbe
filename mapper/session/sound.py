"""Whether this run is heard through the speakers, and what plays there.

`--audio` / `--no-audio` say it; without either, the `mapper` command's built-in demos
(`mapper`, `mapper --generator ...` with no project folder) play through the speakers when
there is a sound device (demo_sound, at the command's edge: tui.main), and everything else
stays silent (headless, projects: their instrument is usually another program). With a
generator, the generator plays there (the drum synth, a neural model); without one, the
built-in synth plays the outputs (mapper.generators.synth).

With no sound device, no PortAudio or no sounddevice, one line says so and how to hear the
outputs anyway (an instrument of examples/), and the instrument plays on.
"""

from __future__ import annotations

import dataclasses

from mapper.errors import GeneratorError
from mapper.generators.speakers import HOW_TO_HEAR, INSTRUMENTS_PORT, no_speakers
from mapper.session.options import InstrumentOptions, PlayOptions
from mapper.session.session import Session


def demo_sound(options: InstrumentOptions) -> InstrumentOptions:
    """The options of the `mapper` command with its default sound: without --audio or
    --no-audio, the built-in demos (no project folder) are heard through the speakers."""
    if options.play.audio is not None or options.folder is not None or not options.demo:
        return options
    return dataclasses.replace(options, play=dataclasses.replace(options.play, audio=True))


def speakers_for(options: InstrumentOptions, send_port: int) -> tuple[PlayOptions, list[str]]:
    """The play options with `audio` settled (True only when the speakers are there), and
    the one line that says why nothing is heard from them when they were wanted (and how to
    hear the outputs, which this run sends to `send_port`)."""
    play = options.play
    if not play.audio:
        return dataclasses.replace(play, audio=False), []
    missing = no_speakers()
    if missing is None:
        return play, []
    return dataclasses.replace(play, audio=False), [silent_line(missing, send_port)]


def silent_line(why: str, send_port: int) -> str:
    line = f"no sound: {why}; {HOW_TO_HEAR}"
    if send_port != INSTRUMENTS_PORT:
        line += f", with --send 127.0.0.1:{INSTRUMENTS_PORT} (this run sends to port {send_port})"
    return line


def play_outputs(session: Session) -> tuple[list[str], list[str]]:
    """The built-in synth playing the session's outputs on the speakers, for the rest of the
    run. Returns (news, warnings): what plays, or the one line saying it cannot."""
    try:
        return session.routing.play_outputs(lambda: session.engine), []
    except GeneratorError as e:
        return [], [silent_line(str(e), session.osc.send_port)]
