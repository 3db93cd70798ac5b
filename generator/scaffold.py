"""`agora init DIR`: a new community repository, minimal (the default) or a copy of the demo (`--demo`).

The minimal community (`scaffold/minimal/`, shipped inside this package) is one member, one post, one page and
one newsletter note: the least that checks clean and builds, and nothing a new team must delete. The demo
("Common Ground") lives in the Agora source tree beside this package, as do the UI catalogs both forms copy
(`locales/`, maintained by `make messages`); Agora is installed from its repository (`pip install -e .` or a git
URL), so that tree is where they are found.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).resolve().parent / "scaffold" / "minimal"
# What a community repository holds; the generator itself is installed, never copied.
DEMO_PARTS = ("mkdocs.yml", "content", "newsletters", "locales", ".github")
GITIGNORE = "site/\n.site.spare/\nbuild/\n.cache/\n.venv/\n__pycache__/\n"
README = """# {name}

A community hub built with Agora: Markdown in `content/`, one newsletter note per issue in
`newsletters/`, settings in `mkdocs.yml`. Install Agora from its repository (`pip install <path or git URL>`),
then:

```sh
agora check          # validate everything, report every problem at once
agora build          # build site/ (all languages) and build/newsletters/
agora serve          # preview the default language at http://127.0.0.1:8000/
```

{origin}
"""
ORIGIN = {
    False: "This folder started as Agora's minimal community: one member, one post, one page and one newsletter "
           "note.\nMake them yours, then add members, posts, events, stories and courses beside them.",
    True: "This folder started as a copy of Agora's demo community: replace its members, posts and pages with "
          "your own.",
}


def init(target: Path, demo: bool = False) -> int:
    """Create a community in `target` (absent or empty); exit status as the CLI returns it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        print(f"agora init: {target} exists and is not an empty folder; choose a new one", file=sys.stderr)
        return 2
    needed = ("mkdocs.yml", "content", "locales") if demo else ("locales",)
    missing = [part for part in needed if not (SOURCE / part).exists()]
    if missing:
        print(f"agora init: the demo community and catalogs are not beside this Agora installation ({SOURCE} "
              f"lacks {', '.join(missing)}); install Agora from its repository", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("*.mo", "__pycache__")
    if demo:
        for part in DEMO_PARTS:
            source = SOURCE / part
            if source.is_dir():
                shutil.copytree(source, target / part, ignore=ignore)
            elif source.is_file():
                shutil.copy2(source, target / part)
    else:
        shutil.copytree(MINIMAL, target, dirs_exist_ok=True, ignore=ignore)
        shutil.copytree(SOURCE / "locales", target / "locales", ignore=ignore)
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (target / "README.md").write_text(README.format(name=target.resolve().name, origin=ORIGIN[demo]),
                                      encoding="utf-8")
    print(f"created {target}: edit mkdocs.yml (site_name, site_url, languages), then run "
          f"`agora check --root {target}`")
    return 0
