# Async over Sync — the teaching kit's everyday commands.  `make help` lists them.

PYTHON ?= python3
VENV ?= .venv
LAB_ARGS ?=
PYTEST_ARGS ?=
LOCK_VENV ?= /tmp/servicelab-lockvenv
# 'make lock' resolves on Python 3.10 (the oldest the kit supports) and 3.11 (CI's and
# environment.yml's). Left empty, each is looked for as python3.X on PATH, then under
# pyenv's versions/; or name one, e.g. make lock PYTHON310=/path/to/python3.10
PYTHON310 ?=
PYTHON311 ?=

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The second test environment, on Google Colab's versions (ipywidgets 7.7, IPython 7.34):
# constraints-colab.txt, made on Colab's Python where it is found (tools/colab_env.py).
COLAB_VENV ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_PYTHON ?=
COLAB_TESTS := $(wildcard tests/test_panels*.py tests/test_flowmap*.py tests/test_exercises*.py \
	tests/test_time_limits*.py tests/test_first_cell.py) notebooks solutions exercises
LITE_DIR ?= build/lite
# Lint only the folders that exist yet.
LINT_DIRS := $(wildcard src tests bench tools)
START := notebooks/00_start_here.ipynb

.DEFAULT_GOAL := help
.PHONY: help install lab test test-colab lite lint bench lock lock-colab clean exercises

help:
	@echo "make lab    start JupyterLab on the lessons (creates $(VENV) on first use; LAB_ARGS=... to pass flags)"
	@echo "make test   ruff check + ruff format --check, pytest, then make test-colab (PYTEST_ARGS=...)"
	@echo "make test-colab  the panel, exercise and notebook tests again on Colab's versions ($(COLAB_VENV))"
	@echo "make lite   build the JupyterLite site (lessons + exercises in the browser) into $(LITE_DIR)"
	@echo "make bench  run the benchmarks (python -m bench)"
	@echo "make exercises  rebuild exercises/ (the learners' notebooks) from solutions/"
	@echo "make lock   regenerate constraints.txt from fresh scratch venvs on Python 3.10 and 3.11"
	@echo "make lock-colab  regenerate constraints-colab.txt (Colab's pins, tools/colab_env.py)"
	@echo "make clean  remove $(VENV) and caches"
	@echo "make help   this list"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || \
	  { echo "error: this kit needs Python 3.10 or newer as '$(PYTHON)' (set PYTHON=/path/to/python3.x)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -c constraints.txt -e '.[lab,lite,test]'
	@touch $@

# The server's root is the repo, so notebooks/, exercises/ and solutions/ are all in view.
# (A folder given as an argument would become the root, so notebooks/ is opened via the URL.)
lab: $(STAMP)
	@if [ -f $(START) ]; then open=$(START); \
	  elif [ -d notebooks ]; then open=--LabApp.default_url=/lab/tree/notebooks; else open=; fi; \
	  set -x; $(BIN)/jupyter lab --notebook-dir=. $(LAB_ARGS) $$open

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-colab

$(COLAB_STAMP): pyproject.toml constraints-colab.txt tools/colab_env.py $(STAMP)
	$(BIN)/python tools/colab_env.py --venv $(COLAB_VENV) $(if $(COLAB_PYTHON),--python $(COLAB_PYTHON))
	@touch $@

# Colab's versions: the panels, the exercises and every notebook, a second time.
test-colab: $(COLAB_STAMP)
	@$(COLAB_VENV)/bin/python -c 'import sys, ipywidgets, IPython; print("test-colab: Python", \
	  sys.version.split()[0], "ipywidgets", ipywidgets.__version__, "IPython", IPython.__version__)'
	PYDEVD_DISABLE_FILE_VALIDATION=1 $(COLAB_VENV)/bin/python -m pytest -p no:cacheprovider $(COLAB_TESTS)

# A static JupyterLite site; serve it with: python3 -m http.server -d build/lite
lite: $(STAMP)
	$(BIN)/python tools/build_lite.py --output $(LITE_DIR)

bench: $(STAMP)
	$(BIN)/python -m bench

# solutions/ is the source; exercises/ is generated from it (the package carries no answers).
exercises: $(STAMP)
	$(BIN)/python tools/build_exercises.py

# One lock file for both Pythons: pins that differ carry a python_version marker
# (see tools/lock.py; $(PYTHON) only runs that script).
lock:
	$(PYTHON) tools/lock.py --scratch $(LOCK_VENV) \
	  --python 3.10=$(PYTHON310) --python 3.11=$(PYTHON311)
	@echo "Now update the pins in environment.yml (python=3.11) to match the ones for"
	@echo "Python 3.11 (tests/test_packaging.py checks they agree)."

lock-colab: $(STAMP)
	$(BIN)/python tools/colab_env.py --lock $(if $(COLAB_PYTHON),--python $(COLAB_PYTHON))

clean:
	rm -rf $(VENV) $(COLAB_VENV) .pytest_cache .hypothesis .ruff_cache build src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
