# Everything builds from the project's own files: `make demo` and `make test`
# create .venv on first use and refresh it when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin

.PHONY: demo run test test-fast bench check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' --config-settings editable_mode=compat
	@touch $(STAMP)

# The README's first command: the bundled scenario in the terminal UI.
demo: $(STAMP)
	$(BIN)/scn tui scenarios/ai_capex.scn

# The same scenario printed, every scenario one after the other.
run: $(STAMP)
	$(BIN)/scn run scenarios/ai_capex.scn --all-scenarios

# The whole suite on every core (pytest-xdist), and how long it took (keep it
# under 8 minutes on 2 cores).
test: $(STAMP)
	@start=$$(date +%s); $(BIN)/python -m pytest -n auto; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start ))s wall time"; exit $$status

# While iterating: everything but the tests marked slow (large property runs, fuzzing).
test-fast: $(STAMP)
	@start=$$(date +%s); $(BIN)/python -m pytest -n auto -m 'not slow'; status=$$?; \
	echo "make test-fast: $$(( $$(date +%s) - start ))s wall time"; exit $$status

# One run prints every figure beside its target: the engine (with the reference
# evaluator's time as a ratio), whole scn check and scn run processes at 10,000
# variables beside the reference's whole process (and at 1,000, under 0.8 s), sensitivities, the terminal
# UI's edit path, the growth of time and memory on hostile inputs of growing size,
# sweeps (one batched run beside 25 runs) and Monte Carlo (batched samples beside
# a numpy loop over samples).
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/whole.py
	$(BIN)/python bench/whole.py --vars 1000 --under 0.8
	$(BIN)/python bench/bench_sens.py
	$(BIN)/python bench/bench_tui.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_dims.py
	$(BIN)/python bench/bench_periods.py
	$(BIN)/python bench/bench_sweep.py
	$(BIN)/python bench/bench_mc.py

check: $(STAMP)
	$(BIN)/scn check scenarios/*.scn
	$(BIN)/scn fmt --check scenarios/*.scn

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
