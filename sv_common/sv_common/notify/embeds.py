"""Embeds as plain dicts, so callers never import discord.

Callers pass ``{"title", "description", "url", "colour", "fields", "footer", "image",
"thumbnail", "timestamp"}``; :func:`normalise_embed` checks them against Discord's
limits (a post Discord would refuse is refused here, with a clear message, instead of
failing later in the worker) and returns the JSON Discord expects.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sv_common.errors import ValidationFailed
from sv_common.notify.components import normalise_buttons

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
ALLOWED_KEYS = frozenset(
    {"title", "description", "url", "colour", "color", "fields", "footer", "image", "thumbnail", "timestamp"}
)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def _text(embed: dict, key: str, limit: int) -> str | None:
    value = embed.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"embed {key} must be text.")
    if len(value) > limit:
        raise ValidationFailed(f"embed {key} is longer than {limit} characters.")
    return value


def _url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValidationFailed(f"embed {key} must be an http(s) URL.")
    return value


def _colour(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationFailed("embed colour must be an integer or '#rrggbb'.")
    if isinstance(value, int) and 0 <= value <= 0xFFFFFF:
        return value
    if isinstance(value, str) and (match := _HEX.match(value.strip())):
        return int(match.group(1), 16)
    raise ValidationFailed("embed colour must be an integer or '#rrggbb'.")


def _fields(value: Any) -> list[dict]:
    if not isinstance(value, list | tuple):
        raise ValidationFailed("embed fields must be a list.")
    if len(value) > FIELDS_LIMIT:
        raise ValidationFailed(f"an embed holds at most {FIELDS_LIMIT} fields.")
    out = []
    for field in value:
        # Discord trims names and values; one of whitespace only is missing to it.
        if (
            not isinstance(field, dict)
            or not str(field.get("name") or "").strip()
            or not str(field.get("value") or "").strip()
        ):
            raise ValidationFailed("every embed field needs a name and a value.")
        name, text = str(field["name"]), str(field["value"])
        if len(name) > FIELD_NAME_LIMIT or len(text) > FIELD_VALUE_LIMIT:
            raise ValidationFailed(
                f"embed field names hold {FIELD_NAME_LIMIT} and values {FIELD_VALUE_LIMIT} characters at most."
            )
        out.append({"name": name, "value": text, "inline": bool(field.get("inline", False))})
    return out


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, str):
        try:
            return _timestamp(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise ValidationFailed("embed timestamp must be a datetime or an ISO 8601 string.")


def normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    """Validate an embed dict and return Discord's JSON shape for it."""
    if not isinstance(embed, dict):
        raise ValidationFailed("embed must be a dict.")
    unknown = sorted(set(embed) - ALLOWED_KEYS)
    if unknown:
        raise ValidationFailed(f"unknown embed keys: {', '.join(unknown)}.")
    out: dict[str, Any] = {"type": "rich"}
    for key, limit in (("title", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT)):
        value = _text(embed, key, limit)
        if value is not None:
            out[key] = value
    if embed.get("url") is not None:
        out["url"] = _url(embed["url"], "url")
    colour = embed.get("colour", embed.get("color"))
    if colour is not None:
        out["color"] = _colour(colour)
    if embed.get("fields"):
        out["fields"] = _fields(embed["fields"])
    footer = embed.get("footer")
    if footer is not None:
        text = footer.get("text") if isinstance(footer, dict) else footer
        if not isinstance(text, str) or len(text) > FOOTER_LIMIT:
            raise ValidationFailed(f"embed footer must be text of at most {FOOTER_LIMIT} characters.")
        out["footer"] = {"text": text}
    for key in ("image", "thumbnail"):
        value = embed.get(key)
        if value is not None:
            out[key] = {"url": _url(value.get("url") if isinstance(value, dict) else value, key)}
    if embed.get("timestamp") is not None:
        out["timestamp"] = _timestamp(embed["timestamp"])
    total = sum(len(out.get(k, "")) for k in ("title", "description"))
    total += sum(len(f["name"]) + len(f["value"]) for f in out.get("fields", []))
    total += len(out.get("footer", {}).get("text", ""))
    if total > TOTAL_LIMIT:
        raise ValidationFailed(f"an embed holds at most {TOTAL_LIMIT} characters in total.")
    if len(out) == 1:
        raise ValidationFailed("embed is empty: give at least a title, description or field.")
    return out


def build_payload(
    content: str | None,
    embed: dict[str, Any] | None,
    embeds: list[dict[str, Any]] | None = None,
    buttons: list[list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The stored message payload: ``{"content": ..., "embeds": [...]}`` (+ ``"components"``).

    ``embeds`` carries several embeds in one message (at most 10, 6000 characters together,
    Discord's limits); ``embed`` is the one-embed shorthand. ``buttons`` (rows of button
    dicts, see :mod:`sv_common.notify.components`) become the message's ``components``;
    ``[]`` removes a message's buttons when it is edited, ``None`` leaves them alone.
    """
    if content is not None and not isinstance(content, str):
        raise ValidationFailed("content must be text.")
    # Discord trims content: whitespace alone is an empty message (400 50006).
    content = content if content and content.strip() else None
    if content is not None and len(content) > CONTENT_LIMIT:
        raise ValidationFailed(f"content is longer than {CONTENT_LIMIT} characters.")
    wanted = ([embed] if embed is not None else []) + list(embeds or [])
    if len(wanted) > EMBEDS_PER_MESSAGE:
        raise ValidationFailed(f"A message carries at most {EMBEDS_PER_MESSAGE} embeds.")
    normalised = [normalise_embed(e) for e in wanted]
    if len(normalised) > 1 and sum(_embed_size(e) for e in normalised) > TOTAL_LIMIT:
        raise ValidationFailed(
            f"The embeds of one message are longer than {TOTAL_LIMIT} characters together."
        )
    if content is None and not normalised:
        raise ValidationFailed("A notification needs content or an embed.")
    payload: dict[str, Any] = {"content": content, "embeds": normalised}
    if buttons is not None:
        payload["components"] = normalise_buttons(buttons)
    return payload


def _embed_size(embed: dict[str, Any]) -> int:
    fields = embed.get("fields") or []
    footer = (embed.get("footer") or {}).get("text") or ""
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + len(footer)
        + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    )


# A message holding a secret (a reset link, an invite code) carries what officers may see of
# it under this key; once it can no longer be sent, that text replaces the message itself.
SHOWN_AS = "shown_as"


def scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without its secret (unchanged when it has none)."""
    if SHOWN_AS not in payload:
        return payload
    return {"content": payload[SHOWN_AS], SHOWN_AS: payload[SHOWN_AS]}
