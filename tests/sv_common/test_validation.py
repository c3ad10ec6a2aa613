"""The shared input checks: one line means one line, bidi controls are refused or removed, a
required field shows at least one character."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from sv_common.validation import (
    FIRST_WOW_DAY,
    CleanStr,
    CleanText,
    GameDate,
    NonBlankStr,
    NonBlankText,
    NotBlank,
    has_control_chars,
    in_game_era,
    is_blank,
    lookalike_key,
    trim_unshown,
    without_bidi,
)


class Body(BaseModel):
    line: CleanStr = ""
    text: CleanText = ""


@pytest.mark.parametrize("bad", ["a\nb", "a\tb", "a\u2028b", "a\u2029b", "a\x00b", "a\u202eb", "a\x85b"])
def test_one_line_refuses_breaks_controls_and_bidi(bad):
    assert has_control_chars(bad)
    with pytest.raises(ValidationError):
        Body(line=bad)


def test_text_keeps_its_lines_and_the_worlds_scripts():
    body = Body(line="Ünïcødé 名前 مرحبا 👩‍👩‍👧", text="first line\nsecond\tline\r\n")
    assert body.line.startswith("Ünïcødé") and body.text.count("\n") == 2
    with pytest.raises(ValidationError):
        Body(text="a\u202eb")


def test_without_bidi_removes_only_bidi_controls():
    assert without_bidi("\u202egnirts\u200f-ekaf \u2066x\u2069") == "gnirts-ekaf x"
    assert without_bidi("مرحبا world") == "مرحبا world"


# --- required fields: at least one visible character ---------------------------------------

INVISIBLE_ONLY = [
    "",
    "   ",
    "\t\n ",
    "\u00a0\u3000",  # no-break and ideographic spaces
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    "\u200d\u200c",  # zero-width joiner and non-joiner alone
    " \u200b \u2060 ",
    "\u3164",  # Hangul filler: a "letter" that renders as nothing
    "\u2800",  # braille pattern blank
    "\ufe0f\u034f",  # a variation selector, the combining grapheme joiner
]


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_only_spaces_and_invisible_characters_are_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize(
    "text",
    [
        "a",
        " x ",
        "\u200bTitle\u200b",  # one visible character is enough
        "👩\u200d👩\u200d👧",  # ZWJ inside an emoji sequence
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ inside a Persian word
        "क्\u200dष",  # ZWJ inside a Devanagari conjunct
        "❤\ufe0f",  # emoji with its variation selector
        "名前",
        "0",
        "-",
    ],
)
def test_text_with_a_visible_character_is_not_blank(text):
    assert not is_blank(text)


class Required(BaseModel):
    line: NonBlankStr = "x"
    text: NonBlankText = "x"
    other: Annotated[str, NotBlank] = "x"


@pytest.mark.parametrize("field", ["line", "text", "other"])
@pytest.mark.parametrize("blank", ["   ", "\u200b", "\u2060\ufeff", "\u00ad", "\u180e"])
def test_required_fields_refuse_blank_and_name_the_field(field, blank):
    with pytest.raises(ValidationError) as refused:
        Required(**{field: blank})
    (error,) = refused.value.errors()
    assert error["loc"] == (field,) and "must not be blank" in error["msg"]


def test_required_fields_keep_their_text_as_sent():
    body = Required(line="  Raid night 👩\u200d👩\u200d👧 ", text="first\nsecond", other=" x ")
    assert (body.line, body.text, body.other) == ("  Raid night 👩\u200d👩\u200d👧 ", "first\nsecond", " x ")
    # The one-line and multi-line rules still apply.
    with pytest.raises(ValidationError):
        Required(line="a\nb")
    with pytest.raises(ValidationError):
        Required(text="a\u202eb")


# --- names that read the same --------------------------------------------------------------


def test_trim_unshown_removes_only_what_renders_as_nothing_at_the_ends():
    assert trim_unshown("\u200b \u2060Midnight\ufe0f\ufeff\u00a0") == "Midnight"
    assert trim_unshown("Raid \u200b night") == "Raid \u200b night"  # the inside is kept
    assert trim_unshown("👩\u200d👩\u200d👧") == "👩\u200d👩\u200d👧"
    assert trim_unshown("\u200b\u3164 ") == ""


@pytest.mark.parametrize(
    "name",
    [
        "Midnight",
        "MIDNIGHT",
        "midnight",
        "\u200bMidnight",
        "Midnight\u200b",
        "Midnight\ufe0f",
        "\uff2didnight",  # full-width M
        "Mid\u00adnight",  # soft hyphen inside
        " Midnight\u3000",  # ideographic space
    ],
)
def test_lookalike_key_matches_case_invisible_and_full_width_variants(name):
    assert lookalike_key(name) == "midnight"


def test_lookalike_key_folds_spacing_and_casefolds_beyond_lower():
    assert lookalike_key("The  War\u00a0Within") == lookalike_key("the war within") == "the war within"
    assert lookalike_key("Straße") == lookalike_key("STRASSE")  # casefold, not lower()
    assert lookalike_key("Midnight") != lookalike_key("Midnight 2")
    assert lookalike_key("Zoë") != lookalike_key("Zoe")  # an accent is a different name


# --- dates in the game's lifetime ----------------------------------------------------------


class Dated(BaseModel):
    day: GameDate


def test_game_date_is_a_date_string_from_wows_release_to_five_years_ahead():
    today = datetime.now(UTC).date()
    assert Dated(day="2004-11-23").day == FIRST_WOW_DAY
    assert Dated(day=date(2026, 3, 1)).day == date(2026, 3, 1)  # from Python, a date object
    last = today + timedelta(days=5 * 366)
    assert Dated(day=last.isoformat()).day == last
    for bad in ("2004-11-22", "0001-01-01", "9999-12-31", (last + timedelta(days=1)).isoformat()):
        with pytest.raises(ValidationError, match="between 2004-11-23 and five years from today"):
            Dated(day=bad)
    # Numbers would be read as seconds since 1970; a time or another layout is no date string.
    for bad in (
        0,
        1772323200,
        20260301.5,
        True,
        None,
        "2026-03-01T00:00:00",
        "2026-3-1",
        datetime(2026, 3, 1),
    ):
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            Dated(day=bad)


def test_in_game_era_takes_dates_only():
    assert in_game_era(date(2026, 3, 1), today=date(2026, 12, 7))
    assert not in_game_era(datetime(2026, 3, 1, tzinfo=UTC), today=date(2026, 12, 7))
    assert not in_game_era("2026-03-01")
    assert not in_game_era(date(2032, 1, 1), today=date(2026, 12, 7))
