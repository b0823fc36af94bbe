"""Nothing in a project runs without the user's say: a project's TorchScript model (a program)
loads only from inside its own folder, and only when the command line or the user allows it.

The canary model prints a marker each time its decode runs, so the tests see whether a
stranger's model ran, in real `mapper headless` processes and in the TUI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mapper.core.examples import ExampleStore
from mapper.errors import ModelNotTrusted
from mapper.generators.base import LatentDim
from mapper.generators.consent import ModelConsent
from mapper.generators.latent import latent_outputs
from mapper.osc.settings import OSCSettings
from mapper.project import Project, load_project, save_project

from .neural_models import CANARY, write_canary
from .test_headless import Headless, headless, start, wait_until  # noqa: F401 (a fixture)
from .tui_helpers import app_for, until


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_canary(tmp_path_factory.mktemp("models") / "canary.ts")


def model_project(folder: Path, model_path: str, send_port: int = 9) -> Path:
    """A saved project whose generator is the TorchScript model at `model_path` (as written)."""
    dims = [LatentDim(f"latent-{k}", -2.0, 2.0) for k in (1, 2)]
    project = Project(
        folder.name,
        ["x", "y"],
        latent_outputs(dims),
        OSCSettings(listen_port=0, send_port=send_port),
        generator={"type": "torchscript", "path": model_path, "steer": 2},
    )
    save_project(folder, project, ExampleStore(2, 2).snapshot())
    return folder


def headless_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`mapper headless ARGS` that is expected to refuse: it must end by itself."""
    return subprocess.run(
        [sys.executable, "-m", "mapper", "headless", "--listen", "127.0.0.1:0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def test_a_project_never_loads_a_model_from_outside_its_folder(tmp_path: Path, canary):
    shutil.copy(canary, tmp_path / "evil.ts")
    cases = {
        "relative": model_project(tmp_path / "relative", "../evil.ts"),
        "absolute": model_project(tmp_path / "absolute", str(tmp_path / "evil.ts")),
        "symlink": model_project(tmp_path / "symlink", "model.ts"),
    }
    (cases["symlink"] / "model.ts").symlink_to(tmp_path / "evil.ts")  # inside, pointing out
    for name, folder in cases.items():
        r = headless_run(str(folder), "--trust-models", "--device", "cpu", cwd=tmp_path)
        assert r.returncode == 2, (name, r.stdout, r.stderr)
        assert "outside the project folder" in r.stderr, (name, r.stderr)
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert CANARY not in r.stdout + r.stderr and "listening on" not in r.stdout, name


def test_a_model_inside_the_project_runs_only_when_the_command_line_allows_it(
    tmp_path: Path,
    canary,
    headless,  # noqa: F811
):
    folder = model_project(tmp_path / "song", "model.ts")
    shutil.copy(canary, folder / "model.ts")
    r = headless_run(str(folder), "--device", "cpu", cwd=tmp_path)
    assert r.returncode == 2 and "a TorchScript model, a program" in r.stderr, r.stderr
    assert "--trust-models" in r.stderr and "Traceback" not in r.stderr
    assert CANARY not in r.stdout + r.stderr and "listening on" not in r.stdout
    assert load_project(folder)[0].generator == {"type": "torchscript", "path": "model.ts",
                                                 "steer": 2}  # fmt: skip

    for allow in (("--trust-models",), ("--generator", f"torchscript:{folder / 'model.ts'}")):
        h = headless(str(folder), "--device", "cpu", *allow)
        h.wait_for_line("torchscript model.ts", timeout=30)  # it plays
        code, out, err = h.stop()
        assert code == 0, err
        assert CANARY in out, allow  # it ran: the user allowed it


def test_over_osc_a_load_whose_project_runs_a_model_is_refused_unless_allowed(
    tmp_path: Path,
    receiver,
    canary,
    headless,  # noqa: F811
):
    allowed = tmp_path / "allowed"
    folder = model_project(allowed / "song", "model.ts")
    shutil.copy(canary, folder / "model.ts")
    h = headless(str(allowed / "plain"), "--inputs", "2", "--outputs", "1",
                 "--allow-dir", str(allowed))  # fmt: skip
    h.client.send_message("/mapper/control/load", [str(folder)])
    h.wait_for_line("control errors 1", timeout=30)
    h.control("outputs", 0.25)  # the project it had plays on
    assert receiver.get_address("/wek/outputs")[1:] == ("f", (0.25,))
    code, out, err = h.stop()
    assert code == 0 and "--trust-models" in err
    assert CANARY not in out + err and "opened" not in out

    h = headless(str(allowed / "plain"), "--allow-dir", str(allowed), "--trust-models",
                 "--device", "cpu")  # fmt: skip
    h.client.send_message("/mapper/control/load", [str(folder)])
    h.wait_for_line("opened", timeout=30)
    code, out, err = h.stop()
    assert code == 0 and CANARY in out, err


def test_the_rules_for_each_kind_of_model_file(tmp_path: Path):
    folder = tmp_path / "p"
    (folder / "sub").mkdir(parents=True)
    nobody = ModelConsent()
    drums_inside = {"type": "rhythm", "weights": "sub/rhythm-weights.npz"}
    assert nobody.problem(drums_inside, folder) is None  # numbers, not a program: no yes needed
    assert nobody.problem({"type": "rhythm"}, folder) is None  # the shipped drum model
    drums_outside = {"type": "rhythm", "weights": str(tmp_path / "w.npz")}
    assert "outside the project folder" in (nobody.problem(drums_outside, folder) or "")
    ts = {"type": "torchscript", "path": "m.ts"}
    with pytest.raises(ModelNotTrusted) as refused:
        nobody.check(ts, folder)
    assert refused.value.askable  # a yes to this folder would do
    assert nobody.allowing(folder).problem(ts, folder) is None
    assert nobody.allowing(tmp_path / "other").problem(ts, folder) is not None
    named = ModelConsent.naming(tmp_path / "elsewhere.ts")
    assert named.problem({"type": "torchscript", "path": "../elsewhere.ts"}, folder) is None
    with pytest.raises(ModelNotTrusted) as outside:
        ModelConsent(every_project=True).check({"type": "torchscript", "path": "../x.ts"}, folder)
    assert not outside.value.askable  # no yes can make a file outside the folder load


async def test_the_ui_asks_before_a_projects_model_runs(tmp_path: Path, receiver, canary):
    from tui.dialogs.confirm import Confirm

    folder = model_project(tmp_path / "song", "model.ts", receiver.port)
    shutil.copy(canary, folder / "model.ts")
    project, rows = load_project(folder)
    app = app_for((project, rows), folder, "--device", "cpu")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "is a program" in app.screen.question and "model.ts" in app.screen.question
        await pilot.press("n")
        await until(pilot, lambda: app.session is not None)
        assert app.session.player is None  # opened, its generator silent
        assert app.session.project.generator["path"] == "model.ts"  # and kept as it was
    app = app_for((project, rows), folder, "--device", "cpu")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: app.session is not None and app.session.player is not None)
        assert app.session.player.playing
