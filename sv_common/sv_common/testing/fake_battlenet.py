"""A loopback fake of Blizzard's Battle.net WoW API for tests, benchmarks and ``patt demo``.

Serves the recorded fixtures (``blizzard_fixtures/``) and generated guilds of any size in
Blizzard's shapes: OAuth client credentials (``POST /oauth/token``), the guild roster,
character profiles, status and professions. It behaves like the real API where the
client's correctness depends on it:

- **rate limit**: at most ``rate_limit`` requests in any one-second window; more get a
  429 with ``Retry-After``. :meth:`max_in_any_second` reports the busiest second seen;
- **conditional requests**: ``If-Modified-Since`` at or after a resource's
  ``Last-Modified`` gets a 304;
- **switches**: :meth:`fail_next` (429 bursts, 5xx), :meth:`delay_next` (timeouts),
  :meth:`corrupt_next` (a 200 whose body cannot be decoded),
  :meth:`set_profile_missing` (404), :meth:`set_profile` (a recorded or odd profile answer),
  :meth:`expire_tokens` (401 until a new token),
  :attr:`roster_status` / :meth:`empty_roster` for a failing or empty roster,
  :attr:`roster_transform` to rewrite roster bodies (other shapes, unreadable entries).

Usage::

    fake = FakeBattleNet()
    fake.load_recorded_guild()            # stormrage/avalerion, 418 members
    fake.generate_guild("my-realm", "my-guild", 1000)
    await fake.start()                    # fake.base_url, fake.oauth_url
    ...
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from importlib import resources
from typing import Any
from urllib.parse import unquote

from aiohttp import web

FIXTURES = "sv_common.testing.blizzard_fixtures"
RECORDED_REALM = "stormrage"
RECORDED_GUILD = "avalerion"
BASE_TIME = 1_700_000_000  # Last-Modified of generated resources (fixed: tests are repeatable)

# Blizzard class id -> (name, [(spec id, spec name)]) — public game data, Evoker included.
CLASSES: dict[int, tuple[str, list[tuple[int, str]]]] = {
    1: ("Warrior", [(71, "Arms"), (72, "Fury"), (73, "Protection")]),
    2: ("Paladin", [(65, "Holy"), (66, "Protection"), (70, "Retribution")]),
    3: ("Hunter", [(253, "Beast Mastery"), (254, "Marksmanship"), (255, "Survival")]),
    4: ("Rogue", [(259, "Assassination"), (260, "Outlaw"), (261, "Subtlety")]),
    5: ("Priest", [(256, "Discipline"), (257, "Holy"), (258, "Shadow")]),
    6: ("Death Knight", [(250, "Blood"), (251, "Frost"), (252, "Unholy")]),
    7: ("Shaman", [(262, "Elemental"), (263, "Enhancement"), (264, "Restoration")]),
    8: ("Mage", [(62, "Arcane"), (63, "Fire"), (64, "Frost")]),
    9: ("Warlock", [(265, "Affliction"), (266, "Demonology"), (267, "Destruction")]),
    10: ("Monk", [(268, "Brewmaster"), (270, "Mistweaver"), (269, "Windwalker")]),
    11: ("Druid", [(102, "Balance"), (103, "Feral"), (104, "Guardian"), (105, "Restoration")]),
    12: ("Demon Hunter", [(577, "Havoc"), (581, "Vengeance")]),
    13: ("Evoker", [(1467, "Devastation"), (1468, "Preservation"), (1473, "Augmentation")]),
}
_SYLLABLES = ("ka", "ri", "mo", "el", "th", "an", "or", "ys", "ul", "ne", "va", "dr", "is", "ó", "ä", "ü")


def recorded(name: str) -> dict[str, Any]:
    """A recorded exchange file from ``blizzard_fixtures`` (``name`` without ``.json``)."""
    text = resources.files(FIXTURES).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def http_date(epoch: float) -> str:
    from datetime import UTC, datetime

    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


@dataclass
class FakeCharacter:
    blizzard_id: int
    name: str
    realm_slug: str
    realm_name: str
    class_id: int
    level: int = 80
    rank: int = 3
    spec_id: int | None = None
    item_level: int = 600
    last_login_ms: int = BASE_TIME * 1000
    modified: float = BASE_TIME  # Last-Modified of its profile
    missing: bool = False  # profile answers 404
    # The professions answer (None: the recorded one) and its own Last-Modified.
    professions: dict[str, Any] | None = None
    professions_modified: float = BASE_TIME
    # The profile answer as sent (a recorded one, any JSON); None: generated from the fields.
    profile_body: Any = None

    def profile(self, guild: FakeGuild | None) -> Any:
        if self.profile_body is not None:
            return self.profile_body
        class_name, specs = CLASSES.get(self.class_id, ("Adventurer", []))
        spec = next((s for s in specs if s[0] == self.spec_id), specs[0] if specs else None)
        body: dict[str, Any] = {
            "id": self.blizzard_id,
            "name": self.name,
            "gender": {"type": "FEMALE", "name": "Female"},
            "faction": {"type": "ALLIANCE", "name": "Alliance"},
            "race": {"name": "Human", "id": 1},
            "character_class": {"name": class_name, "id": self.class_id},
            "realm": {"name": self.realm_name, "id": _realm_id(self.realm_slug), "slug": self.realm_slug},
            "level": self.level,
            "achievement_points": 1000,
            "last_login_timestamp": self.last_login_ms,
            "average_item_level": self.item_level + 2,
            "equipped_item_level": self.item_level,
        }
        if spec is not None:
            body["active_spec"] = {"name": spec[1], "id": spec[0]}
        if guild is not None:
            body["guild"] = {"name": guild.name, "id": guild.blizzard_id, "realm": guild.realm_ref()}
        return body


@dataclass
class FakeGuild:
    realm_slug: str
    slug: str
    name: str
    realm_name: str
    blizzard_id: int
    members: list[FakeCharacter] = field(default_factory=list)

    def realm_ref(self) -> dict[str, Any]:
        return {"name": self.realm_name, "id": _realm_id(self.realm_slug), "slug": self.realm_slug}

    def roster(self) -> dict[str, Any]:
        return {
            "guild": {"name": self.name, "id": self.blizzard_id, "realm": self.realm_ref()},
            "members": [
                {
                    "character": {
                        "name": c.name,
                        "id": c.blizzard_id,
                        "realm": {"id": _realm_id(c.realm_slug), "slug": c.realm_slug},
                        "level": c.level,
                        "playable_class": {"id": c.class_id},
                        "playable_race": {"id": 1},
                    },
                    "rank": c.rank,
                }
                for c in self.members
            ],
        }


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    kind: str


@dataclass
class RecordedRequest:
    at: float
    method: str
    path: str
    status: int
    if_modified_since: str | None


class FakeBattleNet:
    """Battle.net on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",  # noqa: S107 - a fake's fake secret
        rate_limit: int | None = 100,
        token_lifetime: int = 86_400,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.rate_limit = rate_limit
        self.token_lifetime = token_lifetime
        self.guilds: dict[tuple[str, str], FakeGuild] = {}
        self.characters: dict[tuple[str, str], FakeCharacter] = {}  # (realm, lower name)
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.requests: list[RecordedRequest] = []
        self.rate_limited = 0
        self.roster_status: int | None = None  # force the roster to answer this status
        self.roster_empty = False
        # Rewrites each roster body before it is sent (other response shapes, broken entries).
        self.roster_transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self._arrivals: deque[float] = deque()
        self._failures: deque[_Failure] = deque()
        self._delays: deque[tuple[float, str]] = deque()
        self._corrupt: deque[str] = deque()
        self._next_id = 200_000_000
        self._recorded_professions: dict[str, Any] | None = None
        self._encoded: dict[int, tuple[Any, bytes]] = {}  # id(character) -> (body, its JSON)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.oauth_url = ""

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self, port: int = 0, *, control: bool = False) -> None:
        app = web.Application()
        if control:  # for a fake in another process (see _serve_main)
            app.router.add_get("/_fake/stats", self._stats)
            app.router.add_post("/_fake/reset", self._reset)
        app.router.add_post("/oauth/token", self._token)
        app.router.add_get("/data/wow/guild/{realm}/{guild}/roster", self._roster)
        app.router.add_get("/profile/wow/character/{realm}/{name}", self._profile)
        app.router.add_get("/profile/wow/character/{realm}/{name}/status", self._status)
        app.router.add_get("/profile/wow/character/{realm}/{name}/professions", self._professions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{bound}"
        self.oauth_url = f"{self.base_url}/oauth/token"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- building guilds ------------------------------------------------------------------

    def add_guild(
        self, realm_slug: str, slug: str, name: str | None = None, realm_name: str | None = None
    ) -> FakeGuild:
        guild = FakeGuild(
            realm_slug=realm_slug,
            slug=slug,
            name=name or slug.replace("-", " ").title(),
            realm_name=realm_name or realm_slug.replace("-", " ").title(),
            blizzard_id=self._new_id(),
        )
        self.guilds[(realm_slug, slug)] = guild
        return guild

    def add_member(
        self,
        realm_slug: str,
        guild_slug: str,
        name: str,
        *,
        member_realm: str | None = None,
        blizzard_id: int | None = None,
        class_id: int = 8,
        rank: int = 3,
        level: int = 80,
        spec_id: int | None = None,
        item_level: int = 600,
        last_login_ms: int | None = None,
    ) -> FakeCharacter:
        """A member of the guild. ``last_login_ms`` (epoch milliseconds) is its last login, and
        then also its profile's Last-Modified (a login changes the profile); without it both are
        the fixed :data:`BASE_TIME`, so tests are repeatable."""
        guild = self.guilds[(realm_slug, guild_slug)]
        realm = member_realm or realm_slug
        logged_in = (
            {}
            if last_login_ms is None
            else {"last_login_ms": last_login_ms, "modified": last_login_ms / 1000}
        )
        character = FakeCharacter(
            blizzard_id=blizzard_id or self._new_id(),
            name=name,
            realm_slug=realm,
            realm_name=realm.replace("-", " ").title(),
            class_id=class_id,
            rank=rank,
            level=level,
            spec_id=spec_id,
            item_level=item_level,
            **logged_in,
        )
        guild.members.append(character)
        self.characters[(realm, name.lower())] = character
        return character

    def generate_guild(
        self, realm_slug: str, slug: str, count: int, *, realms: tuple[str, ...] = (), seed: int = 7
    ) -> FakeGuild:
        """A guild of ``count`` members with distinct (some accented) names, every class, ranks 0-8;
        members cycle through ``realms`` (connected realms) when given."""
        import random

        rng = random.Random(seed)
        guild = self.add_guild(realm_slug, slug)
        names: set[str] = set()
        all_realms = (realm_slug, *realms)
        while len(guild.members) < count:
            name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
            if name.lower() in names or len(name) < 3:
                continue
            names.add(name.lower())
            index = len(guild.members)
            class_id = index % 13 + 1
            specs = CLASSES[class_id][1]
            self.add_member(
                realm_slug,
                slug,
                name,
                member_realm=all_realms[index % len(all_realms)],
                class_id=class_id,
                rank=0 if index == 0 else min(8, 1 + index % 8),
                spec_id=specs[index % len(specs)][0],
                item_level=580 + index % 80,
            )
        return guild

    def load_recorded_guild(self) -> FakeGuild:
        """The recorded 418-member EU roster (stormrage/avalerion): its guild master Sheday answers
        with the recorded profile (``wow_character.json``), the others with generated ones."""
        exchange = recorded("wow_guild_roster")["exchanges"][0]
        body = exchange["body"]
        recorded_profile = recorded("wow_character")["exchanges"][0]["body"]
        guild_info = body["guild"]
        guild = self.add_guild(
            RECORDED_REALM, RECORDED_GUILD, guild_info.get("name"), guild_info.get("realm", {}).get("name")
        )
        guild.blizzard_id = guild_info.get("id", guild.blizzard_id)
        for entry in body["members"]:
            c = entry["character"]
            realm = c["realm"]["slug"]
            character = FakeCharacter(
                blizzard_id=c["id"],
                name=c["name"],
                realm_slug=realm,
                realm_name=realm.title(),
                class_id=c["playable_class"]["id"],
                level=c.get("level", 1),
                rank=entry["rank"],
            )
            if c["id"] == recorded_profile["id"]:
                character.profile_body = recorded_profile
            guild.members.append(character)
            self.characters[(realm, c["name"].lower())] = character
        return guild

    def guild(self, realm_slug: str, slug: str) -> FakeGuild:
        return self.guilds[(realm_slug, slug)]

    def character(self, realm_slug: str, name: str) -> FakeCharacter:
        return self.characters[(realm_slug, name.lower())]

    # -- changing the world -----------------------------------------------------------------

    def remove_member(self, realm_slug: str, guild_slug: str, name: str) -> None:
        guild = self.guilds[(realm_slug, guild_slug)]
        guild.members = [m for m in guild.members if m.name.lower() != name.lower()]

    def rename(self, realm_slug: str, old_name: str, new_name: str, *, new_realm: str | None = None) -> None:
        """A rename or realm transfer: same Blizzard id, new name/realm, fresh Last-Modified."""
        character = self.characters.pop((realm_slug, old_name.lower()))
        character.name = new_name
        if new_realm:
            character.realm_slug = new_realm
            character.realm_name = new_realm.title()
        character.modified = time.time()
        self.characters[(character.realm_slug, new_name.lower())] = character

    def touch(self, character: FakeCharacter, **changes: Any) -> None:
        """Change a character's profile (and its Last-Modified)."""
        for key, value in changes.items():
            setattr(character, key, value)
        character.modified = time.time()

    def set_profile(self, character: FakeCharacter, body: Any) -> None:
        """Answer the character's profile with ``body`` as it is (a recorded answer, an odd
        shape); its Last-Modified moves."""
        character.profile_body = body
        character.modified = max(time.time(), character.modified + 1)

    def set_professions(self, character: FakeCharacter, body: dict[str, Any] | Any) -> None:
        """Replace a character's professions answer (any JSON, also a malformed one) and its
        Last-Modified."""
        character.professions = body
        character.professions_modified = max(time.time(), character.professions_modified + 1)

    def generate_professions(
        self, realm_slug: str, guild_slug: str, *, recipes: int = 2000, share: float = 0.08, seed: int = 11
    ) -> dict[int, str]:
        """Give every member of a guild professions in Blizzard's shape, drawn from a catalogue of
        ``recipes`` generated recipes (crafting professions across expansions, some accented
        names), plus Cooking and the recipe-less Fishing; each character knows about ``share`` of
        its two professions' recipes (a real character knows a few hundred); returns the
        catalogue (id -> name)."""
        import random

        rng = random.Random(seed)
        catalogue = generated_recipe_catalogue(recipes, seed=seed)
        by_profession: dict[int, list[tuple[int, int, str, list[tuple[int, str]]]]] = {}
        for (profession_id, tier_id, tier_name), entries in catalogue.items():
            by_profession.setdefault(profession_id, []).append((profession_id, tier_id, tier_name, entries))
        crafting = [p for p in by_profession if p != COOKING[0]]
        for character in self.guilds[(realm_slug, guild_slug)].members:
            chosen = rng.sample(crafting, k=min(2, len(crafting)))
            primaries = []
            for profession_id in chosen:
                tiers = []
                for _, tier_id, tier_name, entries in by_profession[profession_id]:
                    known = [e for e in entries if rng.random() < share]
                    tiers.append((tier_id, tier_name, known))
                primaries.append((profession_id, PROFESSION_NAMES[profession_id], tiers))
            cooking = [
                (tier_id, tier_name, [e for e in entries if rng.random() < share / 2])
                for _, tier_id, tier_name, entries in by_profession.get(COOKING[0], [])
            ]
            secondaries = [(COOKING[0], COOKING[1], cooking), (FISHING[0], FISHING[1], FISHING_TIERS)]
            character.professions = professions_body(primaries, secondaries)
        return {recipe_id: name for entries in catalogue.values() for recipe_id, name in entries}

    def set_profile_missing(self, realm_slug: str, name: str, missing: bool = True) -> None:
        self.character(realm_slug, name).missing = missing

    def empty_roster(self, empty: bool = True) -> None:
        self.roster_empty = empty

    def fail_next(
        self, count: int, status: int = 500, *, retry_after: float | None = None, kind: str = "any"
    ) -> None:
        """The next ``count`` API requests of ``kind`` (any | roster | profile) answer ``status``."""
        for _ in range(count):
            self._failures.append(_Failure(status, retry_after, kind))

    def delay_next(self, count: int, seconds: float, *, kind: str = "any") -> None:
        """The next ``count`` API requests stall for ``seconds`` (a client timeout)."""
        for _ in range(count):
            self._delays.append((seconds, kind))

    def corrupt_next(self, count: int, *, kind: str = "any") -> None:
        """The next ``count`` API requests of ``kind`` answer 200 with a body that claims gzip
        but is not (the client cannot decode it: a broken proxy or a cut connection)."""
        self._corrupt.extend([kind] * count)

    def expire_tokens(self) -> None:
        """Every issued token stops working (401) until the client fetches a new one."""
        self.tokens.clear()

    # -- reports -----------------------------------------------------------------------

    def api_requests(self, kind: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if kind is None or _kind(r.path) == kind]

    def count(self, status: int, kind: str | None = None) -> int:
        return sum(1 for r in self.api_requests(kind) if r.status == status)

    def max_in_any_second(self) -> int:
        """The most API requests that arrived within any one-second window."""
        stamps = sorted(r.at for r in self.requests)
        best, start = 0, 0
        for end, at in enumerate(stamps):
            while at - stamps[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def reset_log(self) -> None:
        self.requests.clear()
        self.rate_limited = 0

    def stats(self) -> dict[str, int]:
        return {
            "requests": len(self.requests),
            "max_in_any_second": self.max_in_any_second(),
            "rate_limited": self.rate_limited,
            "not_modified": self.count(304),
            "token_requests": self.token_requests,
        }

    # -- handlers ----------------------------------------------------------------------

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset_log()
        return web.json_response({"ok": True})

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        auth = request.headers.get("Authorization", "")
        form = await request.post()
        import base64

        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != expected or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return web.json_response(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_lifetime,
                "sub": self.client_id,
            }
        )

    async def _gate(self, request: web.Request, kind: str) -> web.Response | None:
        """Rate limit, injected failures and auth; None lets the request through."""
        now = time.monotonic()
        if self.rate_limit is not None:
            while self._arrivals and now - self._arrivals[0] >= 1.0:
                self._arrivals.popleft()
            if len(self._arrivals) >= self.rate_limit:
                self.rate_limited += 1
                self._arrivals.append(now)
                return _error(429, "Too Many Requests", retry_after=1)
            self._arrivals.append(now)
        delay = self._take(self._delays, kind, key=lambda d: d[1])
        if delay is not None:
            await asyncio.sleep(delay[0])
        failure = self._take(self._failures, kind, key=lambda f: f.kind)
        if failure is not None:
            return _error(failure.status, "Injected failure", retry_after=failure.retry_after)
        if self._take(self._corrupt, kind, key=lambda k: k) is not None:
            return web.Response(
                status=200,
                body=b"{not gzip",
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _error(401, "Unauthorized")
        return None

    @staticmethod
    def _take(queue: deque, kind: str, *, key) -> Any:
        for index, item in enumerate(queue):
            if key(item) in ("any", kind):
                del queue[index]
                return item
        return None

    def _record(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        self.requests.append(
            RecordedRequest(
                time.monotonic(),
                request.method,
                request.path,
                response.status,
                request.headers.get("If-Modified-Since"),
            )
        )
        return response

    async def _roster(self, request: web.Request) -> web.StreamResponse:
        refused = await self._gate(request, "roster")
        if refused is not None:
            return self._record(request, refused)
        if self.roster_status is not None:
            return self._record(request, _error(self.roster_status, "Forced roster status"))
        guild = self.guilds.get((request.match_info["realm"], request.match_info["guild"]))
        if guild is None:
            return self._record(request, _error(404, "Not Found"))
        body = guild.roster()
        if self.roster_empty:
            body["members"] = []
        if self.roster_transform is not None:
            body = self.roster_transform(body)
        return self._record(
            request, web.json_response(body, headers={"Last-Modified": http_date(time.time())})
        )

    def _find(self, request: web.Request) -> FakeCharacter | None:
        key = (request.match_info["realm"], unquote(request.match_info["name"]).lower())
        character = self.characters.get(key)
        return None if character is None or character.missing else character

    def _guild_of(self, character: FakeCharacter) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if character in g.members), None)

    async def _conditional(
        self, request: web.Request, kind: str, body_fn, modified_of=None
    ) -> web.StreamResponse:
        refused = await self._gate(request, kind)
        if refused is not None:
            return self._record(request, refused)
        character = self._find(request)
        if character is None:
            return self._record(request, _error(404, "Not Found"))
        stamp = character.modified if modified_of is None else modified_of(character)
        modified = http_date(stamp)
        since = request.headers.get("If-Modified-Since")
        if since:
            try:
                if parsedate_to_datetime(since).timestamp() >= int(stamp):
                    return self._record(
                        request, web.Response(status=304, headers={"Last-Modified": modified})
                    )
            except (TypeError, ValueError):
                pass
        answer = body_fn(character)
        if not isinstance(answer, web.Response):
            answer = web.json_response(answer)
        answer.headers["Last-Modified"] = modified
        return self._record(request, answer)

    async def _profile(self, request: web.Request) -> web.StreamResponse:
        return await self._conditional(request, "profile", lambda c: c.profile(self._guild_of(c)))

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return await self._conditional(request, "status", lambda c: {"id": c.blizzard_id, "is_valid": True})

    async def _professions(self, request: web.Request) -> web.StreamResponse:
        return await self._conditional(
            request, "professions", self._professions_answer, modified_of=lambda c: c.professions_modified
        )

    def _professions_answer(self, character: FakeCharacter) -> web.Response:
        """The answer's JSON, encoded once per body: Blizzard serves it from its own cache, and a
        benchmark should not count this process re-encoding a few hundred recipes per request
        against the client's time on a shared machine."""
        body = character.professions
        if body is None:
            if self._recorded_professions is None:
                self._recorded_professions = recorded("wow_character_professions")["exchanges"][0]["body"]
            body = self._recorded_professions
        cached = self._encoded.get(id(character))
        if cached is None or cached[0] is not body:
            cached = self._encoded[id(character)] = (body, json.dumps(body).encode())
        return web.Response(body=cached[1], content_type="application/json", charset="utf-8")


# --- generated professions (Blizzard's shape, see wow_character_professions.json) -------------

PROFESSION_NAMES = {
    171: "Alchemy",
    164: "Blacksmithing",
    333: "Enchanting",
    202: "Engineering",
    773: "Inscription",
    755: "Jewelcrafting",
    165: "Leatherworking",
    197: "Tailoring",
    185: "Cooking",
    356: "Fishing",
}
COOKING = (185, "Cooking")
FISHING = (356, "Fishing")
# Tier prefixes by expansion, oldest first; "" is the original game ("Alchemy").
TIER_PREFIXES = (
    "",
    "Outland",
    "Northrend",
    "Cataclysm",
    "Pandaria",
    "Draenor",
    "Legion",
    "Kul Tiran",
    "Shadowlands",
    "Dragon Isles",
    "Khaz Algar",
)
FISHING_TIERS = [(2592, "Fishing", []), (2585, "Kul Tiran Fishing", [])]
_ADJECTIVES = (
    "Algari",
    "Mighty",
    "Tempered",
    "Élégant",
    "Radiant",
    "Shadowed",
    "Frozen",
    "Blazing",
    "Ancient",
    "Ornate",
    "Gilded",
    "Crystalline",
    "Storm",
    "Verdant",
    "Ashen",
    "Ethereal",
    "Runed",
    "Sturdy",
    "Brilliant",
    "Dämmer",
    "Hallowed",
    "Molten",
    "Arcane",
    "Feral",
    "Primal",
    "Sunlit",
    "Moonlit",
    "Tidal",
    "Earthen",
    "Ravenous",
)
_MATERIALS = (
    "Healing",
    "Mana",
    "Iron",
    "Silk",
    "Leather",
    "Bronze",
    "Mithril",
    "Thorium",
    "Obsidian",
    "Draconic",
    "Bismuth",
    "Ironclaw",
    "Null",
    "Spider",
    "Storm",
    "Azure",
    "Crimson",
    "Jade",
    "Ember",
    "Frost",
    "Void",
    "Light",
    "Sage",
    "Wisdom",
    "Sagesse",
    "Fury",
    "Swift",
    "Stone",
    "Star",
    "Dawn",
)
_ITEMS = (
    "Potion",
    "Flask",
    "Elixir",
    "Breastplate",
    "Gauntlets",
    "Boots",
    "Ring",
    "Necklace",
    "Scope",
    "Bracers",
    "Cloak",
    "Robe",
    "Helm",
    "Shield",
    "Sword",
    "Axe",
    "Staff",
    "Wand",
    "Gem",
    "Spellthread",
    "Armor Kit",
    "Bandage",
    "Feast",
    "Stew",
    "Glyph",
    "Contract",
    "Missive",
    "Enchant",
    "Gizmo",
    "Belt",
)


def generated_recipe_catalogue(
    count: int, *, seed: int = 11
) -> dict[tuple[int, int, str], list[tuple[int, str]]]:
    """``count`` distinct recipes spread over professions and expansion tiers:
    (profession id, tier id, tier name) -> [(recipe id, name)]. Deterministic for a seed."""
    import itertools
    import random

    rng = random.Random(seed)
    names = [" ".join(parts) for parts in itertools.product(_ADJECTIVES, _MATERIALS, _ITEMS)]
    rng.shuffle(names)
    professions = [p for p in PROFESSION_NAMES if p != FISHING[0]]
    slots = [(p, index) for p in professions for index in range(len(TIER_PREFIXES))]
    catalogue: dict[tuple[int, int, str], list[tuple[int, str]]] = {}
    for n in range(count):
        profession_id, expansion = slots[n % len(slots)]
        base = names[n % len(names)]
        name = base if n < len(names) else f"{base} {n // len(names) + 1}"
        prefix = TIER_PREFIXES[expansion]
        tier_name = f"{prefix} {PROFESSION_NAMES[profession_id]}".strip()
        tier_id = 3000 + profession_id * 20 + expansion
        catalogue.setdefault((profession_id, tier_id, tier_name), []).append((100_000 + n, name))
    return catalogue


def _recipe_ref(recipe_id: int, name: str) -> dict[str, Any]:
    # As Blizzard sends each known recipe: with its key (about half of the answer's bytes).
    href = f"https://eu.api.blizzard.com/data/wow/recipe/{recipe_id}?namespace=static-11.0.7_58238-eu"
    return {"key": {"href": href}, "name": name, "id": recipe_id}


def professions_body(primaries, secondaries=()) -> dict[str, Any]:
    """A professions answer: each profession is (id, name, [(tier id, tier name, [(recipe id, name)])])."""

    def profession(entry):
        profession_id, name, tiers = entry
        return {
            "profession": {
                "key": {"href": f"https://example.invalid/profession/{profession_id}"},
                "name": name,
                "id": profession_id,
            },
            "tiers": [
                {
                    "skill_points": 100,
                    "max_skill_points": 100,
                    "tier": {"name": tier_name, "id": tier_id},
                    **(
                        {"known_recipes": [_recipe_ref(r_id, r_name) for r_id, r_name in known]}
                        if known
                        else {}
                    ),
                }
                for tier_id, tier_name, known in tiers
            ],
        }

    return {
        "_links": {"self": {"href": "https://example.invalid/professions"}},
        "primaries": [profession(p) for p in primaries],
        "secondaries": [profession(p) for p in secondaries],
    }


def _kind(path: str) -> str:
    if path.endswith("/roster"):
        return "roster"
    if path.endswith("/status"):
        return "status"
    if path.endswith("/professions"):
        return "professions"
    return "profile"


def _error(status: int, detail: str, *, retry_after: float | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.json_response(
        {"code": status, "type": f"BLZWEBAPI{status:08d}", "detail": detail}, status=status, headers=headers
    )


def _realm_id(slug: str) -> int:
    import zlib

    return zlib.crc32(slug.encode()) % 5000 + 1


async def _serve_main(args: list[str]) -> None:
    """``python -m sv_common.testing.fake_battlenet REALM GUILD MEMBERS [PORT [CLIENT_ID [RECIPES]]]``: serve a generated
    guild in its own process (benchmarks: the server's clock is then not slowed by the client);
    ``GET /_fake/stats`` reports what it saw, ``POST /_fake/reset`` forgets it."""
    realm, guild_slug, members = args[0], args[1], int(args[2])
    port = int(args[3]) if len(args) > 3 else 0
    fake = FakeBattleNet(client_id=args[4] if len(args) > 4 else "fake-client-id")
    fake.generate_guild(realm, guild_slug, members, realms=(f"{realm}-connected",))
    if len(args) > 5:  # professions from a catalogue of this many recipes
        fake.generate_professions(realm, guild_slug, recipes=int(args[5]))
    await fake.start(port, control=True)
    print(fake.base_url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve_main(sys.argv[1:]))
