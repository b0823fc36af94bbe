"""The sensor sources a musician already has, as data: which messages each one sends and the
named values in them. A frame's inputs are these values, in this order.

Where the formats come from (read, not guessed):
- GyrOSC (iOS, bitShape): `/gyrosc/gyro` pitch roll yaw (radians, the attitude),
  `/gyrosc/accel` x y z (g), sent in bundles; its Processing, openFrameworks and Max examples
  read them so. Some versions put the target's name in the address (`/gyrosc/NAME/gyro`).
- ZIG SIM (1->10): `/ZIGSIM/<device-uuid>/accel` x y z (user acceleration, G),
  `.../gravity` x y z (G), `.../gyro` x y z (rad/s): its documentation, "Motion Data"
  (1-10.github.io/zigsim/features/motion.html); the Android app leaves out `/ZIGSIM`.
- Sensors2OSC (Android, sensors2.org/osc): one message per sensor, named after it, floats only:
  `/accelerometer` x y z (m/s^2, gravity included), `/gyroscope` x y z (rad/s),
  `/orientation` azimuth pitch roll (degrees).
- CoMote (IRCAM): v2 `/comote/<id>/devicemotion` interval x y z alpha beta gamma (W3C
  devicemotion: acceleration including gravity in m/s^2, rotation rate in deg/s, alpha about
  z, beta about x, gamma about y); v3 `/comote/v3/<id>/accelerometer` x y z ... and
  `.../gyroscope` x y z ... (rad/s) (ircam-ismm/sc-motion, FORMAT.md and FORMAT-comote-v2.md).
- midi, gamepad (mapper.sources.live): `/midi/cc/N` value/127, `/midi/note/N` velocity/127,
  `/gamepad/axis/N` -1..1, `/gamepad/button/N` 0/1. Their defaults are a start (the mod wheel,
  two sticks): the controls really moved are heard, and can be taken as the inputs.

A `*` in a pattern stands for one whole segment of the address (a device's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WILD = "*"


@dataclass(frozen=True)
class SourceMessage:
    """One message a source sends: its address pattern and the input each argument feeds
    (None: an argument that is not an input, such as CoMote's interval)."""

    pattern: str
    names: tuple[str | None, ...]

    def matches(self, address: str) -> bool:
        return pattern_matches(self.pattern, address)


@dataclass(frozen=True)
class SourcePreset:
    """A sensor source: its name (`--source NAME`), what it is, the messages it sends."""

    name: str
    about: str
    messages: tuple[SourceMessage, ...]
    phone: bool = True  # sends over the network: the listening address must reach it
    live: bool = False  # read on this machine (mapper.sources.live), not received over OSC


def _xyz(prefix: str) -> tuple[str, str, str]:
    return (f"{prefix}-x", f"{prefix}-y", f"{prefix}-z")


def _msg(pattern: str, *names: str | None) -> SourceMessage:
    return SourceMessage(pattern, tuple(names))


PITCH_ROLL_YAW = ("pitch", "roll", "yaw")

PRESETS: dict[str, SourcePreset] = {
    p.name: p
    for p in (
        SourcePreset(
            "gyrosc",
            "GyrOSC (iOS): attitude and acceleration",
            (
                _msg("/gyrosc/gyro", *PITCH_ROLL_YAW),
                _msg("/gyrosc/*/gyro", *PITCH_ROLL_YAW),
                _msg("/gyrosc/accel", *_xyz("accel")),
                _msg("/gyrosc/*/accel", *_xyz("accel")),
            ),
        ),
        SourcePreset(
            "zigsim",
            "ZIG SIM (iOS, Android): acceleration, gravity, rotation rate",
            tuple(
                _msg(f"{prefix}/*/{what}", *_xyz(what))
                for what in ("accel", "gravity", "gyro")
                for prefix in ("/ZIGSIM", "")
            ),
        ),
        SourcePreset(
            "sensors2osc",
            "Sensors2OSC (Android): accelerometer, gyroscope, orientation",
            (
                _msg("/accelerometer", *_xyz("accel")),
                _msg("/gyroscope", *_xyz("gyro")),
                _msg("/orientation", "azimuth", "pitch", "roll"),
            ),
        ),
        SourcePreset(
            "comote",
            "CoMote (IRCAM, iOS and Android): acceleration and rotation rate",
            (
                _msg("/comote/*/devicemotion", None, *_xyz("accel"), "gyro-z", "gyro-x", "gyro-y"),
                _msg("/comote/v3/*/accelerometer", *_xyz("accel")),
                _msg("/comote/v3/*/gyroscope", *_xyz("gyro")),
            ),
        ),
        SourcePreset(
            "midi",
            "a MIDI controller (midi:PORT picks the port): CCs and notes",
            (_msg("/midi/cc/1", "cc-1"),),
            phone=False,
            live=True,
        ),
        SourcePreset(
            "gamepad",
            "a gamepad (gamepad:N picks one): axes and buttons",
            tuple(_msg(f"/gamepad/axis/{k}", f"axis-{k}") for k in range(4)),
            phone=False,
            live=True,
        ),
    )
}

LEARNED = "learned"  # no preset: the messages heard, taken as the inputs (OSC)
SOURCE_NAMES = (*PRESETS, LEARNED)
CHOICES = "gyrosc, zigsim, sensors2osc, comote, midi[:PORT] or gamepad[:N]"


def pattern_matches(pattern: str, address: str) -> bool:
    """Whether `address` fits `pattern`: the same segments, `*` standing for any one."""
    if WILD not in pattern:
        return pattern == address
    return segments_match(pattern.split("/"), address.split("/"))


def segments_match(want: Sequence[str], have: Sequence[str]) -> bool:
    """pattern_matches on addresses already split at "/" (the router keeps its patterns so)."""
    return len(want) == len(have) and all(w == h or (w == WILD and h) for w, h in zip(want, have))


def preset_names(address: str) -> tuple[str | None, ...] | None:
    """The names a known app gives the arguments of `address` (`/gyrosc/gyro`: pitch, roll,
    yaw), or None for an address no preset knows."""
    for preset in PRESETS.values():
        for message in preset.messages:
            if message.matches(address):
                return message.names
    return None
