"""Taking the heard messages as the inputs: the addresses that arrive but match nothing (all,
or the ones chosen) become the project's inputs, one per number they carry, named by the app
that sends them when a preset knows it (`/gyrosc/gyro`: pitch, roll, yaw), else after the
address (`/gyrosc/comp`: comp; `/midi/cc/74`: cc-74; `/x/tilt` fff: tilt-1, tilt-2, tilt-3).

Only while the project has no examples: examples of other inputs would mean nothing. The same
for the TUI (`h`) and over OSC (`/mapper/control/takeHeard`, `/mapper/control/heard`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mapper.core.engine import Engine, EngineError
from mapper.core.outputs import clean_name
from mapper.osc.codec import printable
from mapper.osc.server import NUMERIC_TAGS
from mapper.project import Project, project_from_engine
from mapper.sources.heard import Heard
from mapper.sources.presets import LEARNED, SourceMessage, preset_names
from mapper.sources.spec import MAX_ARGS, SourceSpec

if TYPE_CHECKING:
    from mapper.session.session import Session

OURS = "/mapper/control/"
# why taking is refused once there are examples (the TUI's `h` says it too)
NO_TAKING = "this project has examples of its inputs: start a new project to take other inputs"


def holds_examples(engine: Engine) -> bool:
    """Examples or gesture takes: recorded frames of these inputs, meaningless of others."""
    return bool(len(engine.examples) or engine.gestures.takes)


def learned_messages(
    heard: Sequence[Heard], kept: Sequence[SourceMessage] = ()
) -> tuple[SourceMessage, ...]:
    """`kept` (a source's messages that made frames), then one message per heard address,
    each number it carries an input (strings skipped), named apart from the kept ones."""
    taken = {n for m in kept for n in m.names if n is not None}
    out = list(kept)
    for h in heard:
        known = preset_names(h.address)
        base = _base_name(h.address)
        numbers = [k for k, t in enumerate(h.tags) if t in NUMERIC_TAGS]
        names: list[str | None] = [None] * len(h.tags)
        for n, k in enumerate(numbers):
            if known is not None and k < len(known):
                name = known[k]  # None: the app's own not-an-input (CoMote's interval)
            else:
                name = base if len(numbers) == 1 else f"{base}-{n + 1}"
            names[k] = _unique(name, taken) if name is not None else None
        named = [k for k, n in enumerate(names) if n is not None]
        if named:
            out.append(SourceMessage(h.address, tuple(names[: named[-1] + 1])))
    return tuple(out)


def _base_name(address: str) -> str:
    """`/gyrosc/comp` -> comp; `/midi/cc/74` -> cc-74 (a number alone says little)."""
    parts = [p for p in address.split("/") if p]
    if not parts:
        return "input"
    base = parts[-1]
    if base.isdigit() and len(parts) > 1:
        base = f"{parts[-2]}-{base}"
    return clean_name(base, "input")[:40]


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}-{k}", k + 1
    taken.add(candidate)
    return candidate


def take_heard(session: Session, addresses: Sequence[str] | None = None) -> list[str]:
    """Make the heard messages (those at `addresses`, or all) the project's inputs, after
    the source's own messages that have made frames (a phone's gyro stays an input when its
    compass is taken too); returns the inputs' names. EngineError if nothing is heard (or
    not those), or examples exist."""
    if holds_examples(session.engine):
        raise EngineError(NO_TAKING)
    heard = [h for h in session.sources.heard.heard() if h.numbers]
    if addresses is not None:
        missing = [a for a in addresses if a not in {h.address for h in heard}]
        if missing:
            raise EngineError(f"nothing with numbers heard at {printable(missing[0])}")
        heard = [h for h in heard if h.address in addresses]
    if not heard:
        raise EngineError("no messages with numbers heard yet: nothing to take as inputs")
    heard.sort(key=lambda h: h.address)  # the same order however they arrived
    current, router = session.sources.spec, session.sources.router
    kept: list[SourceMessage] = []
    if current is not None and router is not None:
        used = router.used()
        for m in current.messages:  # one pattern per set of names (gyro, not gyro twice)
            if m.pattern in used and all(m.names != k.names for k in kept):
                kept.append(m)
    name, arg = (current.name, current.arg) if current is not None else (LEARNED, None)
    spec = _checked(SourceSpec(name, arg, learned_messages(heard, kept)))
    names = spec.input_names()
    project = _with_inputs(project_from_engine(session.engine, session.project), spec)
    session.replace_inputs(project, f"inputs taken from the heard messages: {', '.join(names)}")
    session.sources.heard.forget([h.address for h in heard])
    return names


def _checked(spec: SourceSpec) -> SourceSpec:
    """`spec` as project.json would reload it (SourceSpec.from_doc's limits), checked before
    the switch: refused here, the instrument plays on with the inputs it had."""
    for m in spec.messages:
        if len(m.names) > MAX_ARGS:
            raise EngineError(
                f"{printable(m.pattern)} carries {len(m.names)} values: at most {MAX_ARGS} per "
                "message can be inputs"
            )
        if not m.pattern.isprintable():
            raise EngineError(
                f"{printable(m.pattern)} cannot be an input's address: it holds control characters"
            )
    if not spec.input_names():
        raise EngineError("nothing heard carries a number to take")
    try:
        return SourceSpec.from_doc(spec.to_doc())
    except ValueError as e:  # anything else project.json would refuse
        raise EngineError(f"cannot take these messages as the inputs: {e}") from None


def _with_inputs(project: Project, spec: SourceSpec) -> Project:
    outputs = [dataclasses.replace(o, inputs=None) for o in project.outputs]
    sets = [dataclasses.replace(s, inputs=None) for s in project.gesture_sets]
    return dataclasses.replace(
        project,
        input_names=spec.input_names(),
        outputs=outputs,
        gesture_sets=sets,
        source=spec.to_doc(),
    )


def make_source_controls(session: Session) -> dict[str, Any]:
    """`/mapper/control/heard`: one `/mapper/heard` address types rate count per address
    heard, then `/mapper/heard/end` listed more; `/mapper/control/takeHeard [address...]`:
    those (or all) become the inputs (on a worker: the server is replaced)."""
    server = session.server

    def heard(args: Sequence[Any]) -> None:
        listed = session.sources.heard.heard()
        for h in listed:
            server.sender.send_message(
                "/mapper/heard", [h.address, h.tags or "-", h.rate, float(h.count)], "ssff"
            )
        more = float(session.sources.heard.more)
        server.sender.send_message("/mapper/heard/end", [float(len(listed)), more], "ff")

    def take(args: Sequence[Any]) -> None:
        if not all(isinstance(a, str) for a in args):
            raise EngineError("takeHeard takes addresses (strings), or nothing for all")
        if holds_examples(session.engine):  # said at once, as a control error
            raise EngineError(NO_TAKING)
        chosen = [str(a) for a in args] or None

        def work() -> None:
            try:
                take_heard(session, chosen)
            except EngineError as e:  # the instrument plays on with the inputs it had
                counters = session.engine.counters
                counters.control_errors += 1
                counters.last_control_error = printable(f"takeHeard: {e}", 300)
                server.jobs.warn("open", f"takeHeard: {e}")

        server.jobs.submit("open", work, key="takeHeard")

    return {OURS + "heard": heard, OURS + "takeHeard": take}
