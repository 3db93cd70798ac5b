"""`agora send ISSUE (--recipients FILE | --proof ADDR ...)`: check everything, then send through the ledger.

Order of work: settings and content → usage checks (issue, languages, SMTP URL, DKIM key, the record of an
earlier send) → recipients file (every problem at once) → rendering (`letters`) → ledger → K sending threads
→ summary. Nothing is sent until every check has passed. Output names recipients by their line in the
recipients file, never by address, and SMTP replies are printed with the address blanked out.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import heapq
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

import yaml

from generator.problems import Problems
from generator.send.ledger import (
    DEFERRED,
    FAILED,
    PENDING,
    SENT,
    UNCERTAIN,
    Ledger,
    LedgerBusy,
    open_ledger,
)
from generator.send.letters import LanguageLetters, dkim_sign, link_required, unusable_targets
from generator.send.recipients import Recipient, exposed, load_recipients, valid_address
from generator.send.smtp import PASSWORD_VARIABLE, Connection, Outcome, SetupError, parse_url

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = 0, 1, 2
URL_VARIABLE = "AGORA_SMTP_URL"
# Seconds before the first in-run retry of a deferred message, doubling each time; tests make it tiny.
BACKOFF_VARIABLE = "AGORA_SEND_BACKOFF"
DEFAULT_BACKOFF = 30.0
MAX_TRIES = 4  # per message and run: the first attempt and three retries (30 s, 60 s, 120 s by default)
DEFAULT_LEDGER = ".cache/agora/sends.sqlite"
SENT_RECORD = "{id}.sent.yml"


class Usage(Exception):
    """A usage error: printed as it is, exit 2, nothing sent."""


def scrub(reply: str, address: str) -> str:
    """An SMTP reply with the recipient's address blanked out (servers like to quote it back)."""
    if not address or address.lower() not in reply.lower():
        return reply
    return re.sub(re.escape(address), "recipient", reply, flags=re.IGNORECASE)


# -- the sending machinery ------------------------------------------------------------------------------------------


@dataclass
class Job:
    recipient: Recipient
    tries: int = 0


class Schedule:
    """The jobs of a run: ready ones first come first served, deferred ones when their backoff is over. `take`
    returns None when nothing is left (no job ready, waiting or in flight) or the run is stopping."""

    def __init__(self, jobs: Sequence[Job]):
        self._ready = deque(jobs)
        self._later: list[tuple[float, int, Job]] = []
        self._busy = 0
        self._seq = 0
        self._stopped = False
        self._cond = threading.Condition()

    def take(self) -> Job | None:
        with self._cond:
            while True:
                if self._stopped:
                    return None
                now = time.monotonic()
                while self._later and self._later[0][0] <= now:
                    self._ready.append(heapq.heappop(self._later)[2])
                if self._ready:
                    self._busy += 1
                    return self._ready.popleft()
                if not self._later and not self._busy:
                    return None
                self._cond.wait(self._later[0][0] - now if self._later else None)

    def retry(self, job: Job, delay: float) -> None:
        with self._cond:
            self._seq += 1
            heapq.heappush(self._later, (time.monotonic() + delay, self._seq, job))
            self._busy -= 1
            self._cond.notify_all()

    def done(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


class Pace:
    """At most `rate` messages per second over all connections (None: as fast as the server takes them)."""

    def __init__(self, rate: float | None):
        self._interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


@dataclass
class Progress:
    """Counts per language and state as messages settle; printed to stderr while sending."""

    total: int
    counts: Counter = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, lang: str, state: str) -> None:
        with self.lock:
            self.counts[lang, state] += 1
            self.counts[state] += 1

    def line(self, langs: Sequence[str]) -> str:
        with self.lock:
            done = sum(self.counts[state] for state in (SENT, FAILED, UNCERTAIN))
            rate = self.counts[SENT] / max(time.monotonic() - self.started, 1e-9)
            per_lang = "  ".join(f"{lang} {self.counts[lang, SENT]}/{self.counts[lang, DEFERRED]}/"
                                 f"{self.counts[lang, FAILED]}" for lang in langs)
        return f"{done:,}/{self.total:,} done, {rate:,.0f} msg/s  (sent/deferred/failed: {per_lang})"


@dataclass(frozen=True)
class Delivery:
    """What a run needs besides its jobs."""

    letters: dict[str, LanguageLetters]
    envelope_from: str
    connect: Callable[[], Connection]
    connections: int
    pace: Pace
    backoff: float
    proof: bool = False
    ledger: Ledger | None = None
    issue: str = ""
    dkim: tuple[str, str, bytes] | None = None  # domain, selector, key


