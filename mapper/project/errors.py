"""The one error every project operation raises for a user's mistake or a broken file."""

from __future__ import annotations


class ProjectError(Exception):
    """A project that cannot be read or written; the message names the file and what to do."""
