"""Text normalisation for identity comparisons: name keys and realm slugs.

Two different jobs, kept apart on purpose:

- a character's *identity* is its exact name compared case-insensitively (on the same realm
  "Dícoz" and "Dicoz" are two characters), see ``characters.py``;
- *matching* (guild notes and character names against Discord names) compares loose keys
  from :func:`name_key`, where accents and letter case no longer matter.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that carry no combining mark under NFKD, so accent stripping misses them.
_LETTER_FOLDS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)

_SLUG_DROP = re.compile(r"[^\w\s-]")  # apostrophes, dots, brackets ...
_SLUG_SPACES = re.compile(r"[\s_]+")
_SLUG_HYPHENS = re.compile(r"-{2,}")


def strip_accents(text: str) -> str:
    """Remove combining marks: "Ñandú" -> "Nandu" (other letters are left alone)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """The comparison key of a name: NFKC, casefold, accents stripped, outer spaces trimmed.

    "Zoë" -> "zoe", "ØRJAN" -> "orjan", "Ñandú" -> "nandu", "Straße" -> "strasse".
    Used for matching only, never as a character's identity.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    folded = strip_accents(folded).translate(_LETTER_FOLDS)
    return unicodedata.normalize("NFC", folded).strip()


def realm_slug(text: str) -> str:
    """A Blizzard-style realm slug: "Sen'jin" -> "senjin", "Area 52" -> "area-52".

    Lowercase (NFC), punctuation dropped, whitespace to "-"; letters keep their accents as in
    Blizzard's own slugs ("Aggra (Português)" -> "aggra-português": the API answers 404 for
    "aggra-portugues"). Idempotent, so a slug passes through unchanged ("area-52" ->
    "area-52"). Hyphens already in a realm's display name are kept ("Azjol-Nerub" ->
    "azjol-nerub"); prefer the slug Blizzard reports when one is available.
    """
    slug = unicodedata.normalize("NFKC", text or "").lower()
    slug = _SLUG_DROP.sub("", slug)
    slug = _SLUG_SPACES.sub("-", slug.strip())
    return unicodedata.normalize("NFC", _SLUG_HYPHENS.sub("-", slug).strip("-"))


def realm_key(text: str) -> str:
    """A realm identity that ignores spacing and accents: "Area 52", "Area52" and "area-52" ->
    "area52"; "Aggra(Português)" and "aggra-portugues" -> "aggraportugues".

    The game writes connected realms without spaces in "Name-Realm" ("Area52", "AzjolNerub")
    while Blizzard's slug has hyphens ("area-52"), so match realms on this, never on raw slugs.
    """
    return strip_accents(realm_slug(text).casefold()).translate(_LETTER_FOLDS).replace("-", "")
