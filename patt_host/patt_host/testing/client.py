"""An httpx client over the ASGI app that behaves like the site's own JavaScript."""

from __future__ import annotations

from typing import Any

import httpx

from sv_common.auth.csrf import CSRF_COOKIE, CSRF_HEADER, new_csrf_token

#: The signing secret of every test host (long enough for production rules).
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


class PattClient(httpx.AsyncClient):
    """Sends the CSRF cookie and header like a page would; set ``send_csrf = False`` to test refusal."""

    def __init__(self, app: Any, *, client_address: str = "127.0.0.1", **kwargs: Any):
        kwargs.setdefault("base_url", "http://testserver")
        kwargs.setdefault("follow_redirects", False)
        # ``client_address`` is the IP the app sees (rate limits are per client address).
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(client_address, 50000))
        super().__init__(transport=transport, **kwargs)
        self.app = app
        self.host = app.state.host
        self.csrf_token = new_csrf_token(self.host.secret)
        self.cookies.set(CSRF_COOKIE, self.csrf_token)
        self.send_csrf = True

    async def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:
        if self.send_csrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault(CSRF_HEADER, self.csrf_token)
            kwargs["headers"] = headers
        return await super().request(method, url, **kwargs)

    def data(self, response: httpx.Response) -> Any:
        """The ``data`` of a successful envelope (asserts the envelope is ok)."""
        body = response.json()
        assert body["ok"] is True, body
        return body["data"]
