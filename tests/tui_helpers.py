"""Shared parts of the TUI tests: an app on a small project, and bounded waiting in Pilot."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from mapper.cli.main import build_tui_parser
from mapper.cli.parse import tui_options
from mapper.core.engine import Engine
from mapper.core.examples import ExampleRows, ExampleStore
from mapper.core.outputs import Output
from mapper.osc.settings import OSCSettings
from mapper.project import Project
from mapper.session.opening import Opening
from tui.app import MapperApp
from tui.main import new_project_preset


def small_project(send_port: int, listen_port: int = 0) -> tuple[Project, ExampleRows]:
    """Two inputs, one kNN output 0..1 and a 3-class output; takes last until stopped."""
    outputs = [
        Output("level", model={"type": "knn", "k": 1}),
        Output("pose", kind="classifier", classes=3),
    ]
    project = Project(
        "theremin",
        ["tilt", "roll"],
        outputs,
        OSCSettings(listen_port=listen_port, send_port=send_port),
        transport={"count_in": 0.0, "record_for": 0.0, "smoothing": 0.0},
    )
    return project, ExampleStore(2, 2).snapshot()


def app_for(
    opening: tuple[Project, ExampleRows] | None,
    folder: Path | None = None,
    *argv: str,
    pad_on: bool = False,
) -> MapperApp:
    """The app as `mapper [FOLDER] ARGV...` makes it (the command line parsed into options,
    tui.main's path), on this project (None: the new-project form for FOLDER)."""
    args = build_tui_parser().parse_args([*([str(folder)] if folder else []), *argv])
    options = tui_options(args)
    if opening is None:
        return MapperApp(options, None, new_project_preset(options), pad_on=pad_on)
    return MapperApp(options, Opening(*opening, folder), pad_on=pad_on)


def app_on(
    project: tuple[Project, ExampleRows], folder: Path | None, pad_on: bool = False
) -> MapperApp:
    return app_for(project, folder, pad_on=pad_on)


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `condition` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.02)
    pytest.fail("condition not met in time")


def record(engine: Engine, values: list[float], frames: list[list[float]]) -> None:
    """One recording round through the engine's public methods: these values, these frames."""
    engine.set_values(values, send=False)
    engine.start_recording()
    for frame in frames:
        engine.process_frame(frame)
    engine.stop_recording()
