# make book [PROFILE=quick|paper|smoke]   make test   make bench   make clean
PYTHON ?= $(if $(shell command -v python3.11),python3.11,python3)
PROFILE ?= quick
VENV = .venv
PY = $(VENV)/bin/python

# Computed data is cached here and reused across profiles, runs and tests.
export LJATLIB_CACHE ?= $(CURDIR)/.cache/ljatlib

.PHONY: venv book test bench clean

venv: $(VENV)/.stamp

# Reinstalls only when pyproject.toml changes.
$(VENV)/.stamp: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[book,test]'
	touch $@

book: venv
	$(PY) tools/run_book.py --profile $(PROFILE)

test: venv
	$(PY) -m pytest

bench: venv
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build
