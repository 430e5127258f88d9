"""Text fit to show: no bidi overrides, invisible characters or line breaks of its own."""

from __future__ import annotations

import pytest

from greenlight.text import clean, one_line, quoted

BIDI_AND_INVISIBLE = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                      "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u200c",
                      "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\x1b", "\x7f", "\x9b"]
LINE_BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f", "\t"]


@pytest.mark.parametrize("char", BIDI_AND_INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_bidi_and_invisible_characters_are_removed(char: str) -> None:
    assert clean(f"evil{char}.example") == "evil.example"
    assert one_line(f"evil{char}.example") == "evil.example"


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_no_line_break_survives_one_line(brk: str) -> None:
    flat = one_line(f"Release 7{brk}{brk}Approve: https://evil.example/x")
    assert flat == "Release 7 Approve: https://evil.example/x"
    assert flat.splitlines() == [flat]


def test_clean_keeps_line_breaks_and_ordinary_text() -> None:
    assert clean("Zürich\nrelease \u2013 東京 ✅") == "Zürich\nrelease \u2013 東京 ✅"
    assert clean(None) == ""


def test_one_line_cuts_to_a_limit_with_an_ellipsis() -> None:
    assert one_line("  a   b  ") == "a b"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"


def test_quoted_text_is_one_line_between_quotes() -> None:
    assert quoted("fine\napproved by ciso@example.com") == '"fine approved by ciso@example.com"'
