# gesture-mapper: the README's commands. `make demo` and `make test` set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch, installed before the package so its torch range is already met
# (a plain `pip install torch` fetches several GB of CUDA libraries). GPU users: make TORCH=torch
TORCH ?= torch==2.13.0

.PHONY: setup demo demo-neural test lint format clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,audio,midi,gamepad]"
	touch $@

# The audio extra (sounddevice) lets the demos play through the speakers; it needs PortAudio,
# a system library (Debian: apt-get install libportaudio2). Without it the demos say so in one
# line and play on silently (an instrument from examples/ then plays their outputs).
setup: $(VENV)/.installed ## create .venv: gesture-mapper, its test tools, and the audio, midi and gamepad extras

demo: setup ## the terminal UI on the built-in demo (an XY pad, heard on the built-in synth)
	$(BIN)/mapper

demo-neural: setup ## the XY pad steering the neural sound model mapper ships (RAVE's interface)
	$(BIN)/mapper --generator sound

test: setup ## run every test
	$(BIN)/python -m pytest -q

lint: setup ## ruff (lint + format check), mypy and the import contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# The DTW benchmark's reference side (benchmarks/dtw.py): aeon pins numpy, scipy and
# scikit-learn below .venv's versions, so it gets a virtual environment of its own, .venv-bench
# (which git ignores: it holds its own .gitignore), where 1-NN DTW is computed once on the
# gesture datasets aeon ships; `python -m benchmarks --only dtw` reads what it wrote.
.PHONY: bench-dtw-setup
bench-dtw-setup: setup ## .venv-bench with aeon, and the DTW benchmark's datasets and 1-NN DTW reference
	$(BIN)/python -m benchmarks.dtw --setup
