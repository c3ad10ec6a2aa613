"""Validated input types and checks shared by every site and plugin.

Use these in request models (and services) so bad input is refused at the edge with a 422
naming the field, instead of reaching PostgreSQL:

- ``DbId``: a database id in a JSON body, 1 .. 2^31-1 (PostgreSQL ``integer``), sent as a plain
  JSON integer: ``true``, ``"15"``, ``15.0`` and ``1e1`` are refused (not for form fields).
- ``JsonInt``: a number in a JSON body, sent as a plain JSON integer (bounds with
  ``Field(ge=, le=)``): ``true`` is refused (lax parsing read it as 1: ``season_number: true``
  became season 1), and so are ``"15"`` and ``15.0``. The site's pages send ``Number(...)``.
- ``JsonBool``: a yes/no in a JSON body: ``true`` or ``false`` only; ``0``, ``1``, ``"true"``,
  ``"no"`` are refused (lax parsing read them as booleans).
- ``CleanStr``: one line of text without control characters (NUL included) or bidi controls.
- ``CleanText``: multi-line text; tabs and newlines allowed, other control characters refused.
- ``NonBlankStr`` / ``NonBlankText``: the same, for a required field: at least one visible
  character (``NotBlank`` adds that rule to a field with text rules of its own).
- ``has_control_chars(text, multiline=False)``: the check behind them.
- ``is_blank(text)``: True when ``text`` shows nothing (the check behind ``NotBlank``).
- ``without_bidi(text)``: text from elsewhere (a Discord name) with its bidi controls removed.
- ``trim_unshown(text)``: ``text`` without the spaces and invisible characters at its ends.
- ``lookalike_key(text)``: the key two names that read the same share (NFKC, casefolded,
  invisible characters dropped, spaces collapsed): "Ｍidnight\ufe0f" and "midnight".
- ``GameDate``: a date sent as a ``YYYY-MM-DD`` string only (never a number) between WoW's
  release (``FIRST_WOW_DAY``) and five years ahead; ``in_game_era(day)`` is the range check.

The host applies the same checks to every route generically (path, query, JSON and form
bodies, int fields without bounds); these types are for models and services that want the
rule stated where the field is declared.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict

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


# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt) outside the Cf category,
# which is refused by category: characters that render as nothing, reserved code points
# included (whatever Unicode assigns there is to be invisible too). Python's unicodedata does
# not expose the property, so every range of the file's list that is not Cf is written here.
IGNORABLE_OUTSIDE_CF = (
    (0x034F, 0x034F),  # Mn COMBINING GRAPHEME JOINER
    (0x115F, 0x1160),  # Lo HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # Mn KHMER VOWEL INHERENT AQ, AA
    (0x180B, 0x180D),  # Mn MONGOLIAN FREE VARIATION SELECTOR ONE..THREE (U+180E is Cf)
    (0x180F, 0x180F),  # Mn MONGOLIAN FREE VARIATION SELECTOR FOUR
    (0x2065, 0x2065),  # Cn reserved, among the invisible operators and isolates
    (0x3164, 0x3164),  # Lo HANGUL FILLER
    (0xFE00, 0xFE0F),  # Mn VARIATION SELECTOR-1..16
    (0xFFA0, 0xFFA0),  # Lo HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # Cn reserved, before the interlinear annotation characters
    (0xE0000, 0xE0000),  # Cn reserved (U+E0001 LANGUAGE TAG is Cf)
    (0xE0002, 0xE001F),  # Cn reserved (U+E0020..E007F, the tags, are Cf)
    (0xE0080, 0xE00FF),  # Cn reserved
    (0xE0100, 0xE01EF),  # Mn VARIATION SELECTOR-17..256
    (0xE01F0, 0xE0FFF),  # Cn reserved
)
_FIRST_IGNORABLE = IGNORABLE_OUTSIDE_CF[0][0]
# Never shown on their own: controls, format characters (U+200B zero-width space, U+2060 word
# joiner, U+FEFF, U+00AD soft hyphen, U+180E, ZWJ ...), surrogates, spaces and separators.
_UNSHOWN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Symbols drawn as blank space: the usual "invisible name".
_BLANK_SYMBOLS = frozenset(
    {
        "\u2800",  # BRAILLE PATTERN BLANK
        "\U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD
    }
)
# Marks that are not Default_Ignorable but that fonts draw as nothing: U+16FE4 KHITAN SMALL
# SCRIPT FILLER only says how a cluster of Khitan characters is laid out.
_BLANK_MARKS = frozenset({"\U00016fe4"})


def _shows(ch: str) -> bool:
    if ch in _BLANK_SYMBOLS or ch in _BLANK_MARKS or unicodedata.category(ch) in _UNSHOWN_CATEGORIES:
        return False
    point = ord(ch)
    if point < _FIRST_IGNORABLE:  # most text: skip the table
        return True
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


def trim_unshown(text: str) -> str:
    """``text`` without what renders as nothing at its ends: spaces, zero-width and format
    characters, variation selectors ("\u200bMidnight\ufe0f" -> "Midnight"). The inside is kept
    (a zero-width joiner inside an emoji sequence is part of it)."""
    start, end = 0, len(text)
    while start < end and not _shows(text[start]):
        start += 1
    while end > start and not _shows(text[end - 1]):
        end -= 1
    return text[start:end]


def lookalike_key(text: str) -> str:
    """The comparison key of a name: equal keys read as the same name.

    NFKC (full-width and compatibility forms become plain letters), casefolded, NFKC again
    (casefolding can undo it), characters that render as nothing dropped wherever they are,
    runs of spaces as one. Computed here, never in SQL: PostgreSQL's ``lower()`` follows the
    database's locale (ASCII only under ``C``) and does not casefold ("ß" stays "ß").
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text or "").casefold())
    spaced = "".join(
        ch if _shows(ch) else " " if ch.isspace() or ch in _BLANK_SYMBOLS else "" for ch in folded
    )
    return " ".join(spaced.split())


