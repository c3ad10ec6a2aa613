"""The shared input checks: one line means one line, bidi controls are refused or removed."""

import pytest
from pydantic import BaseModel, ValidationError

from sv_common.validation import CleanStr, CleanText, has_control_chars, without_bidi


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
