"""`agora translations`: where every translation stands, what changed in the originals of stale ones, and `mark`,
which records in a translation the original it now matches.

The statuses come from the model (`model.staleness`); this module reads and writes files and asks git, and
nothing else does either: `--diff` is the only part that needs history, and it says so when there is none.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

from generator.files import write_atomic
from generator.model import Community, Item
from generator.model.staleness import STATUSES, Entry, entries
from generator.problems import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, print_problems

# python-frontmatter's own boundary (YAMLHandler.FM_BOUNDARY): the line that opens and closes the front matter.
BOUNDARY = re.compile(r"-{3,}\s*")
SOURCE_KEY = re.compile(r"""(["']?)source\1\s*:""")


def translations_command(args: argparse.Namespace) -> int:
    from generator.config import load_settings
    from generator.model import load_community
    from generator.problems import Problems

    problems = Problems()
    settings = load_settings(args.root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    if problems.errors:
        # What did load is still reported or marked; the broken files are named so they are not forgotten.
        print_problems(problems.errors)
        print(f"{len(problems.errors)} errors (see `agora check`); files with errors are left out", file=sys.stderr)
    if args.action == "mark":
        code = mark(community, args.root, args.files, args.all)
    else:
        code = report(community, args.root, args.lang, args.json, args.diff)
    return code if code != EXIT_OK else EXIT_ERRORS if problems.errors else EXIT_OK


# -- The report -------------------------------------------------------------------------------------------------

def report(community: Community, root: Path, langs: list[str] | None, as_json: bool, diff: bool) -> int:
    languages = community.settings.languages
    unknown = [code for code in langs or () if code not in languages]
    if unknown:
        print(f"agora translations: unknown language {unknown[0]!r}; languages: {', '.join(languages)}",
              file=sys.stderr)
        return EXIT_USAGE
    chosen = [code for code in languages if code in langs] if langs else list(languages)
    found = {code: list(entries(community, code)) for code in chosen}
    diffs: dict[str, str] = {}
    if diff:
        reason = history_problem(root)
        if reason:
            print(f"agora translations --diff: {reason}; showing the report without diffs", file=sys.stderr)
        else:
            diffs = {e.path: original_diff(root, e.item.path, e.path)
                     for code in chosen for e in found[code] if e.status == "stale"}
    if as_json:
        print(json.dumps(as_data(found, diffs if diff else None), ensure_ascii=False, indent=2))
    else:
        print(as_text(found, files=bool(langs), diffs=diffs))
    return EXIT_OK


def counts(found: list[Entry]) -> dict[str, dict[str, int]]:
    """Per collection (in the community's order), how many items have each status."""
    table: dict[str, Counter] = {}
    for entry in found:
        table.setdefault(entry.collection, Counter())[entry.status] += 1
    return {name: {status: tally[status] for status in STATUSES} for name, tally in table.items()}


def as_data(found: dict[str, list[Entry]], diffs: dict[str, str] | None) -> dict:
    files = []
    for code, listed in found.items():
        for entry in listed:
            row = {"lang": code, "collection": entry.collection, "status": entry.status, "path": entry.path,
                   "original": entry.item.path}
            if diffs is not None and entry.status == "stale":
                row["diff"] = diffs.get(entry.path)
            files.append(row)
    return {"languages": {code: counts(listed) for code, listed in found.items()}, "files": files}


def as_text(found: dict[str, list[Entry]], files: bool, diffs: dict[str, str]) -> str:
    out: list[str] = []
    for code, listed in found.items():
        table = counts(listed)
        if not table:
            out.append(f"{code}: holds the original of every item")
            continue
        width = max(len(name) for name in table) + 2
        out.append(f"{code:<{width}}" + "".join(f"{status:>9}" for status in STATUSES))
        out += [f"{name:<{width}}" + "".join(f"{row[status]:>9}" for status in STATUSES)
                for name, row in table.items()]
        if files and any(e.status != "current" for e in listed):
            out.append("")
            for status in STATUSES[:-1]:
                out += [f"{status:<8} {e.path}" + (f"  (original: {e.item.path})" if status != "missing" else "")
                        for e in listed if e.status == status]
        for entry in listed:
            if entry.path in diffs:
                out += ["", f"== {entry.path}: {entry.item.path} changed since the translation", diffs[entry.path]]
        out.append("")
    return "\n".join(out).rstrip("\n")


# -- Diffs from git ---------------------------------------------------------------------------------------------

def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def history_problem(root: Path) -> str | None:
    """Why git cannot tell what changed, if it cannot."""
    try:
        inside = git(root, "rev-parse", "--is-inside-work-tree")
    except OSError:
        return "git is not installed"
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return f"{root} is not in a git repository"
    if git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        return "this is a shallow clone (its history is cut short); run `git fetch --unshallow` first"
    return None


def original_diff(root: Path, original: str, translation: str) -> str:
    """The change to `original` (as it is on disk) since the last commit that touched `translation`."""
    base = git(root, "log", "-1", "--format=%H", "--", translation).stdout.strip()
    if not base:
        return f"({translation} is not committed yet: there is no version to compare with)"
    changes = git(root, "diff", "--no-color", "--no-ext-diff", base, "--", original).stdout
    return changes.rstrip("\n") or f"(no change to {original} since {base[:10]}, the translation's last commit)"


# -- Marking ----------------------------------------------------------------------------------------------------

def mark(community: Community, root: Path, files: list[Path], every: bool) -> int:
    if every == bool(files):
        print("agora translations mark: name the translation files to mark, or --all (not both)", file=sys.stderr)
        return EXIT_USAGE
    translations = {version.path: item for item in every_item(community) for version in item.translations.values()}
    originals = {item.path for item in every_item(community)}
    targets: list[tuple[str, Item]] = []
    failed = 0
    for name in sorted(translations) if every else [_relative(file, root) for file in files]:
        if name in translations:
            targets.append((name, translations[name]))
            continue
        failed += 1
        if name.startswith("../") or name.startswith("/"):
            why = f"not inside the repository at {root}"
        elif name in originals:
            why = "is an original; mark its translations (<name>.<lang>.md)"
        elif not (root / name).is_file():
            why = "no such file"
        else:
            why = "not a translation that loaded (see `agora check`)"
        print(f"{name}: (file): {why}", file=sys.stderr)
    for name, item in targets:
        path = root / name
        text = path.read_bytes().decode("utf-8")
        updated = with_source(text, item.digest)
        if updated == text:
            print(f"{name}: already current")
            continue
        write_atomic(path, updated.encode("utf-8"), keep_mode=True)
        print(f"{name}: marked current ({item.digest})")
    return EXIT_ERRORS if failed else EXIT_OK


def every_item(community: Community) -> list[Item]:
    return [item for items in community.collections().values() for item in items]


def _relative(file: Path, root: Path) -> str:
    """`file` (as the user typed it, from the current folder) as a path from the repository root."""
    absolute = Path(os.path.abspath(file))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return absolute.as_posix()


def with_source(text: str, digest: str) -> str:
    """`text`, a translation file, with `source: <digest>` in its front matter: the line (and any continuation
    lines of its value) replaced where there is one, else added as the last line; every other byte is kept.

    >>> with_source("---\\ntitle: Hei\\n---\\nTekst\\n", "0123456789ab")
    '---\\ntitle: Hei\\nsource: 0123456789ab\\n---\\nTekst\\n'
    >>> with_source("---\\r\\nsource: old\\r\\ntitle: Hei\\r\\n---\\r\\n", "abcdefabcdef")
    '---\\r\\nsource: abcdefabcdef\\r\\ntitle: Hei\\r\\n---\\r\\n'
    """
    lines = text.splitlines(keepends=True)
    # python-frontmatter allows blank lines (and the loader a byte-order mark) before the opening line.
    opening = next(i for i, line in enumerate(lines) if line.strip("\ufeff \t\r\n"))
    closing = next(i for i in range(opening + 1, len(lines)) if BOUNDARY.fullmatch(lines[i].rstrip("\r\n")))
    # A digest of digits only would be read by YAML as a number: quote it then.
    value = digest if yaml.safe_load(digest) == digest else f'"{digest}"'
    newline = "\r\n" if lines[opening].endswith("\r\n") else "\n"
    for i in range(opening + 1, closing):
        if SOURCE_KEY.match(lines[i]):
            end = i + 1
            while end < closing and lines[end][:1] in (" ", "\t"):
                end += 1
            ending = lines[i][len(lines[i].rstrip("\r\n")):] or newline
            return "".join(lines[:i] + [f"source: {value}{ending}"] + lines[end:])
    return "".join(lines[:closing] + [f"source: {value}{newline}"] + lines[closing:])