# World of Warcraft's release: no season or raid is older. Five years ahead is a typo (and a
# year such as 9999 overflows date arithmetic).
FIRST_WOW_DAY = date(2004, 11, 23)
MAX_DAYS_AHEAD = 5 * 366
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def in_game_era(day: object, *, today: date | None = None) -> bool:
    """True when ``day`` is a date (not a datetime) from WoW's release to five years after ``today``."""
    if not isinstance(day, date) or isinstance(day, datetime):
        return False
    today = today or datetime.now(UTC).date()
    return FIRST_WOW_DAY <= day <= today + timedelta(days=MAX_DAYS_AHEAD)


def _date_string(value: Any) -> Any:
    # Pydantic would read a number as seconds since 1970 (0 -> 1970-01-01) and accept
    # "2026-03-01T00:00"; a day is sent as the text a date input gives (or, from Python, a date).
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _game_era(value: date) -> date:
    if not in_game_era(value):
        raise ValueError(f"must be between {FIRST_WOW_DAY.isoformat()} and five years from today")
    return value


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


# Strict: a JSON id is a plain integer. Lax parsing would take true as 1 and "015", 15.0 or
# 1e1 as 15 and 10, so one row would have many spellings. For JSON bodies (and models built
# from Python ints) only: a path, query or form value is a string (the host checks path ids).
DbId = Annotated[int, Strict(), Field(ge=1, le=INT32_MAX)]
# Strict for the same reason: a JSON number is a plain integer, a JSON yes/no is true or false.
# From Python (a page's form converted first) an int, or a bool, passes as it is. Strict()
# rather than a validator refusing booleans: the bounds a field adds stay in its JSON Schema.
JsonInt = Annotated[int, Strict()]
JsonBool = Annotated[bool, Strict()]
CleanStr = Annotated[str, AfterValidator(_single_line)]
CleanText = Annotated[str, AfterValidator(_multi_line)]
# A required field's rule, for ``Annotated[str, ..., NotBlank]`` next to a field's own text rules.
NotBlank = AfterValidator(_not_blank)
NonBlankStr = Annotated[CleanStr, NotBlank]
NonBlankText = Annotated[CleanText, NotBlank]
GameDate = Annotated[date, BeforeValidator(_date_string), AfterValidator(_game_era)]

__all__ = [
    "FIRST_WOW_DAY",
    "IGNORABLE_OUTSIDE_CF",
    "INT32_MAX",
    "INT32_MIN",
    "CleanStr",
    "CleanText",
    "DbId",
    "GameDate",
    "JsonBool",
    "JsonInt",
    "MAX_DAYS_AHEAD",
    "NonBlankStr",
    "NonBlankText",
    "NotBlank",
    "has_control_chars",
    "in_game_era",
    "is_blank",
    "lookalike_key",
    "trim_unshown",
    "without_bidi",
]
