"""Each recipient's message: the issue's `.eml` rendering with the recipient's fields filled in, as an ESP
fills its merge tags.

The `.eml` of `agora newsletter` (`newsletter.render.render_view` → `newsletter.mime.assemble`) is the one
rendering; a language gets it twice: as written to `build/newsletters/` (its footer and List-Unsubscribe carry
the `{{unsubscribe_url}}` tag) and with the mailto: targets only, for recipients without a link of their own
(no List-Unsubscribe-Post then: one-click needs https). Per recipient, `fill` then

- adds `To` and replaces `Message-ID` (derived from issue, language and recipient) — and `Subject` for proofs,
  each folded by the same `email` policy that folded the rest;
- puts the recipient's link where the tag is, in the List-Unsubscribe header and in the text and HTML parts.

Rendering and MIME-encoding 40 kB per recipient would cost milliseconds each; quoted-printable encodes every
line on its own (RFC 2045 6.7), so only the lines holding the tag are encoded again, and the bytes are those
`assemble` would give for the filled-in parts (the MIME boundary aside, which stays the rendering's own).
"""

from __future__ import annotations

import email.quoprimime
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from urllib.parse import urlsplit

from generator.i18n import Language
from generator.model.community import Community
from generator.newsletter.mime import POLICY, list_unsubscribe
from generator.newsletter.render import Rendering, render_issues, render_view
from generator.newsletter.view import issue_view
from generator.problems import Problems

TAG = "{{unsubscribe_url}}"
PROOF = "[Proof] "
# Headers dkimpy signs when present (RFC 6376 5.4): who it is from and to, what it is, and how to leave the
# list, so that no relay can swap the unsubscribe target of a signed message.
SIGNED_HEADERS = ("from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe",
                  "list-unsubscribe-post", "reply-to", "mime-version", "content-type", "content-language")


# Python's folder can drop the space between two RFC 2047 words where it folds (Python 3.11:
# "συντονισμού και" reads "συντονισμούκαι"); a header it would damage is written unfolded instead.
UNFOLDED = POLICY.clone(max_line_length=998)


def _fold(name: str, value: str) -> bytes:
    """`name: value` folded at 78 columns, non-ASCII text as RFC 2047 words.

    ASCII values are folded here at spaces (RFC 5322 2.2.3): `email`'s header parser costs about a millisecond
    a header, most of a message's time, and may start the value on a line of its own. The rest goes through the
    `email` policy that wrote the rendering, unfolded when folding would change what a reader sees.
    """
    if value.isascii() and "\n" not in value and "\r" not in value:
        lines, line = [], f"{name}:"
        for word in value.split(" "):
            if len(line) + 1 + len(word) > POLICY.max_line_length and line.strip() != f"{name}:":
                lines.append(line)
                line = ""
            line += " " + word
        return ("\r\n".join([*lines, line]) + "\r\n").encode("ascii")
    header = POLICY.header_factory(name, value)
    folded = header.fold(policy=POLICY)
    if str(POLICY.header_fetch_parse(name, folded.split(":", 1)[1].lstrip(" "))) == str(header):
        return folded.encode("ascii")
    return header.fold(policy=UNFOLDED).encode("ascii")


def _encoded_line(line: str) -> bytes:
    """One line of a part (its UTF-8 bytes read as latin-1, as `email.contentmanager` does), as the
    quoted-printable body encoder writes it into the message."""
    return email.quoprimime.body_encode(line, POLICY.max_line_length).replace("\n", "\r\n").encode("ascii")


