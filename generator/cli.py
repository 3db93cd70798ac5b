"""The `agora` command: parse arguments, call the pipeline, print what happened. Exit 0 ok, 1 content or build
errors, 2 usage errors."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from generator.problems import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ContentError, Problems, print_problems


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
    serve = sub.add_parser("serve", parents=[common, dated], help="preview with live reload, rebuilding what changed")
    serve.add_argument("--addr", default="127.0.0.1:8000", help="address to serve on")
    serve.add_argument("--poll", action="store_true",
                       help="look for changes every 0.5 s instead of being told by the system (for folders the system "
                            "cannot watch: network shares, some container volumes)")
    serve.add_argument("--lang", metavar="L", help="language to preview (default: the default language; "
                                                    "'all': every language, with the switcher working)")
    fetch = sub.add_parser("fetch", parents=[common], help="import new posts from members' feeds")
    fetch.add_argument("--only", metavar="HANDLE", action="append", help="only this member's feeds")
    fetch.add_argument("--timeout", type=_seconds, default=10.0, help="seconds per request (default 10)")
    fetch.add_argument("--concurrency", type=_positive, default=8, help="feeds fetched at once (default 8)")
    news = sub.add_parser("newsletter", parents=[common, dated, langs], help="render newsletter issues")
    news.add_argument("ids", nargs="*", metavar="ID", help="issue ids (default: all)")
    news.add_argument("--out", type=Path, help="output folder (default: newsletter.out_dir setting)")
    assemble = sub.add_parser("assemble", help="merge per-language builds (agora build --lang L --out PART) "
                                               "into one output folder")
    assemble.add_argument("parts", nargs="+", type=Path, metavar="PART", help="a per-language build's --out folder")
    assemble.add_argument("--out", type=Path, required=True, help="the folder to create or replace (e.g. site)")
    tr = sub.add_parser("translations", parents=[langs], help="which translations are missing, stale or current")
    tr.add_argument("--root", type=Path, default=Path("."), help="repository root (default: current folder)")
    tr.add_argument("--json", action="store_true", help="print the report as JSON")
    tr.add_argument("--diff", action="store_true", help="with git history: what changed in each stale one's original")
    tr_actions = tr.add_subparsers(dest="action", metavar="ACTION")
    tr_mark = tr_actions.add_parser("mark", help="record that translations match their originals as they are now")
    tr_mark.add_argument("files", nargs="*", type=Path, metavar="FILE", help="translation files, e.g. x.pl.md")
    tr_mark.add_argument("--all", action="store_true", help="every translation")
    tr_mark.add_argument("--root", type=Path, default=argparse.SUPPRESS, help="repository root")
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
    init = sub.add_parser("init", help="create a new community repository (a minimal one, or the demo)")
    init.add_argument("dir", type=Path, help="folder to create (must be empty or absent)")
    init.add_argument("--demo", action="store_true", help="copy the demo community instead of a minimal one")
    return main




def cmd_check(args: argparse.Namespace) -> int:
    from generator.config import load_settings
    from generator.model import load_community
    from generator.report import coverage_table

    problems = Problems()
    settings = load_settings(args.root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    print_problems(problems.errors + problems.warnings + problems.notes)
    print(coverage_table(community))
    errors, warnings, notes = len(problems.errors), len(problems.warnings), len(problems.notes)
    print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
          + (f", {notes} note{'s' * (notes != 1)}" if notes else ""))
    return EXIT_ERRORS if errors or (args.strict and warnings) else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from generator.build import BuildOptions, build

    status = build(args.root, BuildOptions(out=args.out, languages=tuple(args.lang) if args.lang else None,
                                           today=args.today, strict=args.strict, jobs=args.jobs, force=args.force))
    # The process ends after this: with everything it holds frozen, the collection Python runs as it exits does
    # not scan the whole community (a tenth of a second of every build at N = 2,000).
    gc.freeze()
    return status


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve

    return serve(args.root, languages=args.lang, addr=args.addr, today=args.today, strict=args.strict,
                 poll=args.poll)


def cmd_fetch(args: argparse.Namespace) -> int:
    from generator.feeds import fetch_command

    return fetch_command(args)


def cmd_newsletter(args: argparse.Namespace) -> int:
    from generator.newsletter import newsletter_command

    return newsletter_command(args)


def cmd_translations(args: argparse.Namespace) -> int:
    from generator.translations import translations_command

    return translations_command(args)


def cmd_send(args: argparse.Namespace) -> int:
    from generator.send import send_command

    return send_command(args)


def cmd_init(args: argparse.Namespace) -> int:
    from generator.scaffold import init

    return init(args.dir, demo=args.demo)


def cmd_assemble(args: argparse.Namespace) -> int:
    from generator.output import AssembleError, assemble

    try:
        count = assemble(args.parts, args.out)
    except AssembleError as exc:
        print(f"agora assemble: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"assembled {count} files from {len(args.parts)} parts into {args.out}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"check": cmd_check, "build": cmd_build, "serve": cmd_serve, "fetch": cmd_fetch,
            "newsletter": cmd_newsletter, "assemble": cmd_assemble, "init": cmd_init,
            "translations": cmd_translations, "send": cmd_send}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if hasattr(args, "root") and not (args.root / "mkdocs.yml").is_file():
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
