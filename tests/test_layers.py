"""The package's layers point one way: the CLI on top, nothing importing it back; the site shows newsletter issues,
so `generator.site` may import `generator.newsletter`, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "generator"


def imports(path: Path) -> set[str]:
    """Every module `path` imports (at any depth: a function's lazy import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules() -> dict[str, set[str]]:
    return {path.relative_to(ROOT).as_posix(): imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_only_the_entry_points_import_the_cli():
    importers = sorted(name for name, found in modules().items()
                       if any(m == "generator.cli" or m.startswith("generator.cli.") for m in found))
    assert importers == ["generator/__main__.py"], importers  # cli.py itself is the top


def test_the_newsletter_does_not_import_the_site():
    offenders = {name: sorted(m for m in found if m.startswith("generator.site"))
                 for name, found in modules().items() if name.startswith("generator/newsletter/")}
    assert not any(offenders.values()), offenders


def test_mkdocs_is_imported_only_at_the_edge():
    # Planning, the model, the newsletter and the feeds are engine-neutral: MkDocs 2 or another engine
    # replaces the plugin and the build, not them. (config.py declares the plugin's options as MkDocs
    # config options, so `agora check` and MkDocs agree on a valid setting.)
    allowed = {"generator/site/plugin.py", "generator/build.py", "generator/serve.py", "generator/config.py"}
    offenders = sorted(name for name, found in modules().items()
                       if name not in allowed and any(m == "mkdocs" or m.startswith("mkdocs.") for m in found))
    assert offenders == [], offenders


def test_the_checks_see_imports(tmp_path):
    # The scanner itself: a lazy import inside a function is found.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from generator.cli import main\n")
    assert "generator.cli" in imports(module)
