"""The editor's note: Markdown to sanitised HTML with its links rewritten, and the same note as wrapped text.

A note is committed by an editor, but an e-mail is stricter than a web page: no script, no forms, no styles of
its own, and every link absolute https. So the HTML passes an allow-list (nh3) rather than being trusted.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3

from generator.newsletter.links import problem_with, resolve

WIDTH = 76
TAGS = {"p", "br", "a", "em", "strong", "b", "i", "code", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
        "img", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_ATTRIBUTES = {("a", "href"), ("img", "src")}
DROPPED_WITH_CONTENT = {"script", "style", "form", "iframe", "object", "embed", "template", "select",
                        "textarea"}
BLOCKS = {"p", "h2", "h3", "h4", "li", "blockquote", "hr", "ul", "ol"}


def to_html(source: str) -> str:
    """Markdown as HTML, a top-level heading demoted so it does not compete with the issue's subject."""
    html = markdown.markdown(source, output_format="html")
    return re.sub(r"<(/?)h1>", r"<\1h2>", html)


class _Scan(HTMLParser):
    """Collects the links and images of a note so that each can be checked and reported."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "img":
            self.images.append((values.get("src", ""), values.get("alt", "")))


def check(html: str, page_url: str) -> list[tuple[str, str]]:
    """(field, message) for every link or image of a note that an e-mail cannot carry."""
    scan = _Scan()
    scan.feed(html)
    found = []
    for href in scan.links:
        if reason := problem_with(resolve(href, page_url)):
            found.append(("(body)", f"link {href!r}: {reason}"))
    for src, alt in scan.images:
        if reason := problem_with(resolve(src, page_url)):
            found.append(("(body)", f"image {src!r}: {reason}"))
        if not alt.strip():
            found.append(("(body)", f"image {src!r} has no alternative text: "
                                    f"write it as ![what it shows]({src})"))
    return found


def clean(html: str, page_url: str, rewrite: Callable[[str], str]) -> str:
    """The note's HTML reduced to the allow-list, each link and image absolute, then rewritten."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if (tag, name) in URL_ATTRIBUTES:
            return rewrite(resolve(value, page_url))
        return value

    return nh3.clean(html, tags=TAGS, clean_content_tags=DROPPED_WITH_CONTENT, attributes=ATTRIBUTES,
                     attribute_filter=attribute, link_rel=None, url_schemes={"https"},
                     strip_comments=True).strip()


@dataclass(frozen=True)
class PlainNote:
    """The note as wrapped text; links are numbered `[1]` in the text and listed in `links`."""

    text: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading", "item", "para" or "rule"
    text: str
    lead: str = ""  # what the first line starts with: quote marks, indentation, list marker
    indent: str = ""  # what the following lines start with


class _Text(HTMLParser):
    """Turns cleaned note HTML into blocks of running text, collecting link targets in order of appearance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.links: list[str] = []
        self.stack: list[str] = []
        self.numbers: list[int] = []  # per open list: the next item's number, 0 for a bulleted list
        self.buffer: list[str] = []
        self.href: str | None = None
        self.marked = False  # whether the open list item has shown its marker

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.buffer)).strip()
        text = re.sub(r" ?\n ?", "\n", text)
        self.buffer = []
        if not text:
            return
        quote = "> " * self.stack.count("blockquote")
        kind = next((t for t in reversed(self.stack) if t in {"p", "h2", "h3", "h4"}), "p")
        if kind.startswith("h"):
            self.blocks.append(_Block("heading", text, quote, quote))
        elif "li" in self.stack and self.numbers:
            nesting = "   " * (len(self.numbers) - 1)
            marker = f"{self.numbers[-1]}. " if self.numbers[-1] else "- "
            indent = quote + nesting + " " * len(marker)
            # A list item's later paragraphs line up under its first, without a second marker.
            lead = indent if self.marked else quote + nesting + marker
            self.blocks.append(_Block("item" if not self.marked else "para", text, lead, indent))
            self.marked = True
        else:
            self.blocks.append(_Block("para", text, quote, quote))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "hr":
            self._flush()
            self.blocks.append(_Block("rule", "* * *"))
        elif tag in BLOCKS:
            self._flush()
            self.stack.append(tag)
            if tag in {"ul", "ol"}:
                self.numbers.append(1 if tag == "ol" else 0)
            self.marked = self.marked and tag != "li"
        elif tag == "br":
            self.buffer.append("\n")
        elif tag == "a":
            self.href = values.get("href")
        elif tag == "img":
            self.buffer.append(f"[{values.get('alt', '').strip()}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            if self.href not in self.links:
                self.links.append(self.href)
            self.buffer.append(f" [{self.links.index(self.href) + 1}]")
            self.href = None
        elif tag in BLOCKS and tag in self.stack:
            self._flush()
            while self.stack.pop() != tag:
                pass
            if tag in {"ul", "ol"}:
                self.numbers.pop()
            elif tag == "li" and self.numbers and self.numbers[-1]:
                self.numbers[-1] += 1

    def handle_data(self, data: str) -> None:
        # Source line breaks are spaces; only <br> breaks a line.
        self.buffer.append(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush()


def fill(text: str, indent: str = "", first: str | None = None, width: int = WIDTH) -> str:
    """Wrap `text` at `width` columns, keeping its line breaks; URLs and other long words are never broken,
    so a line holding one may overrun."""
    lead = indent if first is None else first
    lines = []
    for number, line in enumerate(text.split("\n")):
        lines.append(textwrap.fill(line, width=width, initial_indent=lead if number == 0 else indent,
                                   subsequent_indent=indent, break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


def to_text(html: str) -> PlainNote:
    """A cleaned note as plain text: paragraphs and list items wrapped, headings underlined, quotes marked."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    out = []
    previous = None
    for block in parser.blocks:
        wrapped = fill(block.text, indent=block.indent, first=block.lead)
        if block.kind == "heading":
            wrapped += "\n" + block.lead + "-" * min(WIDTH, max(len(line) for line in wrapped.splitlines())
                                                       - len(block.lead))
        # Items of one list stay together; everything else is separated by a blank line.
        if out:
            out.append("\n" if block.kind == previous == "item" else "\n\n")
        out.append(wrapped)
        previous = block.kind
    return PlainNote("".join(out), tuple(parser.links))
