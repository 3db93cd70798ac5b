"""What every build reads, loaded and validated once: settings, the community, the languages, the reference date.

One frozen record, so `agora build` loads it in the parent process and the forked per-language builds share it,
and a plain `mkdocs build` loads the same thing for itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from generator.config import Settings, load_settings
from generator.digests import FileDigests
from generator.i18n import Language, load_languages
from generator.model import Community, load_community, loader
from generator.problems import ContentError, Problems
from generator.reference import reference_date


@dataclass(frozen=True)
class BuildInputs:
    settings: Settings
    community: Community
    languages: dict[str, Language]
    # The date that splits upcoming from past (see generator.reference).
    today: dt.date


# Each content file's parse, kept between builds (see generator.model.loader).
PARSED = Path(".cache") / "agora" / "parsed.pickle"


def load_inputs(root: Path, today: dt.date | None = None, settings: Settings | None = None, *,
                kept_parses: bool = False, files: FileDigests | None = None) -> BuildInputs:
    """Everything a build needs; `settings`, when the caller has read them already; `kept_parses`: start from the
    parses the last build kept (`keep_parses`); `files`: the digests of the input files, which the parses are
    kept by (none: each file is read to digest it). Raises ContentError with every problem found."""
    problems = Problems()
    settings = settings or load_settings(root, problems)
    community, found = load_community(settings, root / PARSED if kept_parses else None, files)
    problems.extend(found)
    languages = load_languages(settings.languages, settings.locales_dir, root, problems)
    if problems.errors:
        raise ContentError(problems.errors)
    return BuildInputs(settings, community, languages, reference_date(today, community.newest_date))


def keep_parses(root: Path) -> None:
    """Keep the last load's parses in `.cache/agora/` for the next build. Only for inputs a build has accepted:
    a refused build writes nothing."""
    loader.keep(root / PARSED)
