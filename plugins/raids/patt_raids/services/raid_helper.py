"""The optional Raid-Helper connector: its HTTP client and the shapes of what it sends.

Raid-Helper (a third-party Discord event bot) is used by guilds that sign up there; this
mirrors our events into it. Built the way its API documents, which is where the original
went wrong four times (original-behaviour.md §17):

- the base URL is a setting (default ``https://raid-helper.xyz/api/v4``), never hard-coded;
- an event's ``date`` (``D-M-YYYY``, no zero padding) and ``time`` (``HH:MM``) are the start
  in the Raid-Helper server's **local** time zone (a setting, by default the guild's),
  not UTC: Raid-Helper reads them in that zone;
- signups are not part of the create body (Raid-Helper ignores them there): each is its
  own ``POST /events/{id}/signups``;
- ``className`` is a role slot of the template (``Tank``, ``Healer``, ``Melee``, ``Ranged``)
  for an accepted player, a status slot (``Tentative``, ``Bench``, ``Absence``) otherwise,
  never the WoW class; ``specName`` is the template's spelling of the spec;
- an officer's edit is a ``PATCH /events/{id}`` with the changed fields of the create body
  (the same local ``date`` and ``time``), a cancellation a ``DELETE /events/{id}``.

The sync itself (which event, which signups, where the result is stored) is in
:mod:`patt_raids.services.raid_helper_sync`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from patt_raids.config import api_key_problem, base_url_problem

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://raid-helper.xyz/api/v4"
DEFAULT_TEMPLATE = "wowretail2"
ROLE_SLOTS = {"tank": "Tank", "healer": "Healer", "melee": "Melee", "ranged": "Ranged"}
STATUS_SLOTS = {"tentative": "Tentative", "bench": "Bench", "absent": "Absence"}
# wowretail2's specName for a (class, spec) whose name another class shares: the template
# tells them apart with a "1" suffix. Every other spec is sent under its own name (with
# Beast Mastery written as one word).
SPEC_NAMES = {
    ("Warrior", "Protection"): "Protection1",
    ("Paladin", "Holy"): "Holy1",
    ("Shaman", "Restoration"): "Restoration1",
    ("Death Knight", "Frost"): "Frost1",
    ("Hunter", "Beast Mastery"): "Beastmastery",
}
TITLE_LIMIT = 100
DESCRIPTION_LIMIT = 1000


class RaidHelperError(Exception):
    """A refused or failed call. ``retryable``: worth trying again later (outage, 429, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


def role_slot(role_name: str | None) -> str | None:
    """Our role name ("Tank", "Healer", "Melee DPS", "Ranged DPS") -> the template's slot."""
    if not role_name:
        return None
    return ROLE_SLOTS.get(role_name.split()[0].lower())


def spec_name(class_name: str | None, spec: str | None) -> str | None:
    if not class_name or not spec:
        return None
    return SPEC_NAMES.get((class_name, spec), spec)


def local_date_and_time(start_utc: datetime, timezone: str) -> tuple[str, str]:
    """The start as Raid-Helper wants it: ``("D-M-YYYY", "HH:MM")`` in ``timezone``."""
    local = start_utc.astimezone(ZoneInfo(timezone))
    return f"{local.day}-{local.month}-{local.year}", f"{local.hour:02d}:{local.minute:02d}"


def event_body(
    *,
    leader_id: str,
    template_id: str,
    title: str,
    description: str | None,
    duration_minutes: int | None,
    start_utc: datetime,
    timezone: str,
) -> dict[str, Any]:
    """The create-event body (no signups: they are posted one by one afterwards)."""
    day, clock = local_date_and_time(start_utc, timezone)
    body: dict[str, Any] = {
        "leaderId": leader_id,
        "templateId": template_id,
        "date": day,
        "time": clock,
        "title": title[:TITLE_LIMIT],
    }
    if description:
        body["description"] = description[:DESCRIPTION_LIMIT]
    if duration_minutes:
        body["duration"] = int(duration_minutes)
    return body


def signup_body(
    *, discord_id: str, status: str, role: str | None, class_name: str | None, spec: str | None
) -> dict[str, Any]:
    """One player's signup: a role slot (with the spec) when accepted, else the status slot.

    An accepted player whose role is unknown (no main spec) goes to ``Tentative`` rather
    than being refused for a missing ``className``."""
    slot = role_slot(role) if status == "accepted" else STATUS_SLOTS.get(status)
    if slot is None:
        return {"userId": discord_id, "className": "Tentative"}
    body = {"userId": discord_id, "className": slot}
    name = spec_name(class_name, spec) if status == "accepted" else None
    if name:
        body["specName"] = name
    return body


@dataclass(frozen=True)
class Connection:
    """What the connector needs to talk to Raid-Helper (from the raids settings)."""

    base_url: str
    api_key: str
    server_id: str
    timeout: float = 10.0


class RaidHelperClient:
    """A thin client over ``httpx``: one method per call the connector makes.

    A connection that cannot make a request (a key a header cannot carry, a base URL that is
    not one) is refused here with a :class:`RaidHelperError` saying which, never with the
    key's value, rather than failing later as an unexplained error or a misleading outage."""

    def __init__(self, connection: Connection, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        import httpx  # here, not at import: a web process that never syncs does not load it

        self.connection = connection
        problem = api_key_problem(connection.api_key)
        if problem:
            raise RaidHelperError(f"The API key {problem}.")
        problem = base_url_problem(connection.base_url)
        if problem:
            raise RaidHelperError(f"The base URL {problem}.")
        try:
            self._http = httpx.AsyncClient(
                base_url=connection.base_url.rstrip("/"),
                # The key goes in the header as it is: Raid-Helper refuses "Bearer <key>".
                headers={"Authorization": connection.api_key, "Content-Type": "application/json"},
                timeout=connection.timeout,
                transport=transport,
            )
        except (httpx.InvalidURL, ValueError, TypeError) as exc:  # what the checks above missed
            # The exception's text is not repeated: it may quote the header, i.e. the key.
            raise RaidHelperError(f"The connection settings cannot be used ({type(exc).__name__}).") from None

    async def __aenter__(self) -> RaidHelperClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise RaidHelperError(f"Raid-Helper unreachable: {type(exc).__name__}", retryable=True) from exc
        except (httpx.InvalidURL, ValueError, OverflowError) as exc:
            # The request could not even be built (a malformed address): not an outage, and a
            # retry would fail the same way.
            raise RaidHelperError(
                f"The request to Raid-Helper cannot be made ({type(exc).__name__})."
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            found = data if isinstance(data, dict) else {}
            reason = str(found.get("error") or found.get("reason") or response.text)[:200] if found else ""
            retryable = response.status_code == 429 or response.status_code >= 500
            raise RaidHelperError(
                f"Raid-Helper answered {response.status_code}: {reason or 'no reason given'}",
                status=response.status_code,
                retryable=retryable,
            )
        return data if isinstance(data, dict) else {}

    async def test_connection(self) -> int:
        """The number of events Raid-Helper has posted on the server (proves key and server id).

        The listing is paged (``pages``, ``currentPage``, ``eventCountOverall``,
        ``eventCountTransmitted``, ``postedEvents``): the overall count when it is there, else
        the events of this page. An answer without an event list is not Raid-Helper's (a
        wrong base URL that answers 200)."""
        data = await self._call("GET", f"/servers/{self.connection.server_id}/events")
        posted = data.get("postedEvents")
        if not isinstance(posted, list):
            raise RaidHelperError("The answer has no event list: is the base URL Raid-Helper's API?")
        overall = data.get("eventCountOverall")
        if isinstance(overall, int) and not isinstance(overall, bool) and overall >= 0:
            return overall
        return len(posted)

    async def create_event(self, channel_id: str, body: dict[str, Any]) -> str:
        """Create the event in ``channel_id``; returns Raid-Helper's event id."""
        data = await self._call(
            "POST", f"/servers/{self.connection.server_id}/channels/{channel_id}/event", body
        )
        event = data.get("event") if isinstance(data.get("event"), dict) else data
        event_id = event.get("id")
        if not event_id:
            raise RaidHelperError("Raid-Helper created no event id (unexpected answer).")
        return str(event_id)

    async def add_signup(self, event_id: str, body: dict[str, Any]) -> None:
        await self._call("POST", f"/events/{event_id}/signups", body)

    async def edit_event(self, event_id: str, changes: dict[str, Any]) -> None:
        """Change fields of the create body (title, description, date, time, duration)."""
        await self._call("PATCH", f"/events/{event_id}", changes)

    async def delete_event(self, event_id: str) -> bool:
        """Delete the event; False when Raid-Helper no longer has it (deleted there already)."""
        try:
            await self._call("DELETE", f"/events/{event_id}")
        except RaidHelperError as exc:
            if exc.status == 404:
                return False
            raise
        return True
