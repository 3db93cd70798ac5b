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
import zlib
from collections.abc import Set as AbstractSet
from dataclasses import fields
from pathlib import Path

import fontpkg
import PIL
from PIL import Image, ImageDraw, ImageFont, features

from generator.digests import digest
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


# The palette: each of the card's colours in 16 anti-aliasing steps from the background (step 0 is the background
# itself), at index ramp × 16 + step. Text is drawn as coverage and mapped straight to these indices: no RGB image
# and no quantizing, which together with the PNG encoding were most of a card's cost.
RAMPS = (INK, BAND, MUTED, RULE)
STEPS = 16


def _index(colour: tuple[int, int, int], coverage: int = 255) -> int:
    """The palette index of `colour` drawn with `coverage` (0-255) over the background; 0 is the background."""
    step = round(coverage * (STEPS - 1) / 255)
    return RAMPS.index(colour) * STEPS + step if step else 0


@functools.cache
def _palette() -> list[int]:
    colours = [tuple(round(b + (c - b) * step / (STEPS - 1)) for b, c in zip(BACKGROUND, colour, strict=True))
               for colour in RAMPS for step in range(STEPS)]
    return [value for colour in colours for value in colour]


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
    hasher = hashlib.sha256()
    hasher.update(Path(__file__).read_bytes())
    hasher.update(font_file().read_bytes())
    versions = (PIL.__version__, features.version("freetype2"), features.version("zlib"))
    hasher.update(json.dumps(versions).encode())
    return hasher.hexdigest()


def card_key(card: Card) -> str:
    """The cache key: equal for equal drawings, different when anything drawn or the drawing code changes."""
    # Every field but where the card is written (`asdict` would copy each value deeply, for nothing: all are text).
    drawn = [[field.name, getattr(card, field.name)] for field in fields(card) if field.name != "uri"]
    return digest([_code_digest(), drawn])[:32]


def _length(text: str, font: ImageFont.FreeTypeFont) -> float:
    """`font.getlength(text)`, from each character's advance measured once: the basic layout engine places
    glyphs side by side without kerning, so a line is as long as its characters' advances added up (each a
    whole number of 1/64 pixel, added exactly). Measuring every candidate line afresh was a fifth of a card."""
    advances = _advances(font)
    length = 0.0
    for character in text:
        advance = advances.get(character)
        if advance is None:
            advance = advances[character] = font.getlength(character)
        length += advance
    return length


@functools.cache
def _advances(font: ImageFont.FreeTypeFont) -> dict[str, float]:
    return {}


def _fitting(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many leading characters of `text` fit in `width` (at least one): a binary search, since measuring
    a long prefix costs in proportion to its length and a title may be one 300-character word."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _length(text[:middle], font) <= width:
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
        if _length(candidate, font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while _length(word, font) > width:
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
    if _length(last, font) > width:
        last = last[: _fitting(last, font, width - round(_length("…", font)))] + "…"
    lines[-1] = last[:-1].rstrip() + "…"
    return font, lines


def _draw_text(image: Image.Image, xy: tuple[int, int], lines: list[str], font: ImageFont.FreeTypeFont,
               colour: tuple[int, int, int]) -> None:
    """Draw `lines` (one under another) anti-aliased into the palette `image`: rendered as coverage in a
    grayscale patch, mapped to `colour`'s ramp, and pasted where there is ink, so nothing else is covered."""
    if not lines:  # a title or label of blanks only
        return
    x, y = xy
    height = _line_height(font)
    boxes = [font.getbbox(line) for line in lines]
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right = max(box[2] for box in boxes)
    bottom = max(box[3] + row * height for row, box in enumerate(boxes))
    if right <= left or bottom <= top:
        return
    coverage = Image.new("L", (right - left, bottom - top))
    draw = ImageDraw.Draw(coverage)
    for row, line in enumerate(lines):
        draw.text((-left, row * height - top), line, font=font, fill=255)
    image.paste(coverage.point(_ramp(colour)), (x + left, y + top), coverage.point(_INKED, "1"))


_INKED = [0] + [255] * 255  # a mask of the pixels with any coverage


@functools.cache
def _ramp(colour: tuple[int, int, int]) -> list[int]:
    """Coverage (0-255) to palette index, for text in `colour`."""
    return [_index(colour, coverage) for coverage in range(256)]


@functools.cache
def _base(site_name: str, footer: str) -> Image.Image:
    """What every card of a site shows: the band, the rule, the site's name and host."""
    image = Image.new("P", (WIDTH, HEIGHT), 0)
    image.putpalette(_palette())
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, HEIGHT), fill=_index(BAND))
    draw.line((MARGIN, HEIGHT - 170, WIDTH - MARGIN, HEIGHT - 170), fill=_index(RULE), width=2)
    width = WIDTH - 2 * MARGIN
    name_font = _font(36, 700)
    _draw_text(image, (MARGIN, HEIGHT - 140), _wrap(site_name, name_font, width)[:1], name_font, INK)
    _draw_text(image, (MARGIN, HEIGHT - 88), [footer], _font(28, 400), MUTED)
    return image


def render(card: Card) -> bytes:
    """The card as PNG bytes: a band, the kind and date, the title, and the site's name and host."""
    image = _base(card.site_name, card.footer).copy()
    width = WIDTH - 2 * MARGIN
    if card.label:
        label_font = _font(32, 600)
        _draw_text(image, (MARGIN, MARGIN), _wrap(card.label, label_font, width)[:1], label_font, BAND)
    font, lines = _title_lines(card.title, width)
    _draw_text(image, (MARGIN, TITLE_TOP), lines, font, INK)
    out = io.BytesIO()
    # A palette image of four colours and their blends, mostly background: zlib's run-length strategy
    # compresses it in half the time of the default for a few more bytes.
    image.save(out, "PNG", compress_type=zlib.Z_RLE)
    return out.getvalue()


def cached_card(card: Card, cache_dir: Path, present: AbstractSet[str] = frozenset()) -> tuple[Path, bool]:
    """The card's file in `cache_dir`, drawn first when it is not there; True when it was drawn now. `present`:
    names listed in `cache_dir` beforehand (one listing instead of a `stat` per card; a name listed but deleted
    since is a card not drawn, which MkDocs then fails to copy, naming it). A name not listed is looked for
    again before drawing: another language's build may have drawn it since (most cards show an item in its own
    language, and so are the same card in every language).

    Parallel language builds may draw the same card at once: each writes its own temporary file and renames it
    into place, so a reader never sees half a PNG.
    """
    name = f"{card_key(card)}.png"
    path = cache_dir / name
    if name in present or path.is_file():
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
