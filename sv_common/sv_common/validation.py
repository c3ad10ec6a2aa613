"""Validated input types and checks shared by every site and plugin.

Use these in request models (and services) so bad input is refused at the edge with a 422
naming the field, instead of reaching PostgreSQL:

- ``DbId``: a database id, 1 .. 2^31-1 (PostgreSQL ``integer``).
- ``CleanStr``: one line of text without control characters (NUL included) or bidi controls.
- ``CleanText``: multi-line text; tabs and newlines allowed, other control characters refused.
- ``has_control_chars(text, multiline=False)``: the check behind them.
- ``without_bidi(text)``: text from elsewhere (a Discord name) with its bidi controls removed.

The host applies the same checks to every route generically (path, query, JSON and form
bodies, int fields without bounds); these types are for models and services that want the
rule stated where the field is declared.
"""

from __future__ import annotations

import re
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


DbId = Annotated[int, Field(ge=1, le=INT32_MAX)]
CleanStr = Annotated[str, AfterValidator(_single_line)]
CleanText = Annotated[str, AfterValidator(_multi_line)]

__all__ = ["INT32_MAX", "INT32_MIN", "CleanStr", "CleanText", "DbId", "has_control_chars"]