def message_for(delivery: Delivery, recipient: Recipient) -> bytes:
    template = delivery.letters[recipient.lang].for_recipient(recipient.unsubscribe_url)
    message = template.fill(recipient.email, recipient.name, recipient.key, recipient.unsubscribe_url,
                            proof=delivery.proof)
    if delivery.dkim:
        message = dkim_sign(message, *delivery.dkim)
    return message


def deliver(delivery: Delivery, jobs: Sequence[Job], progress: Progress, langs: Sequence[str],
            interval: float) -> tuple[dict[tuple[int, str], Outcome], str | None]:
    """Send `jobs` over `delivery.connections` connections; the outcome of each by (line, language), and the
    SetupError message that stopped the run, if one did. Ctrl-C or SIGTERM stops after the messages in
    flight, so no row is left `sending`."""
    schedule = Schedule(jobs)
    outcomes: dict[tuple[int, str], Outcome] = {}
    stopped: list[str] = []
    ledger, issue = delivery.ledger, delivery.issue

    def work() -> None:
        connection = delivery.connect()
        try:
            send_all(connection)
        except BaseException as exc:
            # A bug must not leave the other threads waiting for this one's job; its row stays `sending` and
            # the next run takes it for uncertain, as after a crash.
            stopped.append(f"internal error: {exc!r}")
            schedule.stop()
            raise
        finally:
            connection.close()

    def send_all(connection: Connection) -> None:
        while (job := schedule.take()) is not None:
            recipient = job.recipient
            delivery.pace.wait()
            message = message_for(delivery, recipient)
            try:
                outcome = connection.ready()
            except SetupError as exc:
                stopped.append(str(exc))
                schedule.done()
                schedule.stop()
                return
            if outcome is None:
                if ledger:
                    ledger.sending(issue, recipient.key, recipient.lang)
                outcome = connection.send(delivery.envelope_from, recipient.email, message)
            outcome = Outcome(outcome.state, scrub(outcome.reply, recipient.email))
            job.tries += 1
            if outcome.state == DEFERRED and job.tries < MAX_TRIES:
                if ledger:
                    ledger.settle(issue, recipient.key, DEFERRED, outcome.reply)
                schedule.retry(job, delivery.backoff * 2 ** (job.tries - 1))
                continue
            if ledger:
                ledger.settle(issue, recipient.key, outcome.state, outcome.reply)
            outcomes[recipient.line, recipient.lang] = outcome
            progress.count(recipient.lang, outcome.state)
            schedule.done()

    threads = [threading.Thread(target=work, name=f"smtp-{n}", daemon=True) for n in range(delivery.connections)]
    previous = signal.signal(signal.SIGTERM, lambda *_: schedule.stop()) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        for thread in threads:
            thread.start()
        while alive := [thread for thread in threads if thread.is_alive()]:
            try:
                alive[0].join(interval)
            except KeyboardInterrupt:
                print("agora send: stopping after the messages in flight", file=sys.stderr)
                schedule.stop()
            if any(thread.is_alive() for thread in threads):
                print(progress.line(langs), file=sys.stderr, flush=True)
        print(progress.line(langs), file=sys.stderr, flush=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return outcomes, (stopped[0] if stopped else None)


# -- the record of a complete send ------------------------------------------------------------------------------------


def read_record(path: Path, root: Path) -> list[dict]:
    """The sends listed in `newsletters/<id>.sent.yml` (none when it does not exist)."""
    if not path.is_file():
        return []
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Usage(f"{shown}: unreadable ({exc}); restore it from git") from None
    sends = data.get("sends") if isinstance(data, dict) else None
    if not isinstance(sends, list) or not all(isinstance(s, dict) and isinstance(s.get("languages"), dict)
                                              for s in sends):
        raise Usage(f"{shown}: sends: expected a list of {{date, languages}}; restore it from git")
    return sends


def write_record(path: Path, issue: str, sends: list[dict]) -> None:
    text = ("# Written by `agora send` after a complete send; commit it. A later send of this issue in these\n"
            "# languages is refused without --again, even on a machine without the ledger.\n"
            + yaml.safe_dump({"issue": issue, "sends": sends}, sort_keys=True, allow_unicode=True))
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# -- the command ----------------------------------------------------------------------------------------------------


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths, strict=True))).rstrip() for row in rows)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def send_command(args: argparse.Namespace, stdin=None) -> int:
    try:
        return _send(args, stdin or sys.stdin)
    except Usage as exc:
        print(f"agora send: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _send(args: argparse.Namespace, stdin) -> int:
    from generator.config import load_settings
    from generator.i18n import load_languages
    from generator.model import load_community
    from generator.problems import print_problems
    from generator.send.letters import build_letters

    problems = Problems()
    settings = load_settings(args.root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    if problems.errors:
        print_problems(problems.errors + problems.warnings)
        return EXIT_INCOMPLETE
    root = settings.root
    options = settings.options.newsletter
    issues = [issue.slug for issue in community.newsletters]
    if args.issue not in issues:
        raise Usage(f"unknown issue {args.issue!r}; issues: {', '.join(issues) or 'none'}")
    bad = [code for code in args.lang or () if code not in settings.languages]
    if bad:
        raise Usage(f"unknown language {', '.join(map(repr, bad))}; languages: {', '.join(settings.languages)}")
    if unusable := unusable_targets(options.list_unsubscribe):
        raise Usage(f"mkdocs.yml: plugins.agora.newsletter.list_unsubscribe: agora send fills in only "
                    f"{{{{unsubscribe_url}}}}; expected https:// or mailto: targets, got {', '.join(unusable)}")
    envelope_from = parseaddr(options.sender)[1]
    if valid_address(envelope_from):
        raise Usage(f"mkdocs.yml: plugins.agora.newsletter.sender: expected an address to send from, "
                    f"got {options.sender!r}")

    url = args.smtp or os.environ.get(URL_VARIABLE, "")
    server = None
    if not args.dry_run:
        if not url:
            raise Usage(f"where to send? pass --smtp smtp://host:port or set {URL_VARIABLE}")
        try:
            server = parse_url(url)
        except ValueError as exc:
            raise Usage(f"--smtp: {exc}") from None
        if server.user and not os.environ.get(PASSWORD_VARIABLE):
            raise Usage(f"--smtp names the user {server.user!r}: set the password in {PASSWORD_VARIABLE}")
    dkim = None
    if options.dkim["key_file"]:
        key_path = Path(options.dkim["key_file"]).expanduser()
        key_path = key_path if key_path.is_absolute() else root / key_path
        if exposed(key_path, root):
            raise Usage("mkdocs.yml: plugins.agora.newsletter.dkim.key_file: the private key is inside the "
                        "repository and git does not ignore it; keep it outside (or in a git-ignored folder)")
        try:
            dkim = (options.dkim["domain"], options.dkim["selector"], key_path.read_bytes())
        except OSError as exc:
            raise Usage(f"mkdocs.yml: plugins.agora.newsletter.dkim.key_file: cannot read {key_path}: "
                        f"{exc.strerror or exc}") from None
    try:
        backoff = float(os.environ.get(BACKOFF_VARIABLE, DEFAULT_BACKOFF))
    except ValueError:
        raise Usage(f"{BACKOFF_VARIABLE}: expected seconds, got {os.environ[BACKOFF_VARIABLE]!r}") from None

    if args.proof:
        addresses = list(dict.fromkeys(args.proof))
        invalid = [n for n, address in enumerate(addresses, 1) if valid_address(address)]
        if invalid:
            raise Usage(f"--proof: address {', '.join(map(str, invalid))} is not a valid e-mail address")
        recipients = [Recipient(address, code, "", None, n) for n, address in enumerate(addresses, 1)
                      for code in (args.lang or settings.languages)]
        source = "--proof"
    else:
        source = "<stdin>" if args.recipients == "-" else args.recipients
        if args.recipients != "-" and exposed(Path(args.recipients), root):
            raise Usage(f"{args.recipients}: a recipients file must not be inside the repository unless git ignores "
                        f"it (subscriber data never enters the repository); move it outside, e.g. to ~/")
        found = Problems()
        recipients = load_recipients(args.recipients, settings.languages, found, stdin,
                                     link_required(options.list_unsubscribe))
        print_problems(found.errors + found.warnings)
        if found.errors or (args.strict and found.warnings):
            count = len(found.errors) + len(found.warnings) * args.strict
            print(f"agora send: {_plural(count, 'error')} in {source}{' (--strict)' * args.strict}: nothing sent",
                  file=sys.stderr)
            return EXIT_USAGE
        if args.lang:
            recipients = [r for r in recipients if r.lang in args.lang]

    languages = load_languages(settings.languages, settings.locales_dir, root, problems)
    rendered = Problems()
    letters = build_letters(community, languages, args.issue, args.lang, rendered)  # ContentError: exit 1
    print_problems(rendered.warnings)
    skipped = Counter(r.lang for r in recipients if r.lang not in letters)
    for code, count in sorted(skipped.items()):
        print(f"agora send: warning: issue {args.issue} is not sent in {code!r} (newsletter.untranslated: skip): "
              f"{_plural(count, 'recipient')} left out", file=sys.stderr)
    recipients = [r for r in recipients if r.lang in letters]
    present = {r.lang for r in recipients}
    langs = [code for code in settings.languages if code in letters and (args.proof or code in present)]

    def connect() -> Connection:
        assert server is not None
        return Connection(server, os.environ.get(PASSWORD_VARIABLE))

    delivery = Delivery(letters, envelope_from, connect, args.connections, Pace(args.rate), backoff,
                        proof=bool(args.proof), issue=args.issue, dkim=dkim)
    if args.proof:
        return _proofs(args, delivery, recipients, langs)
    ledger_path = Path(args.ledger) if args.ledger else root / DEFAULT_LEDGER
    record_path = settings.newsletters_dir / SENT_RECORD.format(id=args.issue)
    return _list_send(args, delivery, recipients, langs, ledger_path, record_path, root, source)


def _proofs(args, delivery: Delivery, recipients: list[Recipient], langs: list[str]) -> int:
    if args.dry_run:
        for code in langs:
            print(f"{code}  [Proof] {delivery.letters[code].subject}")
        print(f"dry run: would send {_plural(len(recipients), 'proof')} "
              f"({len(langs)} languages x {len(recipients) // max(len(langs), 1)} addresses); nothing sent")
        return EXIT_OK
    outcomes, stopped = deliver(delivery, [Job(r) for r in recipients], Progress(len(recipients)), langs,
                                _interval())
    sent = sum(o.state == SENT for o in outcomes.values())
    by_lang = Counter((lang, outcome.state) for (_, lang), outcome in outcomes.items())
    rows = [["language", "proofs", "sent", "not sent"]]
    for code in langs:
        total = sum(1 for r in recipients if r.lang == code)
        rows.append([code, str(total), str(by_lang[code, SENT]), str(total - by_lang[code, SENT])])
    print(_table(rows))
    if stopped:
        print(f"agora send: stopped: {stopped}", file=sys.stderr)
    print(f"{_plural(sent, 'proof')} of {len(recipients):,} sent")
    return EXIT_OK if sent == len(recipients) else EXIT_INCOMPLETE


def _interval() -> float:
    return 1.0 if sys.stderr.isatty() else 5.0


def _list_send(args, delivery: Delivery, recipients: list[Recipient], langs: list[str], ledger_path: Path,
               record_path: Path, root: Path, source: str) -> int:
    shown_record = record_path.relative_to(root).as_posix() if record_path.is_relative_to(root) else str(record_path)
    record = read_record(record_path, root)
    try:
        with open_ledger(ledger_path, read_only=args.dry_run) as ledger:
            return _resume(args, delivery, ledger, recipients, langs, record, record_path, shown_record, source)
    except LedgerBusy as exc:  # raised on opening only
        raise Usage(str(exc)) from None


def _resume(args, delivery: Delivery, ledger: Ledger, recipients: list[Recipient], langs: list[str],
            record: list[dict], record_path: Path, shown_record: str, source: str) -> int:
    """Send to everyone the ledger does not have as done; record the languages this completed."""
    issue = args.issue
    recorded = {code for entry in record for code in entry["languages"]}
    rows = ledger.rows(issue)
    # A language recorded as sent may only be resumed from this ledger, not sent to anyone new: that is how
    # a second machine (without this ledger) is kept from sending the issue again.
    new = [r for r in recipients if r.key not in rows and r.lang in recorded]
    if new and not args.again:
        dates = sorted({str(entry.get("date")) for entry in record})
        raise Usage(f"{shown_record}: issue {issue} was already sent in "
                    f"{', '.join(sorted({r.lang for r in new}))} ({', '.join(dates)}), and "
                    f"{_plural(len(new), 'recipient')} of {source} are not in this ledger; "
                    f"pass --again to send to them anyway")
    wanted = {PENDING, DEFERRED} | ({UNCERTAIN} if args.resend_uncertain else set())
    jobs = [Job(r) for r in recipients if r.key not in rows or rows[r.key].state in wanted]
    if args.dry_run:
        return _dry_run(delivery, recipients, rows, jobs, langs, issue)
    ledger.add_pending(issue, ((r.key, r.lang) for r in recipients))
    delivery = dataclasses.replace(delivery, ledger=ledger)
    outcomes, stopped = deliver(delivery, jobs, Progress(len(jobs)), langs, _interval())
    rows = ledger.rows(issue)
    code = _summary(recipients, rows, outcomes, langs, source, issue, stopped)
    complete = [lang for lang in langs
                if any(r.lang == lang for r in recipients)
                and all(rows[r.key].state in (SENT, FAILED) for r in recipients if r.lang == lang)
                and any(o.state == SENT for (_, lang_), o in outcomes.items() if lang_ == lang)]
    if complete:
        counts = {lang: {state: sum(1 for r in recipients if r.lang == lang and rows[r.key].state == state)
                         for state in (SENT, FAILED)} for lang in complete}
        date = (ledger.last_update(issue) or dt.datetime.now(dt.UTC).isoformat())[:10]
        write_record(record_path, issue, [*record, {"date": date, "languages": counts}])
        print(f"wrote {shown_record} ({', '.join(complete)}): commit it, so that the issue is not sent again")
    return code


def _dry_run(delivery: Delivery, recipients, rows, jobs, langs, issue) -> int:
    to_send = Counter(job.recipient.lang for job in jobs)
    states = Counter((r.lang, rows[r.key].state) for r in recipients if r.key in rows)
    table = [["language", "recipients", "to send", "sent", "failed", "uncertain", "subject"]]
    for code in langs:
        total = sum(1 for r in recipients if r.lang == code)
        table.append([code, f"{total:,}", f"{to_send[code]:,}", f"{states[code, SENT]:,}", f"{states[code, FAILED]:,}",
                      f"{states[code, UNCERTAIN]:,}", ""])
    lines = _table([row[:-1] for row in table]).splitlines()
    subjects = [""] + [delivery.letters[code].subject for code in langs]
    print("\n".join(f"{line}  {subject}".rstrip() for line, subject in zip(lines, subjects, strict=True)))
    print(f"dry run: would send issue {issue} to {_plural(len(jobs), 'recipient')}; nothing sent")
    return EXIT_OK


def _summary(recipients, rows, outcomes, langs, source, issue, stopped) -> int:
    """The table per language, then every recipient not sent, by line; the exit status."""
    fresh = Counter(lang for (_, lang), o in outcomes.items() if o.state == SENT)
    states = Counter((r.lang, rows[r.key].state) for r in recipients)
    for lang in langs:  # the total row counts every language
        fresh["total"] += fresh[lang]
        states["total", "recipients"] += sum(1 for r in recipients if r.lang == lang)
        for state in (SENT, PENDING, DEFERRED, FAILED, UNCERTAIN):
            states["total", state] += states[lang, state]
    table = [["language", "recipients", "sent", "this run", "deferred", "failed", "uncertain"]]
    for code in [*langs, "total"]:
        total = states[code, "recipients"] if code == "total" else sum(1 for r in recipients if r.lang == code)
        table.append([code, f"{total:,}", f"{states[code, SENT]:,}", f"{fresh[code]:,}",
                      f"{states[code, DEFERRED] + states[code, PENDING]:,}", f"{states[code, FAILED]:,}",
                      f"{states[code, UNCERTAIN]:,}"])
    print(_table(table))
    unsent = [(r, rows[r.key]) for r in recipients if rows[r.key].state != SENT]
    for recipient, row in unsent:
        state = DEFERRED if row.state == PENDING else row.state
        print(f"{source}:{recipient.line}: {state}: {scrub(row.reply, recipient.email) or 'not attempted'}")
    if stopped:
        print(f"agora send: stopped: {stopped}", file=sys.stderr)
    left = Counter(DEFERRED if row.state == PENDING else row.state for _, row in unsent)
    sent = len(recipients) - len(unsent)
    print(f"issue {issue}: {sent:,} of {_plural(len(recipients), 'recipient')} sent" +
          ("".join(f"; {left[s]:,} {s}" for s in (DEFERRED, FAILED, UNCERTAIN) if left[s])) +
          ("; deferred ones are retried by the next run" if left[DEFERRED] else "") +
          ("; uncertain ones may have been delivered: --resend-uncertain sends them again" if left[UNCERTAIN]
           else ""))
    return EXIT_OK if not unsent else EXIT_INCOMPLETE
