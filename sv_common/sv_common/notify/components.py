"""Buttons on queued messages, as plain dicts (callers never import discord).

A message may carry up to 5 rows of up to 5 buttons::

    buttons = [[{"label": "Accept", "custom_id": "raids:signup:7:accepted", "style": "success"},
                {"label": "Open on the site", "url": "https://..."}]]
    await notify.post_channel(session, channel_id=cid, embed=..., buttons=buttons, feature="raids")

:func:`normalise_buttons` checks them against Discord's limits (a message Discord would
refuse is refused here, when it is queued, not later in the worker) and returns the
``components`` JSON Discord expects. A button with a ``custom_id`` only works while a bot
handles that id: register a persistent view (or dynamic item) for it when the bot starts.
"""

from __future__ import annotations

from typing import Any

from sv_common.errors import ValidationFailed

ROWS_LIMIT = 5
BUTTONS_PER_ROW = 5
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
# Discord's button styles; "link" buttons open their url and carry no custom id.
STYLES = {"primary": 1, "secondary": 2, "success": 3, "danger": 4, "link": 5}
ALLOWED_KEYS = frozenset({"label", "custom_id", "style", "url", "emoji", "disabled"})
ACTION_ROW, BUTTON = 1, 2


def _button(button: Any, seen: set[str]) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise ValidationFailed("a button must be a dict.")
    unknown = sorted(set(button) - ALLOWED_KEYS)
    if unknown:
        raise ValidationFailed(f"unknown button keys: {', '.join(unknown)}.")
    label = button.get("label")
    emoji = button.get("emoji")
    if label is not None and (not isinstance(label, str) or not 0 < len(label) <= LABEL_LIMIT):
        raise ValidationFailed(f"a button label is text of 1 to {LABEL_LIMIT} characters.")
    if emoji is not None and (not isinstance(emoji, str) or not 0 < len(emoji) <= 32):
        raise ValidationFailed("a button emoji is a short piece of text such as '✅'.")
    if label is None and emoji is None:
        raise ValidationFailed("a button needs a label or an emoji.")
    url = button.get("url")
    style = button.get("style", "link" if url is not None else "secondary")
    if style not in STYLES:
        raise ValidationFailed(f"button style must be one of {', '.join(STYLES)}.")
    out: dict[str, Any] = {"type": BUTTON, "style": STYLES[style]}
    if style == "link":
        if not isinstance(url, str) or not url.startswith(("https://", "http://")) or "custom_id" in button:
            raise ValidationFailed("a link button needs an http(s) url and no custom_id.")
        out["url"] = url
    else:
        custom_id = button.get("custom_id")
        if url is not None:
            raise ValidationFailed("only link buttons have a url.")
        if not isinstance(custom_id, str) or not 0 < len(custom_id) <= CUSTOM_ID_LIMIT:
            raise ValidationFailed(f"a button's custom_id is text of 1 to {CUSTOM_ID_LIMIT} characters.")
        if custom_id in seen:
            raise ValidationFailed(f"two buttons of one message share the custom_id {custom_id!r}.")
        seen.add(custom_id)
        out["custom_id"] = custom_id
    if label is not None:
        out["label"] = label
    if emoji is not None:
        out["emoji"] = {"name": emoji}
    if button.get("disabled"):
        out["disabled"] = True
    return out


def normalise_buttons(rows: Any) -> list[dict[str, Any]]:
    """Validate rows of button dicts and return Discord's action rows for them."""
    if not isinstance(rows, list | tuple):
        raise ValidationFailed("buttons must be a list of rows (lists of buttons).")
    if len(rows) > ROWS_LIMIT:
        raise ValidationFailed(f"a message holds at most {ROWS_LIMIT} rows of buttons.")
    seen: set[str] = set()
    out = []
    for row in rows:
        if not isinstance(row, list | tuple) or not 0 < len(row) <= BUTTONS_PER_ROW:
            raise ValidationFailed(f"a row holds 1 to {BUTTONS_PER_ROW} buttons.")
        out.append({"type": ACTION_ROW, "components": [_button(b, seen) for b in row]})
    return out
