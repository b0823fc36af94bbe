"""gesture-mapper's headless engine: teach a mapping from gestures to sound by demonstration.

This package never imports textual or rich (tests/test_import_hygiene.py proves it), and keeps
heavy imports (scikit-learn, torch) inside the functions that need them.
"""

__version__ = "0.1.0"
