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
	$(BIN)/python -m pip install -q -e ".[dev,interchange]"
	touch $(STAMP)

# The demo: synthesise faces, train the cpu preset, predict on held-out frames and a video, measure.
demo: venv
	$(BIN)/genlm synth face $(DEMO_OUT)/data --marked 3000 --unmarked 3000 --test 200 --video 120 --size 64
	$(BIN)/genlm train --marked $(DEMO_OUT)/data/marked --unmarked $(DEMO_OUT)/data/unmarked --template face \
		--out $(DEMO_OUT)/run --preset cpu --device cpu $(if $(wildcard $(DEMO_OUT)/run/checkpoint.json),--resume)
	$(BIN)/genlm predict $(DEMO_OUT)/run $(DEMO_OUT)/data/test --out $(DEMO_OUT)/test_landmarks.json --overlay $(DEMO_OUT)/overlay --flip
	$(BIN)/genlm predict $(DEMO_OUT)/run $(DEMO_OUT)/data/video.mp4 --out $(DEMO_OUT)/video_landmarks.csv --overlay $(DEMO_OUT)/overlay.mp4 --flip
	$(BIN)/genlm eval $(DEMO_OUT)/run $(DEMO_OUT)/data --json $(DEMO_OUT)/metrics.json --flip
	@echo "demo: overlays in $(DEMO_OUT)/overlay/grid.png and $(DEMO_OUT)/overlay.mp4, metrics in $(DEMO_OUT)/metrics.json"

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
