"""Talks to the site's upload API: ``POST /api/v1/guild-sync/addon-upload`` with ``X-API-Key``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from patt_companion import __version__

UPLOAD_PATH = "/api/v1/guild-sync/addon-upload"
HEALTH_PATH = "/api/health"
# Answers that a later attempt can change (server down or busy, key or URL being fixed);
# anything else 4xx means this body will never be accepted.
RETRYABLE_STATUS = {401, 403, 404, 408, 409, 425, 429}


@dataclass(frozen=True)
class Outcome:
    """What one upload attempt achieved."""

    ok: bool
    retry: bool
    message: str
    result: Any = None
    retry_after: float = 0.0


def site_root(url: str) -> str:
    """The site's root URL; accepts the original companion's ``.../api`` form too."""
    url = url.strip().rstrip("/")
    for suffix in (UPLOAD_PATH, "/api/v1", "/api"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    return url


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, min(3600.0, float(response.headers.get("Retry-After", "0"))))
    except ValueError:
        return 0.0


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        text = error.get("message") or error.get("code")
    except (ValueError, AttributeError):
        text = None
    return f"HTTP {response.status_code}: {text or response.reason_phrase}"


class SiteClient:
    """One site and API key; ``transport`` lets tests hand in any httpx transport."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 30.0, transport: Any = None):
        self.root = site_root(url)
        self.http = httpx.Client(
            base_url=self.root,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"patt-companion/{__version__}", "X-API-Key": api_key},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SiteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upload(self, body: str) -> Outcome:
        """Sends one queued body (already JSON text) and classifies the answer."""
        try:
            response = self.http.post(UPLOAD_PATH, content=body, headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            return Outcome(False, True, f"cannot reach {self.root}: {exc.__class__.__name__}")
        if response.is_success:
            try:
                result = response.json()
            except ValueError:
                result = None
            return Outcome(True, False, f"HTTP {response.status_code}", result=result)
        retry = response.status_code in RETRYABLE_STATUS or response.status_code >= 500
        message = _error_message(response)
        if response.status_code in (401, 403):
            message += " (check the API key: patt-companion setup)"
        return Outcome(False, retry, message, retry_after=_retry_after(response))

    def check(self) -> Outcome:
        """Checks the site answers and takes the key, without uploading anything.

        An upload with no characters is refused by the server either way; the status tells
        whether the key was accepted (422: the body was looked at) or refused (401/403).
        """
        try:
            health = self.http.get(HEALTH_PATH)
        except httpx.HTTPError as exc:
            return Outcome(False, True, f"cannot reach {self.root}: {exc.__class__.__name__}")
        if health.status_code == 404:
            return Outcome(False, False, f"{self.root} does not look like a PATT site (no {HEALTH_PATH})")
        probe = json.dumps(
            {"characters": [], "addon_version": "check", "uploaded_by": "patt-companion setup"}
        )
        try:
            response = self.http.post(
                UPLOAD_PATH, content=probe, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            return Outcome(False, True, f"cannot reach {self.root}: {exc.__class__.__name__}")
        if response.status_code in (401, 403):
            return Outcome(False, False, "the site refused this API key")
        if response.status_code == 404:
            return Outcome(False, False, "this site has no addon upload API (is guild sync enabled?)")
        if response.status_code in (400, 422) or response.is_success:
            return Outcome(True, False, "site and API key OK")
        return Outcome(False, True, _error_message(response))
