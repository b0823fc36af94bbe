"""The main screen's panels."""
