# Two commands for a fresh machine:  make run  (the bot)  and  make test  (the checks).
# Both create .venv from pyproject.toml when needed: `run` installs the bot's own dependencies
# only; `test` adds the dev extras (ruff, mypy, pytest, Selenium, …) and needs Debian's
# Chromium and its driver for the browser tests (installed here when run as root, as .ci/run
# does; otherwise it stops at once and says what to install).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MAIN := $(VENV)/.installed-main
STAMP := $(VENV)/.installed
CHROMIUM ?= chromium
CHROMEDRIVER ?= chromedriver
APT_GET ?= apt-get

.PHONY: run test browsers lint typecheck unit bench

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(MAIN): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $(MAIN)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $(MAIN)

run: $(MAIN)
	$(BIN)/maturity-bot run

test: browsers $(STAMP) lint typecheck unit

# Chromium for the browser tests: there already, or installed (root with apt-get), or one line
# saying what to install, before anything else is done.
HAVE_BROWSERS = $(and $(shell command -v $(CHROMIUM)),$(shell command -v $(CHROMEDRIVER)))
CAN_INSTALL = $(and $(filter 0,$(shell id -u)),$(shell command -v $(APT_GET)))
INSTALL_BROWSERS = echo "Installing Debian's chromium and chromium-driver for the browser tests" \
	&& DEBIAN_FRONTEND=noninteractive $(APT_GET) update -qq \
	&& DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium chromium-driver >/dev/null
NEED_BROWSERS = the browser tests need Chromium: run  sudo apt-get install chromium chromium-driver  (Debian or Ubuntu) and then make test again

browsers:
	@$(if $(HAVE_BROWSERS),true,$(if $(CAN_INSTALL),$(INSTALL_BROWSERS),$(error $(NEED_BROWSERS))))

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
