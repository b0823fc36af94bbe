"""One open instrument: typed options, the project it opens, the session that plays it."""
