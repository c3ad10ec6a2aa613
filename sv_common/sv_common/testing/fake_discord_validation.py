"""Discord's checks on message, edit and modal payloads, for the fake Discord.

Limits are the documented ones (resources/message "Create Message" and "Embed Limits",
components/reference): content 2,000 characters, at most 10 embeds whose text fields
(trimmed, as Discord measures them) stay under their own limits and 6,000 in all, a
nonce of at most 25 characters, legacy components in at most 5 action rows of up to 5
buttons or one select, custom ids of 1-100 characters unique within the message, modals
of 1-5 components. A refusal is :class:`FormError`, answered as Discord's 400 50035
"Invalid Form Body" with the offending field's path in ``errors``.
"""

from __future__ import annotations

from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_NONCE = 25
EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER_TEXT, AUTHOR_NAME = 25, 256, 1024, 2048, 256
MAX_ACTION_ROWS, MAX_ROW_BUTTONS, MAX_V2_COMPONENTS = 5, 5, 40
MAX_CUSTOM_ID, MAX_BUTTON_LABEL, MAX_PLACEHOLDER, MAX_OPTIONS, MAX_OPTION_TEXT = 100, 80, 150, 25, 100
MAX_MODAL_TITLE, MAX_MODAL_COMPONENTS, MAX_TEXT_INPUT = 45, 5, 4000
IS_COMPONENTS_V2 = 1 << 15
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18
SELECTS = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6


