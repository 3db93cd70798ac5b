"""Assemble an issue's `.eml` with the standard `email` package, byte for byte the same on every run.

Where the library would pick something at random or from the clock, we pass it in: the Date is the issue's
send date, the Message-ID is derived from issue, language and the hub's domain, and the MIME boundary from a
hash of the content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from generator.config import Settings

if TYPE_CHECKING:
    from generator.newsletter.view import IssueView

# RFC 5322 line endings and header folding at 78 columns; headers are encoded (RFC 2047) rather than sent as
# raw UTF-8, because not every relay on the way speaks SMTPUTF8.
POLICY = policy.SMTP


def message_id(issue_id: str, lang: str, site_url: str) -> str:
    """A Message-ID that is the same whenever this issue is rendered in this language for this hub.

    >>> message_id("2026-11", "sv", "https://hub.example.org/")
    '<newsletter.2026-11.sv@hub.example.org>'
    """
    return f"<newsletter.{issue_id}.{lang}@{urlsplit(site_url).hostname}>"


def list_id(site_name: str, language_name: str, lang: str, site_url: str) -> str:
    """The List-Id (RFC 2919) of one language's list: each language is a list of its own (its own subscribers,
    its own unsubscribe), named in the hub's domain, which the community controls.

    >>> list_id("Common Ground", "English", "en", "https://hub.example.org/")
    '"Common Ground (English)" <en.newsletter.hub.example.org>'
    >>> list_id("Common Ground", "Ελληνικά", "el", "https://hub.example.org/")
    'Common Ground (Ελληνικά) <el.newsletter.hub.example.org>'
    """
    # The phrase is only a description; characters that would end it early are left out. An ASCII phrase is
    # quoted; any other is left bare, because the email package writes it as RFC 2047 encoded words, which a
    # quoted string may not contain.
    phrase = "".join(ch for ch in f"{site_name} ({language_name})" if ch not in '"\\<>\r\n')
    label = f"{lang.lower()}.newsletter.{urlsplit(site_url).hostname}"
    return f'"{phrase}" <{label}>' if phrase.isascii() else f"{phrase} <{label}>"


def list_unsubscribe(targets: list[str]) -> str:
    """The List-Unsubscribe value (RFC 2369): each target in angle brackets, merge tags kept as they are."""
    return ", ".join(f"<{target}>" for target in targets)


def one_click(targets: list[str]) -> bool:
    """RFC 8058 one-click needs an https target; a merge tag is taken to become one when the ESP sends."""
    return any(not target.startswith("mailto:") for target in targets)


def boundary(text: str, html: str) -> str:
    """Derived from the content, so it is stable and (being a hash) cannot occur in the encoded parts."""
    return "=_agora_" + hashlib.sha256((text + "\x00" + html).encode("utf-8")).hexdigest()[:40]


def assemble(view: IssueView, settings: Settings, html: str, text: str,
             unsubscribe: Sequence[str] | None = None) -> bytes:
    """multipart/alternative, the text part first and the HTML part last (clients show the last they can).

    `unsubscribe` replaces the List-Unsubscribe targets of the settings (`agora send` renders a variant with
    the mailto: target only, for recipients without a link of their own).
    """
    options = settings.options.newsletter
    targets = list(options.list_unsubscribe if unsubscribe is None else unsubscribe)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = view.subject
    message["From"] = options.sender
    if options.reply_to:
        message["Reply-To"] = options.reply_to
    message["Date"] = format_datetime(dt.datetime.combine(view.send_date, dt.time(0, 0), dt.UTC))
    message["Message-ID"] = message_id(view.issue_id, view.lang.code, settings.site_url)
    message["List-Id"] = list_id(view.site_name, view.lang.name, view.lang.code, settings.site_url)
    if targets:
        message["List-Unsubscribe"] = list_unsubscribe(targets)
        if one_click(targets):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # Only now: set_content() drops every Content-* header and add_alternative() moves them into the first
    # part, so a Content-Language set earlier would be lost or end up describing the text part alone.
    message["Content-Language"] = view.lang.code
    message.set_boundary(boundary(text, html))
    return message.as_bytes(policy=POLICY)
