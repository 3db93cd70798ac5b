# Two commands do everything on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Chromium comes from Debian: Playwright's own browser download cannot run here (no internet).
CHROMIUM := /usr/bin/chromium
# The DKIM test makes its key pair with openssl (Debian's).
OPENSSL := /usr/bin/openssl
N ?=
# The Nu Html Checker, which tests/test_valid_html.py runs: the jar from the npm registry (pinned), Java from Debian.
VNU_VERSION := 26.9.27
VNU_DIR := .cache/tools/vnu
VNU_STAMP := $(VNU_DIR)/.installed-$(VNU_VERSION)

.PHONY: site test serve bench check messages lint clean java vnu

# Every install comes from a hash-locked file generated from pyproject.toml by `make lock` (README: "Locked
# environment"): the runtime's, and the runtime's with the test and bench extras. pip refuses any file whose hash
# is not in the lock and any dependency that is not pinned there. The build backend (setuptools) is locked too, so
# the editable install of Agora itself runs without build isolation and downloads nothing unlocked. pip itself
# has a lock of its own, installed first: the pip a venv comes with is older and takes ~40 % more CPU time.
LOCK      := requirements.lock
TEST_LOCK := requirements-test.lock
PIP_LOCK  := requirements-pip.lock
UV_VERSION := 0.13.8
PIP_INSTALL := $(BIN)/python -m pip install --quiet

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.pip: $(PIP_LOCK) | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r $(PIP_LOCK)
	touch $@

# Stamps re-run the install when a lock or pyproject.toml (entry points, package data) changes.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(VENV)/.pip
	$(PIP_INSTALL) --require-hashes -r $(LOCK)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml | $(VENV)/.pip
	$(PIP_INSTALL) --require-hashes -r $(TEST_LOCK)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed

# uv resolves the locks: universal (markers for every platform), for Python from 3.11.5 (soupsieve 4.1.3, a test
# dependency, needs it), hashes of every file PyPI serves for a pinned version. uv keeps the pins already in a
# lock while they satisfy pyproject.toml; `make lock UPGRADE=1` moves to the newest allowed versions. The runtime
# lock is constrained by the test lock, so the two never disagree on a version.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11.5 --generate-hashes \
  --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade,)
BUILD_REQUIRES = $(BIN)/python -c 'import tomllib; \
  print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'

$(BIN)/uv: | $(BIN)/python
	$(PIP_INSTALL) uv==$(UV_VERSION)

.PHONY: lock
lock: $(BIN)/uv
	$(BUILD_REQUIRES) | $(UV_COMPILE) pyproject.toml - --extra test --extra bench -o $(TEST_LOCK)
	$(BUILD_REQUIRES) | $(UV_COMPILE) pyproject.toml - -c $(TEST_LOCK) -o $(LOCK)
	echo pip | $(UV_COMPILE) - -o $(PIP_LOCK)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

# Debian's Java runtime, only where no `java` is on the PATH.
java:
	@command -v java >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

# Into a folder of its own that git ignores. --ignore-scripts: the package's install script would fetch a Java
# runtime of its own; Debian's is used instead. The stamp names the version, so changing VNU_VERSION reinstalls.
$(VNU_STAMP):
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	rm -rf $(VNU_DIR) && mkdir -p $(VNU_DIR)
	npm install --prefix $(VNU_DIR) --no-save --ignore-scripts --no-audit --no-fund --silent vnu-jar@$(VNU_VERSION)
	touch $@

vnu: java $(VNU_STAMP)

site: $(VENV)/.installed
	$(BIN)/agora build

serve: $(VENV)/.installed
	$(BIN)/agora serve

check: $(VENV)/.installed
	$(BIN)/agora check

$(OPENSSL):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openssl >/dev/null

test: $(VENV)/.installed-test $(CHROMIUM) $(OPENSSL) vnu
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py $(if $(N),--n $(N),)

# Re-extract UI strings and merge them into every catalog (run after changing templates or messages).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ --no-location --sort-output \
	  --omit-header -o locales/messages.pot .
	for l in nb sv pl el sl; do \
	  test -f locales/$$l/LC_MESSAGES/messages.po || $(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l $$l; \
	done
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf site build .cache .pytest_cache
