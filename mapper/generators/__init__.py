"""Latent models a mapping can steer: the protocol, and how to load one by its type name.

A generator turns a latent vector into a product (a drum pattern, a block of audio). It runs at
its own rate (the drum model once per sequencer step), reading the latest latent: it is never
called once per input message. Heavy libraries (torch) load only when a generator needs them.
"""

from __future__ import annotations

from mapper.generators.base import Generator, GeneratorError, LatentDim, resolve_device

__all__ = ["Generator", "GeneratorError", "LatentDim", "resolve_device"]


def load_generator(
    spec: dict | None, folder: object = None, device: str | None = "auto"
) -> Generator:
    """The generator a project's `generator` settings describe, e.g. {"type": "rhythm"}.

    `weights` in the settings is a path relative to the project `folder` (None: the shipped
    model). GeneratorError says what is wrong.
    """
    from pathlib import Path

    from mapper.generators.rhythm.generator import load_generator as load_rhythm

    return load_rhythm(spec, Path(str(folder)) if folder is not None else None, device)
