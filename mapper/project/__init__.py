"""Projects on disk: a folder with `project.json` (settings, novelty settings and bookmarks),
`examples.csv` (the examples) and, for temporal gestures, `gestures.csv` (their takes,
mapper.project.gesture_file).

All are plain text a person can read, diff and edit. Trained models are not saved: they are
retrained from the examples on load (seconds, by design), so nothing in a project folder is ever
unpickled or executed. A save replaces the files together (mapper.project.files); examples
recorded since the last save wait in `journal.csv` (mapper.project.journal); a gesture take, a
bookmark kept or deleted, or a novelty setting is saved within a fraction of a second
(mapper.project.change_watch).
"""

from mapper.errors import ProjectError

from .folder import (
    EXAMPLES_FILE,
    GESTURES_FILE,
    JOURNAL_FILE,
    PROJECT_FILE,
    PROJECT_FILES,
    holds_project,
    load_project,
    read_examples,
    save_project,
)
from .model import Project, engine_from_project, new_project, project_from_engine
from .schema import SCHEMA_VERSION

__all__ = [
    "EXAMPLES_FILE",
    "GESTURES_FILE",
    "JOURNAL_FILE",
    "PROJECT_FILE",
    "PROJECT_FILES",
    "SCHEMA_VERSION",
    "Project",
    "ProjectError",
    "engine_from_project",
    "holds_project",
    "load_project",
    "new_project",
    "project_from_engine",
    "read_examples",
    "save_project",
]
