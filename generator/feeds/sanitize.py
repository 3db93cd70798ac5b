"""Feed HTML made safe to publish: nh3 with an explicit allow-list, then armoured against the Markdown step.

An imported body is written into a Markdown file and the site's renderer passes raw HTML through untouched, so
what `clean_html` returns is what visitors' browsers run. Two layers:

1. nh3 (ammonia) parses the HTML like a browser would and keeps only the tags and attributes listed here,
   with URLs limited to http, https and mailto. Relative URLs are resolved by nh3 itself against the entry:
   never by a Python callback, because nh3 does not re-check the scheme of what a callback returns.
2. The brackets and braces Markdown syntax needs (`[x](javascript:…)`, `{: onclick=…}` from attr_list, Jinja's
   `{{ }}`) are turned into character references, which a browser shows as the same characters but which no
   Markdown or template pass reads as syntax. `<` and `>` are already references after nh3, in text and in
   attribute values. The importer also wraps the body in `<div markdown="0">` so md_in_html leaves it raw.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import nh3

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
})
# No class, id or style anywhere: they would let a post restyle or clobber the page around it.
ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "dfn": {"title"},
    "time": {"datetime"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"lang", "dir"},
}
# Dropped with everything inside: their text is code or markup, never part of the post.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "svg", "math", "iframe", "object", "embed", "noscript", "template", "textarea",
    "select", "title", "noembed", "noframes", "xmp", "frameset",
})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
MARKDOWN_ARMOUR = str.maketrans({"[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;"})
# C0 controls other than tab and newline: invalid in HTML and YAML, and the loader rejects NUL outright.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BLOCK_START = re.compile(r"<(?=/?(?:p|br|div|li|h[1-6]|tr|td|th|blockquote|pre|dd|dt|figcaption)\b)", re.I)
SPACES = re.compile(r"\s+")
# What may stay as it is in a URL; everything else (quotes, angle brackets, backticks, non-ASCII) is
# percent-encoded, as a browser would. Material writes the canonical URL into `<link href="…">` unescaped.
URL_KEEP = "!#$%&'()*+,/:;=?@[]~"


def printable(text: str) -> str:
    """Text without control characters or lone surrogates, which nothing downstream can store or show."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def is_web_url(url: str | None) -> bool:
    if not url or any(ch.isspace() for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def web_url(url: str) -> str | None:
    """`url` percent-encoded where it must be, if it is an absolute http(s) URL; else None."""
    encoded = quote(url.strip(), safe=URL_KEEP)
    return encoded if is_web_url(encoded) else None


def clean_html(fragment: str, base: str | None, images: bool = False) -> str:
    """`fragment` cut down to the allow-list; relative URLs resolved against `base` (dropped without one).

    Images are dropped unless `images`: each one would make every reader's browser call the member's server
    (or whatever host the feed names), a third-party request the hub only makes where the feed allows it.
    """
    relative = ("rewrite_with_base", base) if is_web_url(base) else "deny"
    cleaned = nh3.clean(
        printable(fragment),
        tags=set(TAGS) if images else set(TAGS) - {"img"},
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative=relative,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return cleaned.translate(MARKDOWN_ARMOUR).strip()


def text_to_html(text: str) -> str:
    """Plain text as escaped paragraphs, so a text/plain body goes through the same armour as HTML."""
    paragraphs = [SPACES.sub(" ", p).strip() for p in re.split(r"\n\s*\n", printable(text))]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def plain_text(fragment: str) -> str:
    """The visible text of an HTML fragment on one line, entities decoded (for titles and excerpts)."""
    spaced = BLOCK_START.sub(" <", printable(fragment))
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return SPACES.sub(" ", html.unescape(stripped)).strip()


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"
