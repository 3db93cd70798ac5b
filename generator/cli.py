"""The `agora` command: parse arguments, call the pipeline, print what happened. Exit 0 ok, 1 content or build
errors, 2 usage errors."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from generator.problems import ContentError, Problem, Problems

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return int(value)


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return number


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=Path("."), help="repository root (default: current folder)")
    common.add_argument("--strict", action="store_true", help="treat warnings as errors")
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", type=_date, help="reference date for upcoming/past (default: SOURCE_DATE_EPOCH, "
                                                   "else the newest content date)")
    langs = argparse.ArgumentParser(add_help=False)
    langs.add_argument("--lang", action="append", metavar="L", help="only this language (repeatable)")

    main = argparse.ArgumentParser(prog="agora", description="Build a multilingual community hub and newsletter.")
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("check", parents=[common], help="validate all content and report every problem")
    build = sub.add_parser("build", parents=[common, dated, langs], help="build the site and newsletter issues")
    build.add_argument("--out", type=Path, help="output folder (default: site/)")
    build.add_argument("--jobs", type=_positive, help="parallel language builds (default: CPUs)")
    build.add_argument("--force", action="store_true",
                       help="build even when nothing changed since the last build of the same output")
    serve = sub.add_parser("serve", parents=[common, dated], help="preview the default language with live reload")
    serve.add_argument("--addr", default="127.0.0.1:8000", help="address to serve on")
    fetch = sub.add_parser("fetch", parents=[common], help="import new posts from members' feeds")
    fetch.add_argument("--only", metavar="HANDLE", action="append", help="only this member's feeds")
    fetch.add_argument("--timeout", type=_seconds, default=10.0, help="seconds per request (default 10)")
    fetch.add_argument("--concurrency", type=_positive, default=8, help="feeds fetched at once (default 8)")
    news = sub.add_parser("newsletter", parents=[common, dated, langs], help="render newsletter issues")
    news.add_argument("ids", nargs="*", metavar="ID", help="issue ids (default: all)")
    news.add_argument("--out", type=Path, help="output folder (default: newsletter.out_dir setting)")
    send = sub.add_parser("send", parents=[common, langs], help="send an issue over SMTP, once per recipient")
    send.add_argument("issue", metavar="ISSUE", help="issue id, e.g. 2026-11")
    whom = send.add_mutually_exclusive_group(required=True)
    whom.add_argument("--recipients", metavar="FILE", help="CSV of email[,language,name,unsubscribe_url]; - for stdin")
    whom.add_argument("--proof", metavar="ADDR", nargs="+", action="extend",
                      help="send every language to these addresses, subject marked [Proof], outside the ledger")
    send.add_argument("--smtp", metavar="URL", help="smtp://[user@]host:port[?starttls=require] or smtps://... "
                                                    "(default: $AGORA_SMTP_URL; password: $AGORA_SMTP_PASSWORD)")
    send.add_argument("--ledger", metavar="PATH", help="the send ledger (default: .cache/agora/sends.sqlite)")
    send.add_argument("--rate", type=_seconds, metavar="N", help="at most N messages per second overall")
    send.add_argument("--connections", type=_positive, default=2, metavar="K", help="parallel connections (2)")
    send.add_argument("--dry-run", action="store_true", help="print what would be sent per language; send nothing")
    send.add_argument("--resend-uncertain", action="store_true",
                      help="also send to recipients whose delivery is uncertain (they may get it twice)")
    send.add_argument("--again", action="store_true",
                      help="send although newsletters/ID.sent.yml records the issue as sent")
    init = sub.add_parser("init", help="create a new community repository from the demo")
    init.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")
    return main


def print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def reference_date(today: dt.date | None, newest: dt.date | None) -> dt.date:
    """The date that splits upcoming from past: explicit, else SOURCE_DATE_EPOCH, else the newest content.

    Never the wall clock, so a build is reproducible from the repository alone.
    """
    if today:
        return today
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return newest or dt.date(1970, 1, 1)


def cmd_check(args: argparse.Namespace) -> int:
    from generator.config import load_settings
    from generator.model import load_community
    from generator.report import coverage_table

    problems = Problems()
    settings = load_settings(args.root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    print_problems(problems.errors + problems.warnings)
    print(coverage_table(community))
    errors, warnings = len(problems.errors), len(problems.warnings)
    print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return EXIT_ERRORS if errors or (args.strict and warnings) else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from generator.build import build

    return build(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from mkdocs.commands import serve

    config = args.root / "mkdocs.yml"
    serve.serve(str(config), dev_addr=args.addr, livereload=True)
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from generator.feeds import fetch_command

    return fetch_command(args)


def cmd_newsletter(args: argparse.Namespace) -> int:
    from generator.newsletter import newsletter_command

    return newsletter_command(args)


def cmd_send(args: argparse.Namespace) -> int:
    from generator.send import send_command

    return send_command(args)


def cmd_init(args: argparse.Namespace) -> int:
    from generator.scaffold import init

    return init(args.dir)


COMMANDS = {"check": cmd_check, "build": cmd_build, "serve": cmd_serve, "fetch": cmd_fetch,
            "newsletter": cmd_newsletter, "init": cmd_init, "send": cmd_send}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if hasattr(args, "root") and not (args.root / "mkdocs.yml").is_file() and args.command != "init":
        print(f"agora: no mkdocs.yml in {args.root.resolve()}: run from the repository root or pass --root",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except ContentError as exc:
        print_problems(exc.problems)
        count = len(exc.problems)
        print(f"{count} error{'s' * (count != 1)}", file=sys.stderr)
        return EXIT_ERRORS
    except NotImplementedError as exc:
        print(f"agora {args.command}: not built yet ({exc})", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("agora: interrupted; the previous output is left as it was", file=sys.stderr)
        return 130
