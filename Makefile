# From Prompt to Product: every target sets up .venv first if it is missing or out of date.
#   make lab      set up, then open JupyterLab on notebooks/ (prints the URL on a headless machine)
#   make test     set up, then unit tests + nbval on every notebook
#   make execute  re-run every notebook in place, fresh kernel, in order (refreshes committed outputs)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
KERNEL := llm-workshop
TORCH  := torch==2.13.0
PORT   ?= 8888
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=300 \
          --nbval-sanitize-with tests/sanitize.cfg -p tests.nbval_hooks
# Open a browser only where there is a screen to show it on.
BROWSER_FLAG := $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser)
ROOT_FLAG    := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab test unit nbval execute doctor clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed (found " + sys.version.split()[0] + ")"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (LLM workshop)" >/dev/null
	touch $(STAMP)

lab: setup
	cd notebooks && ../$(VENV)/bin/jupyter lab $(BROWSER_FLAG) $(ROOT_FLAG) --port=$(PORT)

doctor: setup
	$(PY) -m workshop_utils doctor

unit: setup
	$(PY) -m pytest -q tests

nbval: setup
	$(PY) -m pytest -q $(NBVAL) $(NOTEBOOKS)

test: unit nbval

execute: setup
	$(PY) scripts/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf build .pytest_cache
