"""Located problems: what `check` reports and what stops a build.

Every stage appends to one `Problems` collection instead of raising at the first mistake, so an editor sees all
of them in one run (the way MkDocs' config validation collects every error before stopping).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath

# Every command's exit status: success, content or build errors, usage errors.
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    # Worth knowing, never a failure, not even with --strict (a post whose translation lags its original).
    NOTE = "note"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def sort_key(self) -> tuple[str, int, str, str]:
        """File order, then line (problems without one first), so any mix of problems sorts."""
        return self.path, self.line or 0, self.field, self.message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "" if self.severity is Severity.ERROR else f"{self.severity}: "
        return f"{where}: {self.field or '-'}: {label}{self.message}"


@dataclass
class Problems:
    """An append-only list of problems, sorted when read."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str | PurePosixPath, field: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(path), line, field, message, Severity.ERROR))

    def warning(self, path: str | PurePosixPath, field: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(path), line, field, message, Severity.WARNING))

    def note(self, path: str | PurePosixPath, field: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(path), line, field, message, Severity.NOTE))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity is Severity.ERROR), key=Problem.sort_key)

    @property
    def warnings(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity is Severity.WARNING), key=Problem.sort_key)

    @property
    def notes(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity is Severity.NOTE), key=Problem.sort_key)

    def __bool__(self) -> bool:
        return bool(self.items)


class ContentError(Exception):
    """Raised by a stage that cannot go on; carries every problem found so far."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
