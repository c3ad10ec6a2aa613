"""Validated input types and checks shared by every site and plugin.

Use these in request models (and services) so bad input is refused at the edge with a 422
naming the field, instead of reaching PostgreSQL:

- ``DbId``: a database id, 1 .. 2^31-1 (PostgreSQL ``integer``).
- ``CleanStr``: one line of text without control characters (NUL included) or bidi controls.
- ``CleanText``: multi-line text; tabs and newlines allowed, other control characters refused.
- ``NonBlankStr`` / ``NonBlankText``: the same, for a required field: at least one visible
  character (``NotBlank`` adds that rule to a field with text rules of its own).
- ``has_control_chars(text, multiline=False)``: the check behind them.
- ``is_blank(text)``: True when ``text`` shows nothing (the check behind ``NotBlank``).
- ``without_bidi(text)``: text from elsewhere (a Discord name) with its bidi controls removed.

The host applies the same checks to every route generically (path, query, JSON and form
bodies, int fields without bounds); these types are for models and services that want the
rule stated where the field is declared.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and zero-width marks
# that can make a name display as another (U+200E/F, U+202A-E, U+2066-9, U+061C).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_MULTILINE_BAD = re.compile(f"[{_CONTROL}{_BIDI}]")
# One line: no line breaks either, Unicode's own (U+2028, U+2029) included.
_SINGLE_LINE_BAD = re.compile(f"[{_CONTROL}\t\n\r\u2028\u2029{_BIDI}]")
_NUL_OR_CONTROL = re.compile(f"[{_CONTROL}]")
_BIDI_ONLY = re.compile(f"[{_BIDI}]")


def has_control_chars(text: str, *, multiline: bool = False, bidi: bool = True) -> bool:
    """True when ``text`` holds characters that have no place in user input.

    ``multiline`` allows tab, newline and carriage return; ``bidi=False`` checks only
    control characters (the generic edge check: bidi marks can be legitimate in prose).
    """
    if not bidi:
        return _NUL_OR_CONTROL.search(text) is not None
    return (_MULTILINE_BAD if multiline else _SINGLE_LINE_BAD).search(text) is not None


# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) outside the Cf category: letters
# and marks that render as nothing. Python's unicodedata does not expose the property.
IGNORABLE_OUTSIDE_CF = (
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x115F, 0x1160),  # HANGUL CHOSEONG/JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ/AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS (and VOWEL SEPARATOR, Cf)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTORS
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xE0100, 0xE01EF),  # VARIATION SELECTORS SUPPLEMENT
)
# Never shown on their own: controls, format characters (U+200B zero-width space, U+2060 word
# joiner, U+FEFF, U+00AD soft hyphen, U+180E, ZWJ ...), surrogates, spaces and separators.
_UNSHOWN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# A symbol drawn as blank space: the usual "invisible name".
_BLANK_SYMBOLS = frozenset({"\u2800"})  # BRAILLE PATTERN BLANK


def _shows(ch: str) -> bool:
    if ch in _BLANK_SYMBOLS or unicodedata.category(ch) in _UNSHOWN_CATEGORIES:
        return False
    point = ord(ch)
    return not any(low <= point <= high for low, high in IGNORABLE_OUTSIDE_CF)


def is_blank(text: str) -> bool:
    """True when ``text`` has no visible character: only whitespace, format characters
    (zero-width space, word joiner, soft hyphen ...) and other characters that render as nothing.

    The rule for a required field: one visible character anywhere is enough, so a zero-width
    joiner inside an emoji sequence or a name is fine. Nothing is stripped: whether a field
    trims its spaces stays the field's own business.
    """
    return not any(_shows(ch) for ch in text)


def without_bidi(text: str) -> str:
    """``text`` without bidi controls: for names from elsewhere (Discord) put into our messages."""
    return _BIDI_ONLY.sub("", text)


def _single_line(value: str) -> str:
    if has_control_chars(value):
        raise ValueError("must not contain control or bidirectional-override characters")
    return value


def _multi_line(value: str) -> str:
    if has_control_chars(value, multiline=True):
        raise ValueError("must not contain control or bidirectional-override characters")
    return value


def _not_blank(value: str) -> str:
    if is_blank(value):
        raise ValueError("must not be blank")
    return value


DbId = Annotated[int, Field(ge=1, le=INT32_MAX)]
CleanStr = Annotated[str, AfterValidator(_single_line)]
CleanText = Annotated[str, AfterValidator(_multi_line)]
# A required field's rule, for ``Annotated[str, ..., NotBlank]`` next to a field's own text rules.
NotBlank = AfterValidator(_not_blank)
NonBlankStr = Annotated[CleanStr, NotBlank]
NonBlankText = Annotated[CleanText, NotBlank]

__all__ = [
    "IGNORABLE_OUTSIDE_CF",
    "INT32_MAX",
    "INT32_MIN",
    "CleanStr",
    "CleanText",
    "DbId",
    "NonBlankStr",
    "NonBlankText",
    "NotBlank",
    "has_control_chars",
    "is_blank",
    "without_bidi",
]
