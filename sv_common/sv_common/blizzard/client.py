"""The Blizzard API client: OAuth, pacing, retries, conditional requests, outcomes."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sv_common.blizzard.config import BlizzardConfig
from sv_common.blizzard.pacing import RequestPacer
from sv_common.blizzard.parsing import Roster, parse_profile, parse_roster

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("sv_common.blizzard")


class BlizzardError(Exception):
    """A call whose failure the caller must handle as a whole (the roster, the OAuth token)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class Outcome(StrEnum):
    UPDATED = "updated"  # 200: fresh data
    NOT_MODIFIED = "not_modified"  # 304: unchanged since the Last-Modified we sent
    UNAVAILABLE = "unavailable"  # 404: hidden, transferred, inactive ... not "left the guild"
    ERROR = "error"  # anything else, after retries


@dataclass
class FetchResult:
    outcome: Outcome
    status: int | None = None
    data: Any = None  # the parsed body (or a parsed model for typed calls)
    last_modified: str | None = None
    error: str | None = None
    attempts: int = 0


@dataclass
class RequestStats:
    """What this client sent: API requests (every attempt), 304s, retries, 429s, token fetches."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limited: int = 0
    token_fetches: int = 0
    by_status: Counter = field(default_factory=Counter)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, min(float(value), 120.0)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class BlizzardClient:
    """One per process or job; reuse it for every call (``async with BlizzardClient(...)``)."""

    def __init__(
        self,
        config: BlizzardConfig,
        *,
        redis: Any = None,
        pacer: RequestPacer | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        import httpx  # on first use: a web process that never syncs does not load it

        self.config = config
        limits = httpx.Limits(
            max_connections=config.concurrency, max_keepalive_connections=config.concurrency
        )
        self.http = httpx.AsyncClient(timeout=config.timeout_seconds, limits=limits, transport=transport)
        self.pacer = pacer or RequestPacer(
            key=f"{config.rate_limit_namespace}:{config.client_id or 'anonymous'}",
            per_second=config.requests_per_second,
            per_hour=config.requests_per_hour,
            redis=redis,
            second_window=config.rate_window_seconds,
        )
        self.stats = RequestStats()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._token: str | None = None
        self._token_refresh_at = 0.0
        self._token_lock = asyncio.Lock()

    async def __aenter__(self) -> BlizzardClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- OAuth ------------------------------------------------------------------------

    async def access_token(self, *, stale: str | None = None) -> str:
        """A valid token; fetched once for all concurrent callers, refreshed before expiry.

        ``stale`` is a token the API just refused (401): it is replaced unless another
        caller already did.
        """
        async with self._token_lock:
            fresh = self._token is not None and time.monotonic() < self._token_refresh_at
            if fresh and (stale is None or stale != self._token):
                return self._token
            self._token = await self._fetch_token()
            return self._token

    async def _fetch_token(self) -> str:
        import httpx

        cfg = self.config
        if not cfg.client_id or not cfg.client_secret:
            raise BlizzardError("Blizzard client id and secret are not configured")
        for attempt in range(cfg.max_retries + 1):
            self.stats.token_fetches += 1
            try:
                response = await self.http.post(
                    cfg.oauth_url,
                    data={"grant_type": "client_credentials"},
                    auth=(cfg.client_id, cfg.client_secret),
                )
            except httpx.RequestError as exc:
                if attempt == cfg.max_retries:
                    raise BlizzardError(f"OAuth token request failed: {type(exc).__name__}") from exc
                await self._backoff(attempt + 1)
                continue
            if response.status_code >= 500 or response.status_code == 429:
                if attempt == cfg.max_retries:
                    raise BlizzardError("OAuth server unavailable", status=response.status_code)
                await self._backoff(attempt + 1, _retry_after(response))
                continue
            if response.status_code != 200:
                raise BlizzardError(
                    "OAuth token refused: check BLIZZARD_CLIENT_ID and BLIZZARD_CLIENT_SECRET",
                    status=response.status_code,
                )
            try:
                body = response.json()
                token = str(body["access_token"])
                expires_in = float(body.get("expires_in") or 86400)
            except (ValueError, KeyError, TypeError) as exc:
                raise BlizzardError("OAuth token response is malformed") from exc
            margin = min(cfg.token_refresh_margin_seconds, expires_in / 2)
            self._token_refresh_at = time.monotonic() + expires_in - margin
            return token
        raise BlizzardError("OAuth token request failed")  # pragma: no cover - loop always returns

    # -- requests ---------------------------------------------------------------------

    async def _backoff(self, attempt: int, retry_after: float | None = None) -> None:
        self.stats.retries += 1
        if retry_after is not None:
            delay = retry_after + random.uniform(0, 0.1)
        else:
            ceiling = min(self.config.backoff_max_seconds, self.config.backoff_base_seconds * 2**attempt)
            delay = random.uniform(ceiling / 2, ceiling)  # jitter: concurrent retries spread out
        await asyncio.sleep(delay)

    async def fetch(
        self,
        path: str,
        *,
        namespace: str = "profile",
        if_modified_since: str | None = None,
    ) -> FetchResult:
        """GET ``path`` (``namespace`` = profile | dynamic | static); never raises for HTTP errors."""
        import httpx

        cfg = self.config
        url = cfg.api_url.rstrip("/") + path
        params = {"namespace": f"{namespace}-{cfg.region}", "locale": cfg.locale}
        attempts = 0
        refreshed = False
        async with self._slots:
            while True:
                try:
                    token = await self.access_token()
                except BlizzardError as exc:
                    return FetchResult(Outcome.ERROR, exc.status, error=str(exc), attempts=attempts)
                headers = {"Authorization": f"Bearer {token}"}
                if if_modified_since:
                    headers["If-Modified-Since"] = if_modified_since
                slot = await self.pacer.acquire()
                attempts += 1
                self.stats.requests += 1
                try:
                    response = await self.http.get(url, params=params, headers=headers)
                # Timeouts, resets and bodies that cannot be decoded: all retried, never raised.
                except httpx.RequestError as exc:
                    response = None
                    failure = type(exc).__name__
                finally:
                    # Also on cancellation: the slot frees one window after the answer (or giving up).
                    await self.pacer.release(slot)
                if response is None:
                    self.stats.by_status[failure] += 1
                    if attempts > cfg.max_retries:
                        return FetchResult(Outcome.ERROR, error=failure, attempts=attempts)
                    await self._backoff(attempts)
                    continue
                status = response.status_code
                self.stats.by_status[status] += 1
                if status == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        return FetchResult(Outcome.ERROR, status, error="invalid JSON", attempts=attempts)
                    return FetchResult(
                        Outcome.UPDATED,
                        status,
                        data=body,
                        last_modified=response.headers.get("last-modified"),
                        attempts=attempts,
                    )
                if status == 304:
                    self.stats.not_modified += 1
                    return FetchResult(
                        Outcome.NOT_MODIFIED,
                        status,
                        last_modified=response.headers.get("last-modified") or if_modified_since,
                        attempts=attempts,
                    )
                if status == 404:
                    return FetchResult(Outcome.UNAVAILABLE, status, attempts=attempts)
                if status == 401 and not refreshed:
                    refreshed = True  # the token expired early or was revoked: one fresh try
                    try:
                        await self.access_token(stale=token)
                    except BlizzardError as exc:
                        return FetchResult(Outcome.ERROR, exc.status, error=str(exc), attempts=attempts)
                    continue
                if status == 429 or status >= 500:
                    if status == 429:
                        self.stats.rate_limited += 1
                    if attempts > cfg.max_retries:
                        return FetchResult(Outcome.ERROR, status, error=f"HTTP {status}", attempts=attempts)
                    await self._backoff(attempts, _retry_after(response) if status == 429 else None)
                    continue
                return FetchResult(Outcome.ERROR, status, error=f"HTTP {status}", attempts=attempts)

    # -- typed calls --------------------------------------------------------------------

    @staticmethod
    def character_path(realm_slug: str, name: str, suffix: str = "") -> str:
        return f"/profile/wow/character/{quote(realm_slug.lower(), safe='')}/{quote(name.lower(), safe='')}{suffix}"

    async def guild_roster(self, realm_slug: str, guild_slug: str) -> Roster:
        """The guild's members; raises :class:`BlizzardError` when the roster cannot be had."""
        path = f"/data/wow/guild/{quote(realm_slug.lower(), safe='')}/{quote(guild_slug.lower(), safe='')}/roster"
        result = await self.fetch(path)
        if result.outcome is Outcome.UNAVAILABLE:
            raise BlizzardError(f"guild {guild_slug!r} on {realm_slug!r} not found", status=404)
        if result.outcome is not Outcome.UPDATED:
            raise BlizzardError(f"roster request failed: {result.error}", status=result.status)
        return parse_roster(result.data, default_realm=realm_slug)

    async def character_profile(
        self, realm_slug: str, name: str, *, if_modified_since: str | None = None
    ) -> FetchResult:
        """The profile summary; ``data`` is a :class:`CharacterProfile` when updated."""
        result = await self.fetch(self.character_path(realm_slug, name), if_modified_since=if_modified_since)
        if result.outcome is Outcome.UPDATED:
            result.data = parse_profile(result.data)
        return result

    async def character_status(self, realm_slug: str, name: str) -> FetchResult:
        """``{id, is_valid}``: whether the character still exists as the same one."""
        return await self.fetch(self.character_path(realm_slug, name, "/status"))

    async def character_professions(
        self, realm_slug: str, name: str, *, if_modified_since: str | None = None
    ) -> FetchResult:
        """The raw professions body (primaries, secondaries with tiers and known recipes)."""
        return await self.fetch(
            self.character_path(realm_slug, name, "/professions"), if_modified_since=if_modified_since
        )
