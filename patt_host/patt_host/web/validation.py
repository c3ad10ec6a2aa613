"""Generic input checks at the edge, for every route of every plugin (an app-wide dependency).

Refused with a 422 envelope that names the field, before any route code runs:

- control characters (NUL, C0 except tab/newline/CR, DEL, C1) in path and query values and
  in every string of a JSON or form body;
- integers outside PostgreSQL's ``integer`` range in path and query parameters, and in
  top-level body fields, that are declared ``int`` without bounds of their own (declare
  ``le=`` / ``ge=`` to accept more, e.g. for a ``bigint`` column); a value is read as the
  route's own validation will read it, so ``"1_0000000000"`` or ``2147483648.0`` is caught too;
- an ``int`` path parameter (bounded or not) not written in plain digits: pydantic's lax
  parsing would also take ``1.0``, ``+1``, ``%201``, ``01`` and ``1_0`` as an id, so one
  resource would have many addresses. Query parameters keep the lax parsing: they come from
  forms people type into (``?page=02`` is harmless there), and their range is still checked.

Plugins get this for free; ``sv_common.validation`` has the same rules as types for models.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, cast

import annotated_types
from fastapi import Request
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.requests import HTTPConnection

from sv_common.validation import INT32_MAX, INT32_MIN, has_control_chars

CONTROL_MESSAGE = "must not contain control characters"
RANGE_MESSAGE = f"must be between {INT32_MIN} and {INT32_MAX}"
PLAIN_INT_MESSAGE = "must be a whole number in plain digits (no spaces, +, _, decimals or leading zeros)"
_BOUNDS = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)
# The one spelling of an integer (ASCII digits; a minus only before a non-zero number).
_PLAIN_INT = re.compile(r"0|-?[1-9][0-9]*")
# How the route's own validation reads an int (pydantic's lax mode).
_LAX_INT = TypeAdapter(int)


def _is_int(annotation: Any) -> bool:
    """``int``, bounded or not (through ``Annotated`` and ``| None``)."""
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_int(args[0])
    return False


def _is_unbounded_int(annotation: Any, metadata: list[Any]) -> bool:
    if any(isinstance(m, _BOUNDS) for m in metadata):
        return False
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _is_unbounded_int(base, [*metadata, *extra])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_unbounded_int(args[0], metadata)
    return False


class _RouteRules:
    """What to check for one route (computed once, kept on the route)."""

    def __init__(self, route: Any):
        dependant = getattr(route, "dependant", None)
        fields = list(dependant.path_params) + list(dependant.query_params) if dependant else []
        self.int_params = {
            f.alias for f in fields if _is_unbounded_int(f.field_info.annotation, f.field_info.metadata)
        }
        self.int_path_params = {
            f.alias for f in (dependant.path_params if dependant else []) if _is_int(f.field_info.annotation)
        }
        self.has_body = bool(dependant and dependant.body_params)
        self.int_body_fields: set[str] = set()
        if dependant and len(dependant.body_params) == 1:
            model = dependant.body_params[0].field_info.annotation
            for name, info in getattr(model, "model_fields", {}).items():
                if _is_unbounded_int(info.annotation, info.metadata):
                    self.int_body_fields.add(info.alias or name)


def _rules(request: HTTPConnection) -> _RouteRules | None:
    route = request.scope.get("route")
    if route is None:
        return None
    rules = getattr(route, "_patt_edge_rules", None)
    if rules is None:
        rules = _RouteRules(route)
        route._patt_edge_rules = rules
    return rules


def _out_of_range(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = _LAX_INT.validate_python(value)
    except ValidationError as exc:
        # Too many digits to parse is out of range; anything else is not a number at all,
        # which the route's own validation answers.
        return any(e["type"] == "int_parsing_size" for e in exc.errors())
    return not INT32_MIN <= number <= INT32_MAX


def _walk_strings(value: Any, loc: tuple[Any, ...], found: list[tuple[Any, ...]]) -> None:
    if isinstance(value, str):
        if has_control_chars(value, multiline=True, bidi=False):
            found.append(loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and has_control_chars(key, multiline=True, bidi=False):
                found.append((*loc, key))
            _walk_strings(item, (*loc, key), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_strings(item, (*loc, index), found)


def _error(loc: tuple[Any, ...], message: str, value: Any) -> dict[str, Any]:
    return {"type": "value_error", "loc": loc, "msg": message, "input": value}


async def validate_edge(request: HTTPConnection) -> None:
    """App-wide dependency: refuse control characters and out-of-range ints (see module doc);
    a WebSocket handshake's path and query are checked alike (it has no body)."""
    rules = _rules(request)
    errors: list[dict[str, Any]] = []
    int_params = rules.int_params if rules else set()
    int_path_params = rules.int_path_params if rules else set()
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_control_chars(value, multiline=True, bidi=False):
            errors.append(_error(("path", name), CONTROL_MESSAGE, value))
        elif name in int_path_params and isinstance(value, str) and not _PLAIN_INT.fullmatch(value):
            errors.append(_error(("path", name), PLAIN_INT_MESSAGE, value))
        elif name in int_params and _out_of_range(value):
            errors.append(_error(("path", name), RANGE_MESSAGE, value))
    for name, value in request.query_params.multi_items():
        if has_control_chars(name, multiline=True, bidi=False) or has_control_chars(
            value, multiline=True, bidi=False
        ):
            errors.append(_error(("query", name), CONTROL_MESSAGE, value))
        elif name in int_params and _out_of_range(value):
            errors.append(_error(("query", name), RANGE_MESSAGE, value))
    if request.scope["type"] == "websocket":
        if errors:
            raise WebSocketRequestValidationError(errors)  # FastAPI closes the handshake (1008)
        return
    if rules is not None and rules.has_body and request.method not in ("GET", "HEAD"):
        errors.extend(await _body_errors(cast(Request, request), rules))
    if errors:
        raise RequestValidationError(errors)


async def _body_errors(request: Request, rules: _RouteRules) -> list[dict[str, Any]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    errors: list[dict[str, Any]] = []
    found: list[tuple[Any, ...]] = []
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for name, value in form.multi_items():
            if isinstance(value, str) and (
                has_control_chars(value, multiline=True, bidi=False)
                or has_control_chars(name, multiline=True, bidi=False)
            ):
                found.append(("body", name))
    elif content_type.endswith("json") or content_type == "":
        try:
            body = await request.json()
        except ValueError:
            return []  # not JSON: the route's own parsing answers
        _walk_strings(body, ("body",), found)
        if isinstance(body, dict):
            for name in rules.int_body_fields & body.keys():
                if _out_of_range(body[name]):
                    errors.append(_error(("body", name), RANGE_MESSAGE, body[name]))
    errors.extend(_error(loc, CONTROL_MESSAGE, None) for loc in found)
    return errors
