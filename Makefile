# genlm: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.genlm-installed
DEMO_OUT ?= demo_out

.PHONY: demo test venv export readme check nbtest pytest bench clean

venv: $(STAMP)

# torch first, pinned: its CPU wheel is on these machines; a bare `torch` would pull GBs of CUDA builds.
$(STAMP): settings.ini setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: venv
	$(BIN)/python -m genlm.demo --out $(DEMO_OUT)

export: venv
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean && $(BIN)/python tools/readme.py

readme: venv
	$(BIN)/python tools/readme.py

check: venv
	bash tools/check_sync.sh $(BIN)

nbtest: venv
	$(BIN)/nbdev-test --n-workers 2 --timing

pytest: venv
	$(BIN)/python -m pytest -n 2 --durations=10

test: check nbtest pytest

bench: venv
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf build dist *.egg-info _docs _proc
