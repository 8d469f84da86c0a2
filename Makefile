# gov-report-toolkit: every target runs in .venv, which the first target that needs it creates from
# requirements.lock (only python3 with venv, make and git are needed). `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
KERNEL := toolkit
KERNEL_DISPLAY := Python (toolkit)
# One file per notebook for jupytext --sync: the .py, or the .ipynb of a notebook that has no .py yet.
NOTEBOOK_PY = $(wildcard notebooks/[0-9][0-9]-*.py)
NOTEBOOK_SOURCES = $(NOTEBOOK_PY) $(filter-out $(NOTEBOOK_PY:.py=.ipynb),$(wildcard notebooks/[0-9][0-9]-*.ipynb))

# make figures CORPUS=../shared/corpora/municipal-2024 [FIGURES=dir] [THEMES=my-themes.toml]: run the
# notebooks on another corpus, and/or with your own themes merged into the project lexicon. Figures go to
# figures/<name>/ for a shared corpus (committed, checked by CI: toolkit.paths.SHARED_CORPORA), to
# build/figures/<name>/ for any other corpus or with THEMES (git-ignored), or to FIGURES=dir.
CORPUS ?=
FIGURES ?=
THEMES ?=
# Extra arguments for JupyterLab, e.g. make lab LAB_ARGS="--no-browser --ip 127.0.0.1 --port 8888"
LAB_ARGS ?=
# Extra pytest arguments, e.g. make test PYTEST_ARGS='-k plotting -x'
PYTEST_ARGS ?=

# Same hash order in every run and every kernel (kernels inherit the environment).
export PYTHONHASHSEED := 0
# The same floating-point arithmetic on every x86-64 machine: OpenBLAS's AVX2 kernels and numpy's AVX2 loops,
# also where AVX-512 would be chosen (their sums are rounded in another order, which moved figures' coordinates
# in the sixth decimal between machines).
export OPENBLAS_CORETYPE := Haswell
export NPY_DISABLE_CPU_FEATURES := X86_V4 AVX512_ICL AVX512_SPR
# Quiets debugpy's "frozen modules" warning when a kernel starts.
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv sync figures test browser-test lab lock clean distclean

help: ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned dependencies into $(VENV) (a minute or two the first time)"
	$(PY) -m pip install --disable-pip-version-check --quiet -c $(LOCK) -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "$(KERNEL_DISPLAY)"
	@touch $@

venv: $(STAMP) ## create .venv with the pinned dependencies and the "toolkit" kernel (other targets do it too)

sync: $(STAMP) ## pair every notebook with its py:percent file (jupytext: the newer of the two wins)
	@if [ -n "$(NOTEBOOK_SOURCES)" ]; then $(BIN)/jupytext --sync --quiet $(NOTEBOOK_SOURCES); fi

figures: sync ## execute notebooks/NN-*.ipynb in order, outputs into them, figures into figures/ (CORPUS=dir: another corpus, figures to build/figures/<name>/; a shared one to figures/<name>/)
	$(PY) -m toolkit.notebook_runner $(if $(CORPUS),--corpus '$(CORPUS)') $(if $(FIGURES),--figures '$(FIGURES)') \
		$(if $(THEMES),--themes '$(THEMES)')

test: $(STAMP) ## pytest on tests/ and nbval on every notebook (no test collected is a failure)
	@status=0; \
	$(PY) -m pytest tests notebooks --ignore=tests/browser --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests (exit code 5); tests/ and notebooks/ should hold some" >&2; \
		exit 1; \
	fi; \
	exit $$status

browser-test: $(STAMP) ## JupyterLab in Chromium (Playwright): the explorer of notebook 07, notebook 03's outputs (installs Debian's chromium and fonts-noto-cjk when missing; SCREENSHOT=1 also updates docs/explorer-*.png)
	$(PY) -m pytest tests/browser -p no:cacheprovider $(PYTEST_ARGS)

lab: $(STAMP) ## open JupyterLab at the project root on notebooks/00-overview.ipynb (LAB_ARGS="--no-browser --port 8888" …)
	$(BIN)/jupyter lab --ServerApp.root_dir='$(CURDIR)' $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) \
		notebooks/00-overview.ipynb

lock: ## re-resolve requirements.lock to the newest versions pyproject.toml allows (then update environment.yml)
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --disable-pip-version-check --quiet .
	{ grep '^#' $(LOCK); build/lock-venv/bin/python -m pip freeze --disable-pip-version-check --exclude gov-report-toolkit; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf build/lock-venv
	@echo "$(LOCK) re-resolved: bring environment.yml to the same versions; make test checks they agree"

clean: ## remove build/ and caches: .cache/ (tokens, topic fits), test caches (keeps .venv)
	rm -rf build .cache .pytest_cache .hypothesis *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## also remove .venv
	rm -rf $(VENV)
