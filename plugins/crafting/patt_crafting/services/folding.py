"""Folding names for search: case, accents and punctuation away; trigrams like ``pg_trgm``.

Both sides go through :func:`fold`: "Élixir de sagesse ancestrale" and "elixir de SAGESSE"
become "elixir de sagesse ancestrale" / "elixir de sagesse". A word's trigrams are those of
the word padded with a space on each side (``pg_trgm`` pads two in front, see
:func:`trigrams`), so a shared word start counts and a typo costs only the trigrams around it.
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not take apart.
_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ß": "ss"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
MAX_QUERY = 100


def fold(text: str) -> str:
    """Lower case, no accents, words of [a-z0-9] separated by one space."""
    lowered = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA))
    bare = "".join(ch for ch in lowered if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", bare).strip()


def trigrams(folded: str, *, prefix_last: bool = False) -> list[str]:
    """Distinct trigrams of a folded text. ``prefix_last``: the last word may be unfinished
    (typing), so its end-of-word trigram is left out.

    Unlike ``pg_trgm``, a word is padded with one space in front, not two: the trigram of the
    first letter alone ("  s") says little (a third of all names have a word starting with s)
    but was the most frequent row of the index, and nearly half of what a three-word search
    had to count. A word's start still counts through its first two letters (" sh")."""
    out: dict[str, None] = {}
    words = folded.split()
    for index, word in enumerate(words):
        padded = " " + word + ("" if prefix_last and index == len(words) - 1 else " ")
        for start in range(len(padded) - 2):
            out[padded[start : start + 3]] = None
    return list(out)
