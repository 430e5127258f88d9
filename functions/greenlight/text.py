"""Text fit to show or submit: no bidi overrides, invisible characters or line breaks of its own.

Free text reaches mails, pages and CodePipeline from CustomData, commit messages and
comments. `clean` drops what could make it read otherwise than it is (U+202E reversing a
domain, zero-width characters hiding one); `one_line` keeps it from starting a line of its
own, where it could pass for one of Greenlight's.
"""

from __future__ import annotations

import re
import unicodedata

# Line and paragraph breaks Python's str.splitlines knows, and tabs: each becomes a space.
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029\t"
_WHITESPACE = re.compile(r"\s+")
_SPACED = dict.fromkeys(map(ord, LINE_BREAKS), " ")


def _shown(ch: str) -> bool:
    """False for control characters (C0, DEL, C1) and format characters (category Cf).

    Cf holds the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
    marks U+200E, U+200F and U+061C, and the zero-width characters U+200B-U+200D, U+2060 and
    U+FEFF.
    """
    return ch in LINE_BREAKS or unicodedata.category(ch) not in ("Cc", "Cf")


# What `clean` drops from ASCII text: the C0 controls but line breaks and tabs, and DEL.
_ASCII_HIDDEN = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f]")


def clean(value: object) -> str:
    """The text without control or format characters; line breaks and tabs are kept."""
    text = "" if value is None else str(value)
    if text.isascii() and (text.isprintable() or not _ASCII_HIDDEN.search(text)):
        return text  # the common case, tested in C rather than character by character
    return "".join(ch for ch in text if _shown(ch))


def one_line(value: object, limit: int | None = None) -> str:
    """Clean text on one line: every run of line breaks and whitespace is one space.

    With `limit`, longer text is cut and ends in an ellipsis.
    """
    flat = clean(value).translate(_SPACED)
    if not flat.isascii() or "  " in flat:  # else the only whitespace is single spaces
        flat = _WHITESPACE.sub(" ", flat)
    flat = flat.strip()
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def quoted(value: object) -> str:
    """Free text on one line between quotes, so that it reads as a quotation, not a line."""
    return f'"{one_line(value)}"'
