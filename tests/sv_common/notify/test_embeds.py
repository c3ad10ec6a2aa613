"""Embeds as plain dicts: validated against Discord's limits before they are queued."""

from datetime import UTC, datetime

import pytest

from sv_common.errors import ValidationFailed
from sv_common.notify.embeds import build_payload, normalise_embed


def test_embed_dict_becomes_discord_json():
    embed = normalise_embed(
        {
            "title": "Raid results",
            "description": "Congratulations",
            "url": "https://example.org/vote/1",
            "colour": "#d4a84b",
            "fields": [{"name": "Winner", "value": "Mito", "inline": True}],
            "footer": "PATT",
            "timestamp": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        }
    )
    assert embed == {
        "type": "rich",
        "title": "Raid results",
        "description": "Congratulations",
        "url": "https://example.org/vote/1",
        "color": 0xD4A84B,
        "fields": [{"name": "Winner", "value": "Mito", "inline": True}],
        "footer": {"text": "PATT"},
        "timestamp": "2026-01-02T03:04:00+00:00",
    }


@pytest.mark.parametrize(
    ("embed", "message"),
    [
        ({"title": "x" * 257}, "title is longer than 256"),
        ({"description": "x" * 4097}, "description is longer than 4096"),
        ({"title": "t", "fields": [{"name": "n", "value": "v"}] * 26}, "at most 25 fields"),
        ({"title": "t", "fields": [{"name": "n"}]}, "needs a name and a value"),
        ({"title": "t", "fields": [{"name": "n", "value": " \n"}]}, "needs a name and a value"),
        ({"title": "t", "colour": "red"}, "colour"),
        ({"title": "t", "url": "javascript:alert(1)"}, "http(s) URL"),
        ({"title": "t", "author": "me"}, "unknown embed keys: author"),
        ({}, "embed is empty"),
        ({"description": "x" * 4000, "fields": [{"name": "n", "value": "v" * 1024}] * 3}, "6000 characters"),
    ],
)
def test_invalid_embeds_are_refused(embed, message):
    with pytest.raises(ValidationFailed) as refused:
        normalise_embed(embed)
    assert message in refused.value.message


def test_payload_needs_content_or_embed_and_respects_the_content_limit():
    assert build_payload("hi", None) == {"content": "hi", "embeds": []}
    with pytest.raises(ValidationFailed, match="content or an embed"):
        build_payload("", None)
    with pytest.raises(ValidationFailed, match="content or an embed"):
        build_payload("  \n\t", None)  # Discord trims it to nothing (50006)
    assert build_payload(" ", {"title": "t"})["content"] is None
    with pytest.raises(ValidationFailed, match="2000"):
        build_payload("x" * 2001, None)


def test_one_message_carries_up_to_ten_embeds_within_the_total_limit():
    ten = [{"title": f"Finding {i}"} for i in range(10)]
    payload = build_payload(None, None, ten)
    assert [e["title"] for e in payload["embeds"]] == [f"Finding {i}" for i in range(10)]
    with pytest.raises(ValidationFailed, match="at most 10 embeds"):
        build_payload(None, {"title": "one more"}, ten)
    # Discord counts 6000 characters over all embeds of a message, not per embed.
    with pytest.raises(ValidationFailed, match="longer than 6000 characters together"):
        build_payload(None, None, [{"description": "x" * 3500}, {"description": "y" * 3500}])
