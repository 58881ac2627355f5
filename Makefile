# Two commands for a fresh machine:  make run  (the bot)  and  make test  (the checks).
# Both create .venv and install the project into it from pyproject.toml when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/maturity-bot run

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict bot storage adapters

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/answers.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/slack_acks.py
	$(BIN)/python bench/telegram_fanout.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/region.py
