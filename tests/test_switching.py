"""A session's engine swapped on the same port (mapper/session/switching.py): a switch that
fails half-way leaves the old instrument playing, never a deaf one; a MIDI port stays open
across a switch (a DAW's connection to it is kept); inputs are not swapped in the middle of a
take."""

from __future__ import annotations

import dataclasses

import pytest

import mapper.sources.live as live_module
from mapper.core.engine import EngineError
from mapper.project import project_from_engine
from mapper.session.learning import take_heard
from mapper.session.sourcing import Sources

from .test_sources import Client, FakeMidi, instruments, options, start  # noqa: F401


def answers_frames(instrument, receiver, client: Client, n_inputs: int) -> bool:
    """The instrument, running, answers a /wek/inputs frame with /wek/outputs."""
    engine = instrument.session.engine
    engine.start_running()
    receiver.drain()
    client.send("/wek/inputs", *([0.5] * n_inputs))
    return receiver.get_address("/wek/outputs", timeout=2.0)[0] == "/wek/outputs"


def test_inputs_a_project_file_could_not_hold_are_refused_before_anything_stops(
    receiver,
    instruments,  # noqa: F811
):
    instrument, _ = start(instruments, options(receiver, None, inputs=2))
    session = instrument.session
    before = session.engine
    names = [f"f-{k}" for k in range(65)]  # 65 numbers on one address: more than 64
    project = dataclasses.replace(
        project_from_engine(before, session.project),
        input_names=names,
        source={"type": "learned", "messages": [{"address": "/features", "names": names}]},
    )
    with pytest.raises(EngineError, match="cannot be taken"):
        session.replace_inputs(project, "taken")
    assert session.engine is before and session.switches == 0
    assert answers_frames(instrument, receiver, Client(instrument), 2)


def test_a_switch_that_fails_half_way_plays_the_old_instrument_again(
    receiver,
    instruments,  # noqa: F811
    monkeypatch,
):
    instrument, _ = start(instruments, options(receiver, None, inputs=2))
    session = instrument.session
    before = session.engine
    project = dataclasses.replace(
        project_from_engine(before, session.project), input_names=["a", "b", "c"]
    )
    route = Sources.route

    def broken_for_the_new_engine(self, engine, server, saved):
        if engine is not before:
            raise RuntimeError("the new engine cannot be routed")
        return route(self, engine, server, saved)

    monkeypatch.setattr(Sources, "route", broken_for_the_new_engine)
    with pytest.raises(RuntimeError):
        session.replace_inputs(project, "taken")
    assert session.engine is before and session.engine.input_names == ["inputs-1", "inputs-2"]
    assert session.switches == 0 and session.switch_news == ""  # nothing to announce
    assert answers_frames(instrument, receiver, Client(instrument), 2)  # same port, playing
    assert before.counters.send_errors == 0  # not also sending through the closed server


def test_a_midi_port_stays_open_when_its_messages_become_the_inputs(
    receiver,
    instruments,  # noqa: F811
    monkeypatch,
):
    opened: list[FakeMidi] = []

    def fake_open(name, arg, offer):
        opened.append(FakeMidi(offer, 0))
        return opened[-1]

    monkeypatch.setattr(live_module, "open_live_source", fake_open)
    instrument, _ = start(instruments, options(receiver, "midi:fake"))
    session = instrument.session
    session.sources.offer("/midi/cc/74", "f", (0.5,))  # a knob moved: heard, not an input
    assert take_heard(session, ["/midi/cc/74"]) == ["cc-74"]  # (cc-1 made no frame)
    assert len(opened) == 1 and not opened[0].stop.is_set()  # the same port, still open
    session.engine.start_recording()
    session.sources.offer("/midi/cc/74", "f", (0.25,))  # the port's messages reach the new
    session.engine.stop_recording()  # engine
    assert session.engine.examples.snapshot().inputs.tolist() == [[0.25]]


def test_inputs_are_not_swapped_in_the_middle_of_a_take(
    receiver,
    instruments,  # noqa: F811
):
    instrument, _ = start(instruments, options(receiver, None, inputs=2))
    session = instrument.session
    project = dataclasses.replace(
        project_from_engine(session.engine, session.project), input_names=["a", "b", "c"]
    )
    session.engine.start_recording()
    with pytest.raises(EngineError, match="take is being recorded"):
        session.replace_inputs(project, "taken")
    session.engine.stop_recording()
    assert session.engine.input_names == ["inputs-1", "inputs-2"]
