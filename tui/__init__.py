"""The Textual terminal UI over mapper's public API, nothing more: the App (app.py), its
screens/, dialogs/ and widgets/ (the panels), what the keys do (actions/, keys.py)."""
