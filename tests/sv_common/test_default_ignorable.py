"""A required field is blank when it shows nothing: every Default_Ignorable_Code_Point range
(reserved ones included) and the few characters fonts draw as nothing, while real letters of
every script (Hangul, Khitan, CJK, accents, emoji) still count as visible."""

import unicodedata

import pytest

from sv_common.validation import IGNORABLE_OUTSIDE_CF, is_blank

# Unicode's DerivedCoreProperties.txt, Default_Ignorable_Code_Point, the lines that are not Cf.
DICP_OUTSIDE_CF = [
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180D),
    (0x180F, 0x180F),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0000),
    (0xE0002, 0xE001F),
    (0xE0080, 0xE00FF),
    (0xE0100, 0xE01EF),
    (0xE01F0, 0xE0FFF),
]


def test_the_table_is_the_whole_list_and_holds_no_format_character():
    assert list(IGNORABLE_OUTSIDE_CF) == DICP_OUTSIDE_CF
    for low, high in IGNORABLE_OUTSIDE_CF:
        assert all(unicodedata.category(chr(p)) != "Cf" for p in range(low, high + 1)), hex(low)


@pytest.mark.parametrize(("low", "high"), DICP_OUTSIDE_CF, ids=[f"U+{low:04X}" for low, _ in DICP_OUTSIDE_CF])
def test_each_ignorable_range_is_blank_at_its_ends_and_middle(low, high):
    for point in {low, (low + high) // 2, high}:
        ch = chr(point)
        assert is_blank(ch), f"U+{point:04X}"
        assert is_blank(f" {ch}\u200b{ch} "), f"U+{point:04X} among spaces"


@pytest.mark.parametrize(
    "text",
    [
        "\U00016fe4",  # KHITAN SMALL SCRIPT FILLER: a mark fonts draw as nothing
        "\U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD: a symbol drawn blank
        "\u2065",  # reserved, default-ignorable
        "\ufff0\ufff8",  # reserved, default-ignorable
        "\U000e0000\U000e0fff",  # the ends of the tag block's reserved range
        "\U000e0001\U000e0041\U000e007f",  # language tag, tag letter, cancel tag (Cf)
        "\U000e0200",  # reserved, past the variation selectors
        "\u180f",  # Mongolian free variation selector four
        "\u3164\U00016fe4\ufe0f",
    ],
)
def test_the_characters_the_review_found_are_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize(
    "text",
    [
        "Éowyn",
        "Zoë",
        "Zoe\u0308",  # the same, with a combining diaeresis
        "Thrall",
        "名前",
        "한글",  # Hangul syllables
        "\u1100\u1161",  # Hangul jamo (a real choseong and jungseong)
        "\U00018b00",  # KHITAN SMALL SCRIPT CHARACTER-18B00
        "\U00018b00\U00016fe4\U00018b01",  # Khitan characters around the filler
        "😀",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # flag of England (tags)
        "❤\ufe0f",
        "a\U000e0100",  # a letter with a variation selector
        "\u2800x",
    ],
)
def test_real_letters_symbols_and_emoji_are_not_blank(text):
    assert not is_blank(text)
