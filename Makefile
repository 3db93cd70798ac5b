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

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

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
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-bench
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
