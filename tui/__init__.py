"""The Textual terminal UI over mapper's public API (arrives with the TUI issue)."""
