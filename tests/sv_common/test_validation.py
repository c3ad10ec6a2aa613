"""The shared input checks: one line means one line, bidi controls are refused or removed, a
required field shows at least one character."""

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from sv_common.validation import (
    CleanStr,
    CleanText,
    NonBlankStr,
    NonBlankText,
    NotBlank,
    has_control_chars,
    is_blank,
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
