"""The command line's path to a playing instrument, as `mapper headless` and the TUI take it:
argv -> typed options -> the project found -> the one factory -> a session on real sockets."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

from mapper.cli.main import build_parser, build_tui_parser
from mapper.cli.parse import headless_options, tui_options
from mapper.errors import CannotListen, GeneratorError, MapperError, UsageError
from mapper.generators.neural.toy import write_toy
from mapper.generators.player import Player
from mapper.session.factory import open_instrument
from mapper.session.opening import find_project

from .conftest import Receiver, wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def headless(*argv: str):
    return headless_options(build_parser().parse_args(["headless", *argv]))


def test_options_are_typed_and_frozen(tmp_path: Path):
    options = headless(
        str(tmp_path / "song"), "--inputs", "3", "--outputs", "2", "--listen", ":7000",
        "--send", "10.0.0.2:9000", "--generator", "rhythm", "--bpm", "96", "--run",
    )  # fmt: skip
    assert options.folder == tmp_path / "song"
    assert (options.new.inputs, options.new.outputs) == (3, 2)
    assert options.network.listen == ("127.0.0.1", 7000)
    assert options.network.send == ("10.0.0.2", 9000)
    assert options.play.generator is not None and options.play.generator.kind == "rhythm"
    assert options.play.bpm == 96.0 and options.run
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.run = False  # type: ignore[misc]


def test_bad_options_are_one_line_errors_before_anything_opens(tmp_path: Path):
    with pytest.raises(UsageError, match="out of range"):
        headless("--inputs", "1", "--outputs", "1", "--send", "127.0.0.1:99999")
    with pytest.raises(GeneratorError, match="give rhythm"):
        headless("--inputs", "1", "--outputs", "1", "--generator", "drums")
    with pytest.raises(GeneratorError, match="--bpm plays a generator"):
        find_project(headless("--inputs", "1", "--outputs", "1", "--bpm", "90"))
    (tmp_path / "notes.txt").write_text("someone's notes")
    with pytest.raises(UsageError, match="not a project folder"):
        find_project(headless(str(tmp_path), "--inputs", "1", "--outputs", "1"))


def test_the_factory_plays_what_the_command_line_asked(tmp_path: Path, receiver: Receiver):
    folder = tmp_path / "song"
    options = headless(
        str(folder), "--inputs", "2", "--outputs", "1", "--listen", "127.0.0.1:0",
        "--send", f"127.0.0.1:{receiver.port}",
    )  # fmt: skip
    instrument = open_instrument(options)
    session = instrument.session
    try:
        assert json.loads((folder / "project.json").read_text())["name"] == "song"
        assert instrument.problems == [] and session.player is None
        session.engine.set_values([0.25])
        session.engine.start_recording()
        client = SimpleUDPClient(*session.listen_address)
        for k in range(5):
            client.send_message("/wek/inputs", [0.1 * k, 0.5])
        wait_for(lambda: len(session.engine.examples) == 5)
    finally:
        session.close()
    again = open_instrument(headless(str(folder), "--listen", "127.0.0.1:0"))
    try:  # the examples were journalled: reopened, they train at once
        assert again.training == ["outputs-1"]
        assert "from 5 examples" in " ".join(again.news)
    finally:
        again.session.close()


def test_a_taken_port_is_an_error_for_headless_and_a_free_port_for_the_tui(tmp_path: Path):
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with pytest.raises(CannotListen, match=f"cannot listen on 127.0.0.1:{port}"):
            open_instrument(headless("--inputs", "1", "--outputs", "1", "--listen", f":{port}"))
        options = tui_options(build_tui_parser().parse_args(["--listen", f":{port}"]))
        instrument = open_instrument(options, strict=False)  # the built-in demo
        try:
            assert instrument.session.listen_address[1] != port
            assert "listening on port" in instrument.warnings[0]
        finally:
            instrument.session.close()
    finally:
        taken.close()


def test_an_unexpected_failure_while_opening_closes_what_was_opened(monkeypatch):
    """A sound card driver raising something odd must not leave a port and threads behind."""
    import threading

    from mapper.session.session import Session

    def broken(self, options):
        raise RuntimeError("the driver said no")

    monkeypatch.setattr(Session, "play", broken)
    before = {t.name for t in threading.enumerate()}
    options = headless("--inputs", "2", "--generator", "rhythm", "--listen", ":0")
    with pytest.raises(RuntimeError, match="the driver said no"):
        open_instrument(options)
    wait_for(lambda: {t.name for t in threading.enumerate()} <= before)


def test_every_player_is_a_player_with_its_capabilities_declared(tmp_path: Path):
    toy = write_toy(tmp_path / "toy.ts", latent_size=4)
    drums = open_instrument(headless("--inputs", "2", "--generator", "rhythm", "--listen", ":0"))
    neural = open_instrument(
        headless("--inputs", "2", "--generator", f"torchscript:{toy}", "--listen", ":0")
    )
    try:
        rhythm, audio = drums.session.player, neural.session.player
        assert isinstance(rhythm, Player) and isinstance(audio, Player)
        assert rhythm.tempo is not None and rhythm.steps is not None and rhythm.audio is None
        assert audio.audio is not None and audio.tempo is None and audio.steps is None
        assert any("BPM" in line for line in drums.news)
        assert any("steering 4 of 4 latent dimensions" in line for line in neural.news)
    finally:
        drums.session.close()
        neural.session.close()


def test_one_attach_path_withdraws_the_old_players_addresses(tmp_path: Path):
    toy = write_toy(tmp_path / "toy.ts", latent_size=4)
    instrument = open_instrument(
        headless("--inputs", "2", "--generator", "rhythm", "--device", "cpu", "--listen", ":0")
    )
    session = instrument.session
    try:
        assert "/mapper/rhythm/bpm" in session.server.controls
        session.attach_player({"type": "torchscript", "path": str(toy)}, "cpu")
        assert "/mapper/rhythm/bpm" not in session.server.controls
        assert "/mapper/neural/status" in session.server.controls
        session.attach_player({"type": "rhythm"}, "cpu")  # and back: the drift of two copies
        assert "/mapper/neural/status" not in session.server.controls
        # the hot path calls the OSC sender and the playing player's latent source, no more:
        # a closed player's listener is gone, however often players are replaced
        assert len(session.engine._output_sinks) == 2
        assert session.project.generator is not None
        assert session.project.generator["type"] == "rhythm"
    finally:
        session.close()


def test_every_error_a_user_can_see_is_a_mapper_error():
    from mapper import errors

    kinds = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert len(kinds) >= 8 and CannotListen in kinds
    assert all(issubclass(k, MapperError) for k in kinds)
