"""TRUSTED_PROXIES: the per-address login limit counts the forwarded client address only when the
request comes from a trusted proxy. A real uvicorn (the options `patt serve` uses) on loopback,
real HTTP requests carrying X-Forwarded-For as nginx sends it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import ValidationError

from patt_host.config import HostSettings
from patt_host.testing.live import LiveServer


async def _login_statuses(url: str, forwarded_for: list[str]) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for address in forwarded_for:
            response = await http.post(
                "/api/v1/auth/login",
                json={"username": "nobody", "password": "wrong password"},
                headers={"X-Forwarded-For": address},
            )
            statuses.append(response.status_code)
    return statuses


async def _serve_and_log_in(make_host, trusted_proxies: str, forwarded_for: list[str]) -> list[int]:
    host = make_host(trusted_proxies=trusted_proxies)
    server = await asyncio.to_thread(LiveServer(host).start)
    try:
        return await _login_statuses(server.url, forwarded_for)
    finally:
        await asyncio.to_thread(server.stop)


@pytest.fixture(autouse=True)
def _small_limit(monkeypatch):
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_IP_LIMIT", "2")
    monkeypatch.setenv("PATT_IDENTITY_LOGIN_BACKOFF_FREE", "100")  # only the per-address limit counts


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(make_host):
    # The proxy (this test, on 127.0.0.1) is trusted: two failures use up 203.0.113.7's allowance,
    # while 198.51.100.9, behind the same proxy, still gets through to the password check.
    statuses = await _serve_and_log_in(
        make_host, "127.0.0.1", ["203.0.113.7", "203.0.113.7", "203.0.113.7", "198.51.100.9"]
    )
    assert statuses == [401, 401, 429, 401]


async def test_from_an_untrusted_peer_the_forwarded_address_is_ignored(make_host):
    # Only 10.0.0.1 is trusted: the header is the client's own claim, so every request counts
    # against the peer's address, whatever address it claims.
    statuses = await _serve_and_log_in(
        make_host, "10.0.0.1", ["203.0.113.7", "198.51.100.9", "192.0.2.1", "192.0.2.2"]
    )
    assert statuses == [401, 401, 429, 429]


def test_trusted_proxies_accepts_addresses_and_networks_only():
    settings = HostSettings(_env_file=None, trusted_proxies=" 127.0.0.1, 172.28.0.0/24 ,::1")
    assert settings.trusted_proxies == "127.0.0.1,172.28.0.0/24,::1"
    with pytest.raises(ValidationError, match="not an address or network"):
        HostSettings(_env_file=None, trusted_proxies="127.0.0.1,nginx")
