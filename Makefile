# From Prompt to Product: every target sets up .venv first if it is missing or out of date.
#   make lab      set up, then open JupyterLab on notebooks/ (prints the URL on a headless machine)
#   make test     set up, then unit tests + nbval on every notebook (twice: this machine's numeric
#                 path, then another one) + the browser test
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

.PHONY: setup lab test unit unit-fast nbval nbval-portable execute doctor clean

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
	$(PY) -m pytest -q tests --ignore=tests/browser

unit-fast: setup
	$(PY) -m pytest -q tests --ignore=tests/browser -m "not slow"

nbval: setup
	$(PY) -m pytest -q $(NBVAL) $(NOTEBOOKS)

# The committed outputs must hold on any CPU, thread count or GPU, not only on the machine that made
# them. nbval-portable reruns every notebook on a second numeric path of this machine: torch's
# non-vectorised kernels (ATEN_CPU_CAPABILITY=default) and one thread, after checking that these
# settings really change the last digits of a matmul and of 20 AdamW steps here.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
nbval-portable: setup
	$(PY) scripts/numeric_path.py --check
	$(PORTABLE_ENV) $(PY) -m pytest -q $(NBVAL) $(NOTEBOOKS)

test: unit nbval nbval-portable browser-test

execute: setup
	$(PY) scripts/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf build .pytest_cache

# Browser test, student edition, run report (issue 8).
#   make browser-test  every notebook's widgets in headless Chromium (JupyterLab + Notebook 7)
#   make student       student edition (solutions replaced by stubs) in build/student/
#   make report        execute every notebook, write build/report.md, refresh README run times
.PHONY: browser-deps browser-test student report
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Debian's Chromium (never a browser download): installed only when missing.
browser-deps:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

browser-test: setup browser-deps
	REQUIRE_BROWSER=1 $(PY) -m pytest -q tests/browser

student: setup
	$(PY) scripts/build_student.py

report: setup
	$(PY) scripts/report.py

# Pretraining (issue 5).
#   make pretrain  retrain the shipped checkpoint (seeded; see data/README.md): trains in runs/shipped,
#                  installs into data/checkpoints/shakespeare-gpt only when the run has finished
#   make perf      machine, matmul peak FLOP/s, training throughput and the live preset's bits/char
.PHONY: pretrain perf
pretrain: setup
	$(PY) -m workshop_utils pretrain --preset shipped --threads 1 --install

perf: setup
	$(PY) scripts/perf.py

# Fine-tuning (issue 6).
#   make finetune  retrain the shipped fine-tuned weights from the base checkpoint (seeded; see data/README.md)
#                  in runs/finetune, each installed when it has finished: data/checkpoints/shakespeare-gpt-instruct,
#                  data/checkpoints/lora-genre, data/results/genre-label-budget.json, data/results/lora-vs-full.json
.PHONY: finetune
finetune: setup
	$(PY) -m workshop_utils finetune --task all --threads 2 --install