@dataclass(frozen=True)
class Template:
    """One rendering, cut where recipients differ: header fields by name, and the body as fixed bytes
    interleaved with the source lines that carry the tag (`(kind, line)`, kind "text" or "html")."""

    issue_id: str
    lang: str
    subject: str
    host: str
    targets: tuple[str, ...]
    headers: tuple[tuple[str, bytes], ...]
    body: tuple[bytes | tuple[str, str], ...]

    @classmethod
    def cut(cls, rendering: Rendering, targets: Sequence[str], host: str) -> Template:
        head, _, body = rendering.eml.partition(b"\r\n\r\n")
        fields: list[tuple[str, bytes]] = []
        for raw in (head + b"\r\n").split(b"\r\n")[:-1]:
            if raw[:1] in (b" ", b"\t"):
                name, value = fields[-1]
                fields[-1] = (name, value + raw + b"\r\n")
            else:
                fields.append((raw.split(b":", 1)[0].decode("ascii").lower(), raw + b"\r\n"))
        pieces: list[bytes | tuple[str, str]] = []
        position = 0
        for kind, part in (("text", rendering.text), ("html", rendering.html)):
            for line in part.encode("utf-8").split(b"\n"):
                if TAG.encode() not in line:
                    continue
                source = line.decode("latin-1")
                found = body.find(b"\n" + _encoded_line(source) + b"\r\n", position)
                if found < 0:  # the MIME encoding changed under us; better no message than a wrong one
                    raise ValueError(f"cannot find the unsubscribe tag of the {kind} part of issue "
                                     f"{rendering.issue_id} in {rendering.lang!r}")
                pieces.append(body[position:found + 1])
                pieces.append((kind, source))
                position = found + 1 + len(_encoded_line(source))
        pieces.append(body[position:])
        return cls(rendering.issue_id, rendering.lang, rendering.subject, host, tuple(targets), tuple(fields),
                   tuple(pieces))

    def fill(self, to: str, name: str, key: str, link: str | None, proof: bool = False) -> bytes:
        """The message for one recipient: `to` their address, `name` their name (may be empty), `key` the
        digest naming them in the ledger, `link` their unsubscribe link (None for the mailto-only template)."""
        targets = [target.replace(TAG, link) if link else target for target in self.targets]
        kind = "proof" if proof else "newsletter"
        replaced = {
            "message-id": _fold("Message-ID", f"<{kind}.{self.issue_id}.{self.lang}.{key[:16]}@{self.host}>"),
        }
        if targets:
            replaced["list-unsubscribe"] = _fold("List-Unsubscribe", list_unsubscribe(targets))
        if proof:
            replaced["subject"] = _fold("Subject", PROOF + self.subject)
        out: list[bytes] = []
        for field, raw in self.headers:
            out.append(replaced.get(field, raw))
            if field == "from":
                out.append(_fold("To", str(Address(display_name=name, addr_spec=to)) if name else to))
        out.append(b"\r\n")
        for piece in self.body:
            if isinstance(piece, bytes):
                out.append(piece)
            else:
                kind_of_part, line = piece
                value = html.escape(link or "", quote=True) if kind_of_part == "html" else (link or "")
                out.append(_encoded_line(line.replace(TAG, value)))
        return b"".join(out)


@dataclass(frozen=True)
class LanguageLetters:
    """Both templates of one language: with the recipient's link, and mailto-only."""

    lang: str
    subject: str
    linked: Template
    plain: Template | None  # None when every recipient gets the same targets, or none can do without a link

    def for_recipient(self, link: str | None) -> Template:
        if link is None and self.plain is not None:
            return self.plain
        return self.linked


def without_tag(targets: Sequence[str]) -> list[str]:
    """The targets of a recipient who has no link of their own (the mailto: address, a fixed URL)."""
    return [target for target in targets if TAG not in target]


def link_required(targets: Sequence[str]) -> bool:
    """Whether every recipient needs an `unsubscribe_url`: the tag is all `newsletter.list_unsubscribe` offers."""
    return any(TAG in target for target in targets) and not without_tag(targets)


def build_letters(community: Community, languages: Mapping[str, Language], issue_id: str,
                  langs: Sequence[str] | None, problems: Problems) -> dict[str, LanguageLetters]:
    """The templates of `issue_id` in `langs` (default: all), by language code. Raises ContentError like
    `render_issues`, which it calls: the same rendering as `agora newsletter`."""
    settings = community.settings
    targets = list(settings.options.newsletter.list_unsubscribe)
    plain_targets = without_tag(targets) if any(TAG in target for target in targets) else []
    host = urlsplit(settings.site_url).hostname or "localhost"
    issue = next(item for item in community.newsletters if item.slug == issue_id)
    letters = {}
    for rendering in render_issues(community, languages, [issue_id], langs, problems):
        linked = Template.cut(rendering, targets, host)
        plain = None
        if plain_targets:
            view = issue_view(community, issue, languages[rendering.lang])
            plain = Template.cut(render_view(view, settings, problems, plain_targets), plain_targets, host)
        letters[rendering.lang] = LanguageLetters(rendering.lang, rendering.subject, linked, plain)
    return letters


def unusable_targets(targets: Sequence[str]) -> list[str]:
    """List-Unsubscribe targets `agora send` cannot fill: neither https, mailto: nor our own tag (another
    ESP's merge tag would reach readers as it is)."""
    return [target for target in targets
            if not (target.startswith(("https://", "mailto:")) or target == TAG)]


def dkim_sign(message: bytes, domain: str, selector: str, key: bytes) -> bytes:
    """`message` with a DKIM-Signature (rsa-sha256, relaxed/simple) over SIGNED_HEADERS that it has."""
    import dkim

    present = {line.split(b":", 1)[0].strip().lower() for line in message.partition(b"\r\n\r\n")[0].split(b"\r\n")
               if line[:1] not in (b" ", b"\t")}
    signed = [name.encode() for name in SIGNED_HEADERS if name.encode() in present]
    signature = dkim.sign(message, selector.encode(), domain.encode(), key, include_headers=signed,
                          linesep=b"\r\n")
    return signature + message
