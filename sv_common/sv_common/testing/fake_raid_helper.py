"""A loopback fake of Raid-Helper's server API, strict where the original PATT integration went wrong.

Shipped beside the other fakes (Discord, Battle.net) because ``patt demo`` runs the raids
plugin's connector against it when no real Raid-Helper is configured (``patt_raids.demo``);
the tests use the same one. Only the demo and the tests import it (it loads aiohttp): a site
that serves never does.

What it checks is what Raid-Helper's API documents (and the original's own write-up of its
mistakes, original-behaviour.md §17): the API lives under ``/api/v4`` (a request to another
base path is a 404, as ``/api/v2`` was for the original); ``Authorization`` carries the
server's API key itself (``Bearer <key>`` is refused); an event's ``date`` is ``D-M-YYYY``
without zero padding and ``time`` is ``HH:MM``, both in the **local** time of the
Raid-Helper server (:attr:`FakeRaidHelper.timezone`), which the fake turns into the event's
``startTime`` the way Raid-Helper does (so a test sees an event sent in UTC start at the
wrong time); signups inside the create body are refused (Raid-Helper silently ignores them,
which is how the original lost every signup); each signup is its own
``POST /events/{id}/signups`` with one ``userId`` and a ``className`` that is a role slot
of the template or a status slot (``Paladin`` is ``invalid className``). An edit
(``PATCH /events/{id}``) takes the create body's fields and reads ``date`` and ``time`` the
same way; ``DELETE /events/{id}`` removes the event (an unknown one is a 404).
``GET /servers/{id}/events`` (what the officers' "Test connection" asks) lists the server's
events with Raid-Helper's paging fields; a key of another server is a 403.

Usage::

    fake = FakeRaidHelper(api_key="k", server_id="800...", timezone="America/New_York")
    await fake.start()        # fake.base_url is http://127.0.0.1:<port>/api/v4
    ...
    fake.events[event_id]["signUps"]
    await fake.stop()

:meth:`FakeRaidHelper.add_event` puts in an event Raid-Helper already has (created before the
fake started: ``patt demo`` gives it back the events its database says were sent), checked as
strictly as a create.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

API_PATH = "/api/v4"
# The wowretail2 template's role slots and their specs (specName strings as the template
# spells them: duplicate names across classes get a "1" suffix).
TEMPLATE_CLASSES: dict[str, list[str]] = {
    "Tank": ["Protection", "Protection1", "Blood", "Vengeance", "Brewmaster", "Guardian"],
    "Healer": ["Holy", "Holy1", "Restoration", "Restoration1", "Mistweaver", "Preservation", "Discipline"],
    "Melee": [
        "Arms",
        "Fury",
        "Assassination",
        "Outlaw",
        "Subtlety",
        "Frost1",
        "Unholy",
        "Havoc",
        "Windwalker",
        "Feral",
        "Survival",
        "Retribution",
        "Enhancement",
    ],  # fmt: skip
    "Ranged": [
        "Arcane",
        "Fire",
        "Frost",
        "Affliction",
        "Demonology",
        "Destruction",
        "Beastmastery",
        "Marksmanship",
        "Balance",
        "Shadow",
        "Elemental",
        "Devastation",
        "Augmentation",
    ],  # fmt: skip
}
STATUS_CLASSES = ("Tentative", "Bench", "Late", "Absence")
CREATE_FIELDS = {
    "leaderId",
    "templateId",
    "date",
    "time",
    "title",
    "description",
    "duration",
    "advancedSettings",
}
DATE = re.compile(r"^([1-9]|[12]\d|3[01])-([1-9]|1[0-2])-(\d{4})$")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SNOWFLAKE = re.compile(r"^\d{15,21}$")
FIRST_EVENT_ID = 1_482_924_660_516_716_000


@dataclass
class RecordedRequest:
    method: str
    path: str
    status: int
    authorization: str | None
    body: Any


class FakeRaidHelper:
    """Raid-Helper on 127.0.0.1; see the module docstring."""

    def __init__(self, *, api_key: str, server_id: str, timezone: str = "America/New_York") -> None:
        self.api_key = api_key
        self.server_id = str(server_id)
        self.timezone = timezone  # the Raid-Helper server's own time zone setting
        self.page_size: int | None = None  # events per page of the server's list (None: one page)
        self.events: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._failures: list[int | None] = []
        self._next_id = FIRST_EVENT_ID
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get(API_PATH + "/servers/{server}/events", self._list)
        app.router.add_post(API_PATH + "/servers/{server}/channels/{channel}/event", self._create)
        app.router.add_get(API_PATH + "/events/{event}", self._event)
        app.router.add_post(API_PATH + "/events/{event}/signups", self._signup)
        app.router.add_patch(API_PATH + "/events/{event}", self._edit)
        app.router.add_delete(API_PATH + "/events/{event}", self._delete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}{API_PATH}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- switches and reports --------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503, *, after: int = 0) -> None:
        """After ``after`` more requests, the next ``count`` answer ``status`` (an outage)."""
        self._failures = [None] * after + [status] * count

    def recover(self) -> None:
        """The outage is over."""
        self._failures = []

    def signups(self, event_id: str) -> dict[str, dict[str, Any]]:
        """userId -> the signup as Raid-Helper keeps it."""
        return {s["userId"]: s for s in self.events[event_id]["signUps"]}

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # -- handlers --------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            body = await request.json() if request.can_read_body else None
        except ValueError:
            body = "<not json>"
        failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            response: web.StreamResponse = _error(failure, "Service unavailable")
        else:
            try:
                response = await handler(request)
            except web.HTTPNotFound:
                response = _error(404, "Not found")
        auth = request.headers.get("Authorization")
        self.requests.append(RecordedRequest(request.method, request.path, response.status, auth, body))
        return response

    def _refuse_auth(self, request: web.Request, server_id: str | None) -> web.Response | None:
        auth = request.headers.get("Authorization")
        if auth is None:
            return _error(401, "missing authorization")
        if auth != self.api_key:  # "Bearer <key>" included: the key goes in the header as it is
            return _error(401, "invalid authorization")
        if server_id is not None and server_id != self.server_id:
            return _error(403, "the api key does not belong to this server")
        return None

    async def _list(self, request: web.Request) -> web.Response:
        refused = self._refuse_auth(request, request.match_info["server"])
        if refused is not None:
            return refused
        # Raid-Helper pages a long list (``?page=``, from 1): the overall count says how many.
        everything = [_summary(e) for e in self.events.values()]
        size = self.page_size or max(len(everything), 1)
        pages = max((len(everything) + size - 1) // size, 1)
        try:
            page = min(max(int(request.query.get("page", "1")), 1), pages)
        except ValueError:
            return _error(400, "invalid page")
        posted = everything[(page - 1) * size : page * size]
        return web.json_response(
            {
                "pages": pages,
                "currentPage": page,
                "eventCountOverall": len(everything),
                "eventCountTransmitted": len(posted),
                "postedEvents": posted,
            }
        )

    async def _create(self, request: web.Request) -> web.Response:
        refused = self._refuse_auth(request, request.match_info["server"])
        if refused is not None:
            return refused
        body = await _object_body(request, "invalid json")
        if isinstance(body, web.Response):
            return body
        event = self._new_event(str(self._next_id), request.match_info["channel"], body)
        if isinstance(event, web.Response):
            return event
        self._next_id += 1
        self.events[event["id"]] = event
        return web.json_response({"status": "success", "event": _summary(event)})

    def _new_event(
        self, event_id: str, channel_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | web.Response:
        """The event a create body makes, or the 400 Raid-Helper answers for the body."""
        if "signups" in body or "signUps" in body:
            return _error(400, "signups are not accepted here: post each one to /events/{id}/signups")
        unknown = sorted(set(body) - CREATE_FIELDS)
        if unknown:
            return _error(400, f"unknown fields: {', '.join(unknown)}")
        for key in ("leaderId", "templateId", "date", "time", "title"):
            if not isinstance(body.get(key), str) or not body[key].strip():
                return _error(400, f"missing {key}")
        if not SNOWFLAKE.match(body["leaderId"]):
            return _error(400, "invalid leaderId")
        local = self._local(body["date"], body["time"])
        if isinstance(local, web.Response):
            return local
        duration = body.get("duration")
        if duration is not None and not _valid_duration(duration):
            return _error(400, "invalid duration")
        return {
            "id": event_id,
            "serverId": self.server_id,
            "channelId": channel_id,
            "leaderId": body["leaderId"],
            "templateId": body["templateId"],
            "title": body["title"],
            "description": body.get("description") or "",
            "startTime": int(local.timestamp()),
            "duration": duration,
            "signUps": [],
            "classes": [
                {"name": n, "specs": [{"name": s} for s in specs]} for n, specs in TEMPLATE_CLASSES.items()
            ]
            + [{"name": n, "specs": []} for n in STATUS_CLASSES],
        }

    def _local(self, date_text: Any, time_text: Any) -> datetime | web.Response:
        """``date`` (D-M-YYYY) and ``time`` (HH:MM) as Raid-Helper reads them: in its server's
        time zone; or the 400 it answers for either."""
        day = DATE.match(date_text) if isinstance(date_text, str) else None
        clock = TIME.match(time_text) if isinstance(time_text, str) else None
        if day is None:
            return _error(400, "invalid date (D-M-YYYY, no leading zeros)")
        if clock is None:
            return _error(400, "invalid time (HH:MM)")
        try:
            local_day = date(int(day.group(3)), int(day.group(2)), int(day.group(1)))
        except ValueError:
            return _error(400, "invalid date")
        return datetime.combine(
            local_day, time(int(clock.group(1)), int(clock.group(2))), ZoneInfo(self.timezone)
        )

    async def _edit(self, request: web.Request) -> web.Response:
        """Change fields of an event: the create body's fields, date and time read as in a create."""
        found = await self._event_and_body(request, "nothing to change")
        if isinstance(found, web.Response):
            return found
        event, body = found
        if not body:
            return _error(400, "nothing to change")
        unknown = sorted(set(body) - CREATE_FIELDS)
        if unknown:
            return _error(400, f"unknown fields: {', '.join(unknown)}")
        if "title" in body and (not isinstance(body["title"], str) or not body["title"].strip()):
            return _error(400, "invalid title")
        if "duration" in body and not _valid_duration(body["duration"]):
            return _error(400, "invalid duration")
        if "date" in body or "time" in body:
            current = datetime.fromtimestamp(event["startTime"], ZoneInfo(self.timezone))
            local = self._local(
                body.get("date", f"{current.day}-{current.month}-{current.year}"),
                body.get("time", f"{current.hour:02d}:{current.minute:02d}"),
            )
            if isinstance(local, web.Response):
                return local
            event["startTime"] = int(local.timestamp())
        for key in ("title", "description", "duration", "leaderId", "templateId"):
            if key in body:
                event[key] = body[key]
        return web.json_response({"status": "success", "event": _summary(event)})

    async def _delete(self, request: web.Request) -> web.Response:
        event = self._known_event(request)
        if isinstance(event, web.Response):
            return event
        del self.events[event["id"]]
        return web.json_response({"status": "success"})

    async def _event_and_body(
        self, request: web.Request, not_an_object: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | web.Response:
        """The event the path names and the request's JSON object, or the refusal."""
        event = self._known_event(request)
        if isinstance(event, web.Response):
            return event
        body = await _object_body(request, not_an_object)
        return body if isinstance(body, web.Response) else (event, body)

    def _known_event(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The event the path names, or the refusal (auth first, then 404)."""
        refused = self._refuse_auth(request, None)
        if refused is not None:
            return refused
        event = self.events.get(request.match_info["event"])
        return _error(404, "unknown event") if event is None else event

    async def _event(self, request: web.Request) -> web.Response:
        event = self._known_event(request)
        return event if isinstance(event, web.Response) else web.json_response(event)

    async def _signup(self, request: web.Request) -> web.Response:
        found = await self._event_and_body(
            request, "one signup per request: an object with userId and className"
        )
        if isinstance(found, web.Response):
            return found
        event, body = found
        signup = _signup_or_refusal(body)
        if isinstance(signup, web.Response):
            return signup
        # A user has one signup per event: signing up again moves it.
        event["signUps"] = [s for s in event["signUps"] if s["userId"] != signup["userId"]] + [signup]
        return web.json_response({"status": "success", "signUp": signup})

    # -- an event it already has ----------------------------------------------------------

    def add_event(
        self, event_id: str, channel_id: str, body: dict[str, Any], signups: Iterable[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        """Put in an event Raid-Helper already has: ``body`` as it was created (the create
        body) and ``signups`` as they were posted. ``ValueError`` with Raid-Helper's answer for
        what it would refuse; the ids of later creates follow the highest id put in."""
        if not isinstance(body, dict):
            raise ValueError("the create body is not an object")
        event = self._new_event(str(event_id), str(channel_id), body)
        if isinstance(event, web.Response):
            raise ValueError(f"Raid-Helper would refuse it: {event.text}")
        for one in signups:
            signup = _signup_or_refusal(one) if isinstance(one, dict) else _error(400, "not an object")
            if isinstance(signup, web.Response):
                raise ValueError(f"Raid-Helper would refuse a signup: {signup.text}")
            event["signUps"] = [s for s in event["signUps"] if s["userId"] != signup["userId"]] + [signup]
        self.events[event["id"]] = event
        if event["id"].isdigit():
            self._next_id = max(self._next_id, int(event["id"]) + 1)
        return event


def _signup_or_refusal(body: dict[str, Any]) -> dict[str, Any] | web.Response:
    """One signup as Raid-Helper keeps it, or the 400 it answers: one ``userId`` (a Discord id)
    and a ``className`` that is a role or status slot of the template, a ``specName`` of that slot."""
    user_id, class_name, spec = body.get("userId"), body.get("className"), body.get("specName")
    if not isinstance(user_id, str) or not SNOWFLAKE.match(user_id):
        return _error(400, "invalid userId")
    if class_name is None:
        return _error(400, "missing className")
    if class_name not in TEMPLATE_CLASSES and class_name not in STATUS_CLASSES:
        return _error(400, "invalid className")
    if spec is not None and spec not in TEMPLATE_CLASSES.get(class_name, ()):
        return _error(400, "invalid specName")
    return {"userId": user_id, "className": class_name, "specName": spec}


async def _object_body(request: web.Request, not_an_object: str) -> dict[str, Any] | web.Response:
    """The request's JSON object, or the 400 Raid-Helper answers (``not_an_object`` for valid
    JSON that is not an object)."""
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "invalid json")
    return body if isinstance(body, dict) else _error(400, not_an_object)


def _valid_duration(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _summary(event: dict[str, Any]) -> dict[str, Any]:
    return {k: event[k] for k in ("id", "title", "channelId", "startTime", "templateId")}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"status": "failed", "error": message}, status=status)
