"""`agora newsletter [ID ...] [--lang L ...] [--out DIR]`, and the newsletter step of `agora build`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.problems import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ContentError, Problems, print_problems

if TYPE_CHECKING:
    from generator.i18n import Language
    from generator.model.community import Community
    from generator.newsletter.render import Rendering


class NewsletterError(Exception):
    """The newsletter step of `agora build` failed; its problems have been printed, one per line."""


def build_issues(community: Community, languages: Mapping[str, Language], langs: Sequence[str], folder: Path,
                 strict: bool, render: Callable | None = None) -> list[Rendering]:
    """Render every issue in `langs` into `folder`, the staging folder `agora build` swaps in when the whole
    build has succeeded. Problems are printed; raises NewsletterError when there are errors (with `strict`,
    warnings too), before anything is written. `render`: as `render_issues`'."""
    from generator.newsletter.render import render_issues, render_view
    from generator.newsletter.writer import write_into

    problems = Problems()
    try:
        renderings = render_issues(community, languages, None, langs, problems, render or render_view)
    except ContentError as exc:
        print_problems(exc.problems + problems.warnings)
        raise NewsletterError(f"{len(exc.problems)} error{'s' * (len(exc.problems) != 1)} in the newsletter "
                              f"issues (listed above)") from None
    print_problems(problems.warnings)
    if strict and problems.warnings:
        raise NewsletterError(f"{len(problems.warnings)} newsletter warnings and --strict")
    write_into(renderings, folder)
    return renderings


def newsletter_command(args: argparse.Namespace) -> int:
    from generator.config import load_settings
    from generator.i18n import load_languages
    from generator.model import load_community
    from generator.newsletter.render import render_issues
    from generator.newsletter.writer import write_renderings

    problems = Problems()
    settings = load_settings(args.root, problems)
    community, found = load_community(settings)
    problems.extend(found)
    known = [issue.slug for issue in community.newsletters]
    usage = [f"agora newsletter: unknown issue {i!r}; issues: {', '.join(known) or 'none'}"
             for i in args.ids if i not in known]
    usage += [f"agora newsletter: unknown language {code!r}; languages: {', '.join(settings.languages)}"
              for code in args.lang or () if code not in settings.languages]
    # With content errors the id may be unknown only because its file is broken: report the errors instead.
    if usage and not problems.errors:
        print("\n".join(usage), file=sys.stderr)
        return EXIT_USAGE
    languages = load_languages(settings.languages, settings.locales_dir, settings.root, problems)
    if problems.errors:
        print_problems(problems.errors + problems.warnings)
        return EXIT_ERRORS
    # render_issues raises ContentError with every rendering problem; the CLI prints it.
    renderings = render_issues(community, languages, args.ids or None, args.lang, problems)
    print_problems(problems.warnings)
    if args.strict and problems.warnings:
        print(f"{len(problems.warnings)} warnings and --strict: nothing written", file=sys.stderr)
        return EXIT_ERRORS
    out_dir = args.out if args.out is not None else settings.root / settings.options.newsletter.out_dir
    write_renderings(renderings, out_dir, keep_others=bool(args.ids or args.lang))
    for rendering in renderings:
        eml = out_dir / rendering.issue_id / f"{rendering.lang}.eml"
        print(f"{eml}  {rendering.subject}  ({len(rendering.html.encode('utf-8')) / 1000:.1f} kB HTML)")
    count = len(renderings)
    print(f"{count} rendering{'s' * (count != 1)} written to {out_dir}")
    return EXIT_OK
