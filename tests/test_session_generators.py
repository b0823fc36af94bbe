"""A project's generator across folders: save-as keeps its model file findable, and a project
opened over OSC plays to the places the command line asked for (a WAV recording goes on in
the next file). Real files in tmp folders, real UDP, a real `mapper headless` subprocess."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import pytest

from mapper.core.engine import EngineError
from mapper.core.examples import ExampleStore
from mapper.generators.base import LatentDim
from mapper.generators.consent import ModelConsent
from mapper.generators.latent import latent_outputs
from mapper.generators.neural.toy import write_toy
from mapper.generators.presets import generator_preset
from mapper.generators.rhythm.decoder import shipped_weights
from mapper.osc.settings import OSCSettings
from mapper.project import Project, load_project, save_project
from mapper.session.model_files import rebase_model_path
from mapper.session.session import Session

from .conftest import Receiver, wait_for
from .test_headless import Headless, start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def toy_project(name: str, generator: dict, send_port: int = 9) -> Project:
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    return Project(
        name,
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=0, send_port=send_port),
        generator=generator,
    )


TRUSTING = ModelConsent(every_project=True)  # as --trust-models allows


def opened(project: Project, folder: Path, consent: ModelConsent = TRUSTING) -> Session:
    rows = ExampleStore(2, len(project.outputs)).snapshot()
    session = Session(project, rows, project.osc, folder, consent=consent)
    session.create_folder()
    session.start()
    return session


def _drum_outputs():
    preset = generator_preset("rhythm")
    return preset.outputs, preset.values


def saved_generator(folder: Path) -> dict:
    return json.loads((folder / "project.json").read_text())["generator"]


def test_save_as_copies_a_model_inside_the_old_folder_into_the_new_one(tmp_path: Path):
    old, new = tmp_path / "a", tmp_path / "b"
    (old / "models").mkdir(parents=True)
    model = write_toy(old / "models" / "toy.ts")
    spec = {"type": "torchscript", "path": "models/toy.ts", "steer": 2}
    session = opened(toy_project("a", spec), old)
    try:
        assert session.attach_player(None, "cpu").generator.path == old / "models/toy.ts"
        session.save_as(new)
    finally:
        session.close()
    assert saved_generator(old)["path"] == "models/toy.ts"  # the old folder can still move
    assert saved_generator(new)["path"] == "models/toy.ts"  # a project of its own
    assert (new / "models/toy.ts").read_bytes() == model.read_bytes()
    osc = OSCSettings(listen_port=0, send_port=9)
    again = Session(*load_project(new), osc, new, consent=TRUSTING)
    try:
        assert again.attach_player(None, "cpu").generator.path == new / "models/toy.ts"
    finally:
        again.close()


def test_save_as_refuses_a_folder_of_other_files_or_a_project_and_changes_nothing(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b"
    new.mkdir()
    model = write_toy(new / "toy.ts")  # a folder holding only the model: "only other files"
    spec = {"type": "torchscript", "path": "../b/toy.ts", "steer": 2}  # named on the command line
    session = opened(toy_project("a", spec), old, ModelConsent.naming(new / "toy.ts"))
    try:
        session.attach_player(None, "cpu")
        with pytest.raises(EngineError, match="only other files"):
            session.save_as(new)
        assert session.project.generator["path"] == "../b/toy.ts"  # refused: untouched
        (new / "project.json").write_text("{}")  # someone's project (its start, at least)
        with pytest.raises(EngineError, match="holds a project already"):
            session.save_as(new)
        assert session.folder == old and session.project.generator["path"] == "../b/toy.ts"
    finally:
        session.close()
    assert (new / "project.json").read_text() == "{}" and model.is_file()
    assert saved_generator(old)["path"] == "../b/toy.ts"


def test_save_as_copies_the_drum_models_weights_and_keeps_a_tempo_change(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b"
    old.mkdir()
    weights = Path(shutil.copy(shipped_weights(), old / "my-drums.npz"))
    outputs, values = _drum_outputs()
    project = Project(
        "a",
        ["x", "y"],
        outputs,
        OSCSettings(listen_port=0, send_port=9),
        values=values,
        generator={"type": "rhythm", "bpm": 100.0, "weights": "my-drums.npz"},
    )
    session = opened(project, old)
    try:
        player = session.attach_player(None, "cpu")
        session.save_as(new)
        player.set_bpm(110.0)  # the player saves its tempo through the project's settings
        session.save()
    finally:
        session.close()
    assert saved_generator(new) == {"type": "rhythm", "bpm": 110.0, "weights": "my-drums.npz"}
    assert (new / "my-drums.npz").read_bytes() == weights.read_bytes()
    again = Session(*load_project(new), OSCSettings(listen_port=0, send_port=9), new)
    try:  # numbers, not a program: no consent needed
        assert again.attach_player(None, "cpu").generator.weights == new / "my-drums.npz"
    finally:
        again.close()


def test_rebase_leaves_absolute_paths_and_other_settings_alone(tmp_path):
    spec = {"type": "torchscript", "path": str(tmp_path / "x.ts"), "steer": 3}
    rebase_model_path(spec, tmp_path / "a", tmp_path / "b")
    assert spec == {"type": "torchscript", "path": str(tmp_path / "x.ts"), "steer": 3}
    spec = {"type": "rhythm", "weights": None, "bpm": 90}
    rebase_model_path(spec, tmp_path / "a", tmp_path / "b")
    assert spec == {"type": "rhythm", "weights": None, "bpm": 90}
    rebase_model_path(None, tmp_path, tmp_path)  # no generator: nothing to do


def wav(path: Path) -> tuple[int, int]:
    """Sample rate and frames of a WAV file; (0, 0) while it is missing or just opened."""
    try:
        with wave.open(str(path)) as w:
            return w.getframerate(), w.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0, 0


def test_a_project_opened_over_osc_records_on_into_the_next_file(
    tmp_path: Path, receiver: Receiver
):
    first = write_toy(tmp_path / "first.ts", sample_rate=16000)
    other = tmp_path / "other"
    other.mkdir()
    write_toy(other / "second.ts", sample_rate=8000)  # its own model, in its folder
    spec = {"type": "torchscript", "path": "second.ts", "steer": 2}
    save_project(other, toy_project("other", spec), ExampleStore(2, 2).snapshot())
    take = tmp_path / "take.wav"
    proc = start(
        str(tmp_path / "start"),
        "--inputs",
        "2",
        "--generator",
        f"torchscript:{first}",
        "--steer",
        "2",
        "--record-audio",
        str(take),
        "--device",
        "cpu",
        "--allow-dir",
        str(tmp_path),
        "--trust-models",  # projects opened over OSC may run the models in their folders
        "--send",
        f"127.0.0.1:{receiver.port}",
    )
    try:
        h = Headless(proc)
        h.wait_for_line(f"recording what plays to {take}", timeout=60)
        wait_for(lambda: wav(take)[1] > 1600)  # 0.1 s recorded
        h.client.send_message("/mapper/control/load", [str(other)])
        h.wait_for_line(f"opened {other}", timeout=30)
        next_take = tmp_path / "take-2.wav"
        h.wait_for_line(f"recording what plays to {next_take} (16-bit WAV, 8000 Hz)")
        wait_for(lambda: wav(next_take)[1] > 800)  # 0.1 s at the second model's rate
        code, out, err = h.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert f"wrote {take}" in out and f"wrote {next_take}" in out  # both, in the summary
    assert wav(take)[0] == 16000 and wav(next_take)[0] == 8000


def test_sinks_that_do_not_fit_a_later_generator_are_skipped_with_a_reason(tmp_path):
    from mapper.generators.routing import Routing

    outputs, _ = _drum_outputs()
    drums = Project("d", ["x", "y"], outputs, OSCSettings(listen_port=0, send_port=9))
    session = opened(drums, None)
    try:
        player = session.attach_player({"type": "rhythm"}, "cpu")
        sinks = len(player.sequencer.sinks)
        routing = Routing(record_audio=str(tmp_path / "take.wav"))
        routing.follow(player)
        assert routing.take_news() == [
            f"--record-audio {tmp_path / 'take.wav'}: the drum model plays no audio blocks; "
            "nothing is recorded while it plays"
        ]
        assert routing.take_news() == []  # once
        assert len(player.sequencer.sinks) == sinks and not (tmp_path / "take.wav").exists()
        model = write_toy(tmp_path / "toy.ts")
        neural = session.attach_player({"type": "torchscript", "path": str(model)}, "cpu")
        lines = Routing(midi="IAC Bus 1").apply(neural)
        assert lines[0] == "--midi IAC Bus 1: MIDI is for the drum model; not for this one"
        assert neural.sinks == ["clock"]
    finally:
        session.close()


def test_a_recording_never_overwrites_an_earlier_take(tmp_path):
    """Last night's take.wav stays as it was; tonight's goes to take-2.wav, and says so."""
    from mapper.generators.routing import Routing

    take = tmp_path / "take.wav"
    take.write_bytes(b"last night")
    model = write_toy(tmp_path / "toy.ts")
    session = opened(toy_project("t", {"type": "torchscript", "path": str(model)}), None)
    try:
        player = session.attach_player(None, "cpu")
        lines = Routing(record_audio=str(take)).apply(player)
        assert lines[0].startswith(f"recording what plays to {tmp_path / 'take-2.wav'} ")
        assert player.sinks == ["clock", str(tmp_path / "take-2.wav")]
    finally:
        session.close()
    assert take.read_bytes() == b"last night"
    assert wav(tmp_path / "take-2.wav")[0] == 16000
