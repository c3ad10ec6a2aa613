"""An httpx client over the ASGI app that behaves like the site's own JavaScript."""

from __future__ import annotations

from typing import Any

import httpx

from sv_common.auth.constants import AUTH_COOKIE
from sv_common.auth.csrf import CSRF_HEADER, csrf_cookie_name, new_csrf_token

#: The signing secret of every test host (long enough for production rules).
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


class PattClient(httpx.AsyncClient):
    """Sends the CSRF cookie and header like a page would; set ``send_csrf = False`` to test refusal.

    Like a browser that loads a page, it always holds the CSRF token of its *current*
    session: the server's when a response sets one (a login rotates it), else one minted for
    whatever session cookie the jar holds (a test may plant one).
    """

    def __init__(
        self,
        app: Any,
        *,
        client_address: str = "127.0.0.1",
        raise_app_exceptions: bool = False,
        **kwargs: Any,
    ):
        kwargs.setdefault("base_url", "http://testserver")
        kwargs.setdefault("follow_redirects", False)
        # ``client_address`` is the IP the app sees (rate limits are per client address).
        # ``raise_app_exceptions``: an exception the app raises after answering reaches the
        # test; behind uvicorn it is a logged traceback and a closed connection.
        transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=raise_app_exceptions, client=(client_address, 50000)
        )
        super().__init__(transport=transport, **kwargs)
        self.app = app
        self.host = app.state.host
        self.csrf_cookie = csrf_cookie_name(self.host.settings.production)
        self._csrf_session: str | None = None
        self._set_csrf(new_csrf_token(self.host.secret))
        self.send_csrf = True

    def _cookie(self, name: str) -> str | None:
        values = [c.value for c in self.cookies.jar if c.name == name]
        return values[-1] if values else None

    def _set_csrf(self, token: str) -> None:
        # Keep exactly one CSRF cookie in the jar (a browser replaces it the same way).
        for cookie in [c for c in self.cookies.jar if c.name == self.csrf_cookie]:
            self.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
        self.cookies.set(self.csrf_cookie, token)
        self._csrf_token = token
        self._csrf_session = self._cookie(AUTH_COOKIE)

    @property
    def csrf_token(self) -> str:
        """The token a page of the current session would carry."""
        session = self._cookie(AUTH_COOKIE)
        if session != self._csrf_session:
            self._set_csrf(new_csrf_token(self.host.secret, session))
        return self._csrf_token

    async def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:
        if self.send_csrf and method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault(CSRF_HEADER, self.csrf_token)
            kwargs["headers"] = headers
        response = await super().request(method, url, **kwargs)
        fresh = response.cookies.get(self.csrf_cookie)
        if fresh:
            self._set_csrf(fresh)
        return response

    def data(self, response: httpx.Response) -> Any:
        """The ``data`` of a successful envelope (asserts the envelope is ok)."""
        body = response.json()
        assert body["ok"] is True, body
        return body["data"]
