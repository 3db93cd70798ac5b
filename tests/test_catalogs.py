"""The UI catalogs: extracted from the current templates and code, and complete in every shipped language."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT

LANGUAGES = ("nb", "sv", "pl", "el", "sl")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def test_messages_pot_matches_the_sources(tmp_path: Path):
    """`make messages` has been run since the last change to a UI string."""
    extracted = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_",
                    "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_", "--no-location", "--sort-output",
                    "--omit-header", "-o", str(extracted), "."], cwd=ROOT, check=True, capture_output=True)
    fresh = {message.id for message in catalog(extracted) if message.id}
    shipped = {message.id for message in catalog(ROOT / "locales" / "messages.pot") if message.id}
    assert fresh == shipped


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete_with_the_same_placeholders(lang: str):
    template = {message.id for message in catalog(ROOT / "locales" / "messages.pot") if message.id}
    translations = catalog(ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po")
    plurals = translations.num_plurals
    found = {}
    for message in translations:
        if not message.id or message.id not in template:
            continue
        found[message.id] = message
        assert "fuzzy" not in message.flags, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        if isinstance(message.id, tuple):
            assert len(strings) == plurals, f"{lang}: {ids[0]!r} needs {plurals} plural forms"
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, f"{lang}: placeholders of {ids[0]!r} in {text!r}"
            assert "%" not in PLACEHOLDER.sub("", text), f"{lang}: a bare % in {text!r}"
    assert set(found) == template
