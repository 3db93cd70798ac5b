"""Digests of plain values (text, numbers, None, and lists, tuples and dicts of them): what Agora's cache keys
and fingerprints are made of."""

from __future__ import annotations

import hashlib
import marshal


def digest(value: object) -> str:
    """The sha256 of `value`, in hex.

    The bytes hashed are marshal's format 2, which writes each value by its type and contents alone (format 3
    and later refer back to objects already written, so equal values held by different objects would write
    differently); equal values always give equal digests. Marshal copies text where JSON escapes each character,
    and a language's keys hash every page's Markdown: four times faster. A value of another type raises."""
    try:
        data = marshal.dumps(value, 2)
    except ValueError:  # marshal takes exact types only
        data = marshal.dumps(_tagged(value), 2)
    return hashlib.sha256(data).hexdigest()


def _tagged(value: object) -> object:
    """`value` with text of a str subclass (Markup: escaped differently from plain text) tagged by its type."""
    kind = type(value)
    if isinstance(value, str) and kind is not str:
        return (f"{kind.__module__}.{kind.__qualname__}", str(value))
    if kind in (list, tuple):
        return kind(_tagged(item) for item in value)
    if kind is dict:
        return {_tagged(key): _tagged(item) for key, item in value.items()}
    return value  # marshal raises for what it cannot write
