"""Names people see: refuse invisible characters and look-alikes of another member's name.

A display name may not hold characters that render as nothing (zero-width space, soft
hyphen, combining grapheme joiner, variation selectors ...): Unicode's format (Cf),
unassigned, private-use and surrogate categories plus the remaining Default_Ignorable_Code_Point
characters. Two names whose *skeletons* match look alike: "Xаnsus" (Cyrillic а) and
"Xansús" both read as the officer "Xansus".

The skeleton follows UTS #39 section 4 (NFD, each character replaced by its prototype from
Unicode's ``confusables.txt``, NFD again), then drops combining marks and case, because a
name that differs only by an accent or by case is still read as the same person. The
mapping is the Unicode data file the ``confusables`` package ships, never a table of ours.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib.metadata import distribution

from sv_common.validation import IGNORABLE_OUTSIDE_CF

# Categories refused whole; the other Default_Ignorable_Code_Point characters are listed in
# sv_common.validation (IGNORABLE_OUTSIDE_CF), which tells a blank required field by them too.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs"})


def invisible_characters(text: str) -> list[str]:
    """The characters of ``text`` that render as nothing or are not real characters, as U+XXXX."""
    found = []
    for ch in text:
        point = ord(ch)
        if unicodedata.category(ch) in _REFUSED_CATEGORIES or any(
            low <= point <= high for low, high in IGNORABLE_OUTSIDE_CF
        ):
            found.append(f"U+{point:04X}")
    return found


@functools.cache
def _prototypes() -> dict[str, str]:
    """source character -> prototype string, from the ``confusables`` package's data file."""
    path = distribution("confusables").locate_file("confusables/assets/confusables.txt")
    table: dict[str, str] = {}
    with open(path, encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) < 2 or not fields[0].strip():
                continue
            source = chr(int(fields[0].strip(), 16))
            table[source] = "".join(chr(int(point, 16)) for point in fields[1].split())
    return table


def _map(text: str) -> str:
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(ch, ch) for ch in text))


@functools.lru_cache(maxsize=65536)  # every new name is compared with every active one
def name_skeleton(text: str) -> str:
    """The look-alike key of a name: equal keys read as the same name.

    UTS #39 skeleton, then combining marks and case dropped and the prototypes applied
    once more (lowercasing can reveal a character with its own prototype, e.g. "0" -> "O" -> "o").
    """
    mapped = _map(unicodedata.normalize("NFD", text))
    plain = "".join(ch for ch in mapped if not unicodedata.combining(ch)).casefold()
    return _map(" ".join(plain.split()))