class FormError(Exception):
    """A 400 50035; ``errors`` maps a dotted field path to ``(code, message)``."""

    def __init__(self, errors: dict[str, tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class EmptyMessage(Exception):
    """400 50006: nothing left to show once whitespace is trimmed."""


def _fail(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> FormError:
    return FormError({path: (code, message)})


def _too_long(path: str, limit: int) -> FormError:
    return _fail(path, f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def validate_message(body: dict, files: list[dict], *, prefix: str = "", edit: bool = False) -> None:
    """A new message (``edit=False``) must not be empty; an edit is checked field by field."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise _fail(f"{prefix}content", "Could not interpret as string.")
    if content is not None and len(content) > MAX_CONTENT:
        raise _too_long(f"{prefix}content", MAX_CONTENT)
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        raise _too_long(f"{prefix}nonce", MAX_NONCE)
    flags = int(body.get("flags") or 0)
    if flags & IS_COMPONENTS_V2 and (content or body.get("embeds") or body.get("poll")):
        raise _fail(f"{prefix}content", "Cannot use content or embeds with IS_COMPONENTS_V2.")
    validate_embeds(body.get("embeds") or [], prefix=prefix)
    validate_components(body.get("components") or [], v2=bool(flags & IS_COMPONENTS_V2), prefix=prefix)
    if edit:
        return
    has_files = any(f.get("filename") for f in files)
    parts = (_text(content), body.get("embeds"), body.get("components"), body.get("sticker_ids"))
    if not has_files and not any(parts) and not body.get("poll"):
        raise EmptyMessage


def validate_embeds(embeds: list, *, prefix: str = "") -> None:
    if len(embeds) > MAX_EMBEDS:
        raise _too_long(f"{prefix}embeds", MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        where = f"{prefix}embeds.{index}"
        if not isinstance(embed, dict):
            raise _fail(where, "Must be an object.")
        for key, limit in EMBED_LIMITS.items():
            size = len(_text(embed.get(key)))
            if size > limit:
                raise _too_long(f"{where}.{key}", limit)
            total += size
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            raise _too_long(f"{where}.fields", MAX_FIELDS)
        for number, item in enumerate(fields):
            name, value = _text(item.get("name")), _text(item.get("value"))
            for key, text, limit in (("name", name, FIELD_NAME), ("value", value, FIELD_VALUE)):
                if not text:
                    raise _fail(
                        f"{where}.fields.{number}.{key}", "This field is required", "BASE_TYPE_REQUIRED"
                    )
                if len(text) > limit:
                    raise _too_long(f"{where}.fields.{number}.{key}", limit)
            total += len(name) + len(value)
        for key, inner, limit in (("footer", "text", FOOTER_TEXT), ("author", "name", AUTHOR_NAME)):
            size = len(_text((embed.get(key) or {}).get(inner)))
            if size > limit:
                raise _too_long(f"{where}.{key}.{inner}", limit)
            total += size
    if total > EMBED_TOTAL:
        raise _fail(
            f"{prefix}embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL}", "MAX_EMBED_SIZE_EXCEEDED"
        )


def _custom_id(component: dict, path: str, seen: set[str]) -> None:
    custom_id = component.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
        raise _fail(f"{path}.custom_id", f"Must be between 1 and {MAX_CUSTOM_ID} in length.")
    if custom_id in seen:
        raise _fail(
            f"{path}.custom_id", "Component custom id cannot be duplicated", "COMPONENT_CUSTOM_ID_DUPLICATED"
        )
    seen.add(custom_id)


def _button(button: dict, path: str, seen: set[str]) -> None:
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url") or "custom_id" in button:
            raise _fail(path, "A link button needs a url and no custom_id.")
    elif style != PREMIUM_STYLE:
        _custom_id(button, path, seen)
    if len(button.get("label") or "") > MAX_BUTTON_LABEL:
        raise _too_long(f"{path}.label", MAX_BUTTON_LABEL)


def _select(select: dict, path: str, seen: set[str]) -> None:
    _custom_id(select, path, seen)
    if len(select.get("placeholder") or "") > MAX_PLACEHOLDER:
        raise _too_long(f"{path}.placeholder", MAX_PLACEHOLDER)
    for key, low in (("min_values", 0), ("max_values", 1)):
        value = select.get(key)
        if value is not None and not low <= int(value) <= MAX_OPTIONS:
            raise _fail(f"{path}.{key}", f"Must be between {low} and {MAX_OPTIONS}.")
    if select.get("type") == STRING_SELECT:
        options = select.get("options") or []
        if not 1 <= len(options) <= MAX_OPTIONS:
            raise _fail(f"{path}.options", f"Must be between 1 and {MAX_OPTIONS} in length.")
        for number, option in enumerate(options):
            for key in ("label", "value", "description"):
                if len(option.get(key) or "") > MAX_OPTION_TEXT:
                    raise _too_long(f"{path}.options.{number}.{key}", MAX_OPTION_TEXT)


def validate_components(components: list, *, v2: bool = False, prefix: str = "") -> None:
    """Legacy messages: up to 5 action rows, each up to 5 buttons or a single select."""
    where = f"{prefix}components"
    if v2:
        if _count(components) > MAX_V2_COMPONENTS:
            raise _too_long(where, MAX_V2_COMPONENTS)
        return
    if len(components) > MAX_ACTION_ROWS:
        raise _too_long(where, MAX_ACTION_ROWS)
    seen: set[str] = set()
    for index, row in enumerate(components):
        path = f"{where}.{index}"
        if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
            raise _fail(f"{path}.type", "Top-level components must be action rows.", "UNION_TYPE_CHOICES")
        children = row.get("components") or []
        kinds = [c.get("type") for c in children]
        if not children:
            raise _fail(f"{path}.components", "Must be between 1 and 5 in length.")
        if any(k in SELECTS for k in kinds):
            if len(children) != 1:
                raise _fail(f"{path}.components", "A select must be alone in its action row.")
            _select(children[0], f"{path}.components.0", seen)
            continue
        if any(k != BUTTON for k in kinds):
            raise _fail(f"{path}.components", "Only buttons or a select go in a message's action row.")
        if len(children) > MAX_ROW_BUTTONS:
            raise _too_long(f"{path}.components", MAX_ROW_BUTTONS)
        for number, button in enumerate(children):
            _button(button, f"{path}.components.{number}", seen)


def _count(components: list) -> int:
    total = 0
    for component in components:
        if isinstance(component, dict):
            total += 1 + _count(component.get("components") or [])
            if isinstance(component.get("component"), dict):
                total += 1
            if isinstance(component.get("accessory"), dict):
                total += 1
    return total


def _modal_field(component: dict, path: str, seen: set[str]) -> None:
    kind = component.get("type")
    if kind == TEXT_INPUT:
        _custom_id(component, path, seen)
        for key in ("min_length", "max_length"):
            value = component.get(key)
            if value is not None and not 0 <= int(value) <= MAX_TEXT_INPUT:
                raise _fail(f"{path}.{key}", f"Must be between 0 and {MAX_TEXT_INPUT}.")
        if len(component.get("value") or "") > MAX_TEXT_INPUT:
            raise _too_long(f"{path}.value", MAX_TEXT_INPUT)
        if len(component.get("placeholder") or "") > MAX_OPTION_TEXT:
            raise _too_long(f"{path}.placeholder", MAX_OPTION_TEXT)
    elif kind in SELECTS:
        _select(component, path, seen)
    elif kind == BUTTON:
        raise _fail(f"{path}.type", "Buttons cannot go in a modal.", "UNION_TYPE_CHOICES")


def validate_modal(data: dict, *, prefix: str = "data.") -> None:
    """A modal (callback type 9): custom id, a title of at most 45, 1-5 components."""
    _custom_id(data, prefix.rstrip("."), set())
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= MAX_MODAL_TITLE:
        raise _fail(f"{prefix}title", f"Must be between 1 and {MAX_MODAL_TITLE} in length.")
    components = data.get("components") or []
    if not 1 <= len(components) <= MAX_MODAL_COMPONENTS:
        raise _fail(f"{prefix}components", f"Must be between 1 and {MAX_MODAL_COMPONENTS} in length.")
    seen: set[str] = set()
    for index, component in enumerate(components):
        path = f"{prefix}components.{index}"
        kind = component.get("type")
        if kind == ACTION_ROW:
            inner = component.get("components") or []
            if len(inner) != 1:
                raise _fail(f"{path}.components", "A modal action row holds exactly one input.")
            _modal_field(inner[0], f"{path}.components.0", seen)
        elif kind == LABEL:
            label = component.get("label")
            if not isinstance(label, str) or not 1 <= len(label) <= MAX_MODAL_TITLE:
                raise _fail(f"{path}.label", f"Must be between 1 and {MAX_MODAL_TITLE} in length.")
            _modal_field(component.get("component") or {}, f"{path}.component", seen)
