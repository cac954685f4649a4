# The README's two commands: `make demo` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck setup bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/regimebot demo

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q

# ruff over the whole tree; mypy through a folder of links that lays the top-level folders out as
# the installed package (regimebot/bot, regimebot/macro, ...), the names the code imports.
lint: $(STAMP)
	$(BIN)/ruff check bot handlers jobs storage macro tests bench

TYPECHECK := build/typecheck
typecheck: $(STAMP)
	mkdir -p $(TYPECHECK)/regimebot
	for d in bot handlers jobs storage macro; do ln -sfn ../../../$$d $(TYPECHECK)/regimebot/$$d; done
	cd $(TYPECHECK) && ../../$(BIN)/mypy --config-file ../../pyproject.toml -p regimebot

bench: $(STAMP)
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/scenario.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/commands.py

clean:
	rm -rf $(VENV) build *.egg-info
