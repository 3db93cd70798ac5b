"""Card images (1200 × 630 PNG) for sharing previews, drawn with Pillow and kept in a content-addressed cache.

Why Pillow and not Material's social plugin: the plugin downloads its fonts from Google Fonts during the build
(a build here never uses the network), needs Cairo's system libraries through cairosvg, and draws the same
config-level layout from a page's title and description: it knows nothing of the kind, the localized date or
the language of Agora's virtual pages. Here a card is a small drawing from text Agora already has.

The font is Noto Sans from the `fontpkg-noto-sans` package (Latin, Greek and Cyrillic: every hub language has its
glyphs), so no system font is needed and its version is pinned like any other dependency. Text is laid out
with Pillow's basic engine, not libraqm, whose presence depends on the machine: the same inputs give the same
bytes everywhere (PNG without time or text chunks).

A card's file name is a digest of everything that decides its pixels: the drawn text, this module's code, the
font file and Pillow's version. A build draws only cards it has not drawn before; the cache is an optimisation
(`.cache/agora/cards/`), and deleting it only costs the drawing time.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import asdict
from pathlib import Path

import fontpkg
import PIL
from PIL import Image, ImageDraw, ImageFont, features

from generator.files import write_atomic
from generator.site.social import HEIGHT, WIDTH, Card

FAMILY = "Noto Sans"
CACHE = Path(".cache") / "agora" / "cards"

MARGIN = 80
BACKGROUND = (250, 251, 250)
BAND = (0, 137, 123)  # Material's teal, the hub's primary colour
INK = (22, 33, 31)
MUTED = (84, 99, 96)
RULE = (214, 222, 220)
TITLE_SIZES = (68, 60, 52, 44)  # the largest whose lines fit between the label and the rule
TITLE_TOP, TITLE_BOTTOM = MARGIN + 70, HEIGHT - 190


@functools.cache
def _palette() -> Image.Image:
    """The card's colours with 16 anti-aliasing steps from the background to each: a fixed palette maps the
    drawing in a tenth of the time adaptive quantization takes, and is the same for every card."""
    colours = [tuple(round(b + (c - b) * step / 15) for b, c in zip(BACKGROUND, colour, strict=True))
               for colour in (INK, BAND, MUTED, RULE) for step in range(16)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    return palette


@functools.cache
def font_file() -> Path:
    return fontpkg.path(FAMILY)


@functools.cache
def _font(size: int, weight: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(font_file()), size, layout_engine=ImageFont.Layout.BASIC)
    axes = font.get_variation_axes()
    font.set_variation_by_axes([float(weight) if axis["name"] in (b"Weight", "Weight") else float(axis["default"])
                                for axis in axes])
    return font


@functools.cache
def _code_digest() -> str:
    """What decides the bytes besides the card's text: this code, the font file, and the versions of Pillow and
    of the FreeType and zlib it draws and compresses with."""
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(font_file().read_bytes())
    versions = (PIL.__version__, features.version("freetype2"), features.version("zlib"))
    digest.update(json.dumps(versions).encode())
    return digest.hexdigest()


def card_key(card: Card) -> str:
    """The cache key: equal for equal drawings, different when anything drawn or the drawing code changes."""
    drawn = {k: v for k, v in asdict(card).items() if k != "uri"}
    return hashlib.sha256((_code_digest() + json.dumps(drawn, sort_keys=True)).encode()).hexdigest()[:32]


def _fitting(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many leading characters of `text` fit in `width` (at least one): a binary search, since measuring
    a long prefix costs in proportion to its length and a title may be one 300-character word."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking at spaces; a word longer than a line is cut between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            cut = _fitting(word, font, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    return round(font.size * 1.25)


def _title_lines(title: str, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    room = TITLE_BOTTOM - TITLE_TOP
    for size in TITLE_SIZES:
        font = _font(size, 700)
        lines = _wrap(title, font, width)
        if len(lines) * _line_height(font) <= room:
            return font, lines
    # Still too long at the smallest size: end the last line that fits with an ellipsis.
    lines = lines[: room // _line_height(font)]
    last = lines[-1] + "…"
    if font.getlength(last) > width:
        last = last[: _fitting(last, font, width - round(font.getlength("…")))] + "…"
    lines[-1] = last[:-1].rstrip() + "…"
    return font, lines


def render(card: Card) -> bytes:
    """The card as PNG bytes: a band, the kind and date, the title, and the site's name and host."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, HEIGHT), fill=BAND)
    width = WIDTH - 2 * MARGIN
    if card.label:
        label_font = _font(32, 600)
        draw.text((MARGIN, MARGIN), _wrap(card.label, label_font, width)[0], font=label_font, fill=BAND)
    font, lines = _title_lines(card.title, width)
    top = TITLE_TOP
    for line in lines:
        draw.text((MARGIN, top), line, font=font, fill=INK)
        top += _line_height(font)
    name_font, host_font = _font(36, 700), _font(28, 400)
    draw.line((MARGIN, HEIGHT - 170, WIDTH - MARGIN, HEIGHT - 170), fill=RULE, width=2)
    draw.text((MARGIN, HEIGHT - 140), _wrap(card.site_name, name_font, width)[0], font=name_font, fill=INK)
    draw.text((MARGIN, HEIGHT - 88), card.footer, font=host_font, fill=MUTED)
    out = io.BytesIO()
    # Four colours and their anti-aliased blends: a palette image is half the bytes of an RGB PNG and
    # compresses faster.
    image.quantize(palette=_palette(), dither=Image.Dither.NONE).save(out, "PNG")
    return out.getvalue()


def cached_card(card: Card, cache_dir: Path) -> tuple[Path, bool]:
    """The card's file in `cache_dir`, drawn first when it is not there; True when it was drawn now.

    Parallel language builds may draw the same card at once: each writes its own temporary file and renames it
    into place, so a reader never sees half a PNG.
    """
    path = cache_dir / f"{card_key(card)}.png"
    if path.is_file():
        return path, False
    write_atomic(path, render(card))
    return path, True


# The formats sharing previews show (Open Graph consumers take these; none takes SVG).
PREVIEW_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})


def image_size(path: Path) -> tuple[int, int] | None:
    """A preview-ready image's size, read from its header; None for SVG, other formats or unreadable files."""
    try:
        with Image.open(path) as image:
            return image.size if image.format in PREVIEW_FORMATS else None
    except (OSError, Image.DecompressionBombError):
        return None
