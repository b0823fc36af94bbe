"""The Textual terminal UI: screens and widgets over mapper's public API, nothing more."""
