# make book [PROFILE=quick|paper|smoke]   make test   make bench   make clean
# make landscapes PROFILE=paper [SCHEDULER=tcp://host:8786]: the S3 and S4 databases alone
PYTHON ?= $(if $(shell command -v python3.11),python3.11,python3)
PROFILE ?= quick
VENV = .venv
PY = $(VENV)/bin/python
# Versions pinned to those CI tested (numbers in the book depend on numpy/numba);
# `make venv CONSTRAINTS=` installs the newest releases instead.
CONSTRAINTS ?= constraints.txt

# Computed data is cached here and reused across profiles, runs and tests.
export LJATLIB_CACHE ?= $(CURDIR)/.cache/ljatlib

.PHONY: venv browser book landscapes test bench clean

venv: $(VENV)/.stamp

# Reinstalls only when pyproject.toml or the constraints change.
$(VENV)/.stamp: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[book,test]'
	touch $@

book: venv
	$(PY) tools/run_book.py --profile $(PROFILE)

# The long part of PROFILE=paper, resumable; `make book` then reuses the databases.
landscapes: venv
	$(PY) tools/build_landscapes.py --profile $(PROFILE) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# Debian's chromium for tests/test_browser.py: Playwright drives it (no `playwright install`).
# Without root or apt-get, a warning; the test then skips (fails under CI).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y --no-install-recommends chromium; } \
	  || echo "warning: chromium not installed (needs root and apt-get);" \
	          "tests/test_browser.py will skip" >&2

test: venv browser
	$(PY) -m ruff check ljatlib tests tools benchmarks book/_ext
	$(PY) -m pytest -rs

bench: venv
	$(PY) -m pip install -q $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build
