"""The recipients file: a CSV with a header (`email`, optional `language`, `name`, `unsubscribe_url`), read and
checked in one pass so that every problem is reported at once as `FILE:LINE: column: message`.

Subscriber data must not enter the repository: `exposed()` tells whether a file lies inside the repository
without git ignoring it (the same rule guards the DKIM key). Nothing here prints an address.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import subprocess
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path

from generator.problems import Problems

COLUMNS = ("email", "language", "name", "unsubscribe_url")
# Characters that would end an attribute or a header, or hide in one: an unsubscribe link is written into the
# HTML part, the text part and the List-Unsubscribe header.
UNSAFE_URL = set(" \t\r\n\"'<>\\`{}|^") | {chr(c) for c in range(32)} | {"\x7f"}


@dataclass(frozen=True)
class Recipient:
    """One subscriber. `line` is where they are in the recipients file: the summary names recipients by line,
    never by address."""

    email: str
    lang: str
    name: str
    unsubscribe_url: str | None
    line: int

    @property
    def key(self) -> str:
        """The ledger's name for this recipient: a digest of the address, case-folded (it is also unique per
        mailbox in the file)."""
        return digest(self.email)


def digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def valid_address(value: str) -> str | None:
    """None when `value` is one plain ASCII address (user@example.org), else what is wrong with it."""
    if not value:
        return "expected an e-mail address, got an empty value"
    # The value itself is never repeated: a near-miss is still somebody's address, and problems are logged.
    if not value.isascii():
        return "not an ASCII address (Agora does not use SMTPUTF8)"
    try:
        parsed = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        parsed = None
    if parsed is None or parsed.addr_spec != value or not parsed.username or "." not in parsed.domain:
        return "not a valid e-mail address (expected the form user@example.org)"
    return None


def valid_unsubscribe_url(value: str) -> str | None:
    if not value.startswith("https://") or len(value) <= len("https://") or UNSAFE_URL & set(value):
        return "expected an https:// link without spaces or quotes"
    return None


def read_recipients(text: str, source: str, languages: tuple[str, ...], problems: Problems,
                    link_required: bool = False) -> list[Recipient]:
    """The recipients in `text` (the file's content; `source` names it in problems), in file order, each
    address once.

    `languages` are the hub's languages, the first the default. With `link_required` (the settings offer no
    mailto: target) a recipient without `unsubscribe_url` is an error: their message could not be unsubscribed
    from. Errors and warnings (a repeated address) go to `problems`; the caller sends nothing when there are
    errors.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    for name in unknown:
        close = difflib.get_close_matches(name, COLUMNS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; expected {', '.join(COLUMNS)}"
        problems.error(source, name or "(header)", f"unknown column{hint}", line=1)
    if "email" not in header:
        problems.error(source, "email", f"the header has no 'email' column (found: {', '.join(header) or 'none'})",
                       line=1)
        return []
    recipients: list[Recipient] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.error(source, "(row)", f"{len(header) + len(row[None])} values for {len(header)} columns",
                           line=line)
            continue
        address = (row.get("email") or "").strip()
        lang = (row.get("language") or "").strip() or languages[0]
        name = (row.get("name") or "").strip()
        link = (row.get("unsubscribe_url") or "").strip() or None
        bad = False
        if message := valid_address(address):
            problems.error(source, "email", message, line=line)
            bad = True
        if lang not in languages:
            problems.error(source, "language", f"unknown language {lang!r}; languages: {', '.join(languages)}",
                           line=line)
            bad = True
        if any(ord(char) < 32 or ord(char) == 127 for char in name):
            problems.error(source, "name", "control characters are not allowed in a name", line=line)
            bad = True
        if link is not None and (message := valid_unsubscribe_url(link)):
            problems.error(source, "unsubscribe_url", message, line=line)
            bad = True
        elif link is None and link_required:
            problems.error(source, "unsubscribe_url", "required: newsletter.list_unsubscribe has no mailto: "
                                                      "target to offer instead", line=line)
            bad = True
        if bad:
            continue
        folded = address.lower()
        if folded in seen:
            problems.warning(source, "email", f"duplicate of line {seen[folded]}: sent once", line=line)
            continue
        seen[folded] = line
        recipients.append(Recipient(address, lang, name, link, line))
    return recipients


def load_recipients(path: str, languages: tuple[str, ...], problems: Problems, stdin: io.TextIOBase,
                    link_required: bool = False) -> list[Recipient]:
    """Read the recipients file at `path` (`-`: standard input); unreadable or non-UTF-8 files are problems."""
    source = "<stdin>" if path == "-" else path
    try:
        text = stdin.read() if path == "-" else Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problems.error(source, "", f"cannot read the recipients file: {exc.strerror or exc}")
        return []
    except UnicodeDecodeError as exc:
        problems.error(source, "", f"not UTF-8 (byte {exc.start}): save the file as UTF-8")
        return []
    return read_recipients(text.removeprefix("\ufeff"), source, languages, problems, link_required)


def exposed(path: Path, root: Path) -> bool:
    """True when `path` lies inside the repository at `root` (or the git work tree around it) and git does not
    ignore it: it would be committed with the next `git add -A`. Outside git, anything inside `root` counts."""
    path, root = path.resolve(), root.resolve()
    top = root
    found = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                           text=True, check=False)
    if found.returncode == 0 and found.stdout.strip():
        top = Path(found.stdout.strip()).resolve()
    if not (path.is_relative_to(top) or path.is_relative_to(root)):
        return False
    if found.returncode != 0:
        return True
    # check-ignore looks at the index: a tracked file is "not ignored" even when a pattern matches it.
    ignored = subprocess.run(["git", "-C", str(top), "check-ignore", "-q", str(path)], capture_output=True,
                             check=False)
    return ignored.returncode != 0
