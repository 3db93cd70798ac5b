"""`agora init DIR`: a new community repository, started from a copy of the demo community.

The demo ("Common Ground") lives in the Agora source tree beside this package; Agora is installed from its
repository (`pip install -e .` or a git URL), so that tree is where the demo is found. A new community edits the
copy rather than starting from nothing: every collection, a translation of each kind and the settings are there
to learn from.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
# What a community repository holds; the generator itself is installed, never copied.
PARTS = ("mkdocs.yml", "content", "newsletters", "locales", "docs", ".github")
GITIGNORE = "site/\nbuild/\n.cache/\n.venv/\n__pycache__/\n"
README = """# {name}

A community hub built with Agora: Markdown in `content/`, one newsletter note per issue in
`newsletters/`, settings in `mkdocs.yml`. Install Agora from its repository (`pip install <path or git URL>`),
then:

```sh
agora check          # validate everything, report every problem at once
agora build          # build site/ (all languages) and build/newsletters/
agora serve          # preview the default language at http://127.0.0.1:8000/
```

This folder started as a copy of Agora's demo community: replace its members, posts and pages with your own.
"""


def init(target: Path) -> int:
    """Copy the demo community into `target` (absent or empty); exit status as the CLI returns it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        print(f"agora init: {target} exists and is not an empty folder; choose a new one", file=sys.stderr)
        return 2
    missing = [part for part in PARTS[:2] if not (SOURCE / part).exists()]
    if missing:
        print(f"agora init: the demo community is not beside this Agora installation ({SOURCE} lacks "
              f"{', '.join(missing)}); install Agora from its repository", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        source = SOURCE / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
        elif source.is_file():
            shutil.copy2(source, target / part)
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (target / "README.md").write_text(README.format(name=target.resolve().name), encoding="utf-8")
    print(f"created {target}: edit mkdocs.yml (site_name, site_url, languages), then run "
          f"`agora check --root {target}`")
    return 0
