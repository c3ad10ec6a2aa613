"""A loopback stand-in for the site's upload API, for the companion's own tests.

It speaks real HTTP (stdlib server in a thread), checks ``X-API-Key``, answers 422 to an
empty upload like the real endpoint, and can be told to fail the next uploads.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "patt_test-key"
UPLOAD_PATH = "/api/v1/guild-sync/addon-upload"


class FakeSite:
    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.uploads: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.script: list[tuple[int, dict]] = []  # answers for the next uploads
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, payload: dict, headers: dict | None = None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                site.requests.append(("GET", self.path))
                if self.path == "/api/health":
                    self._send(200, {"ok": True, "data": {"status": "ok"}})
                else:
                    self._send(404, {"ok": False, "error": {"code": "not_found", "message": "Not found"}})

            def do_POST(self):
                site.requests.append(("POST", self.path))
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != UPLOAD_PATH:
                    return self._send(
                        404, {"ok": False, "error": {"code": "not_found", "message": "Not found"}}
                    )
                if self.headers.get("X-API-Key") != site.api_key:
                    return self._send(
                        401,
                        {
                            "ok": False,
                            "error": {"code": "invalid_api_key", "message": "A valid key is required."},
                        },
                    )
                payload = json.loads(body)
                if not payload.get("characters"):
                    return self._send(
                        422, {"ok": False, "error": {"code": "validation", "message": "no characters"}}
                    )
                with site.lock:
                    status, headers = site.script.pop(0) if site.script else (200, {})
                    if status == 200:
                        site.uploads.append(payload)
                if status == 200:
                    return self._send(
                        200, {"ok": True, "data": {"updated": len(payload["characters"]), "not_found": 0}}
                    )
                return self._send(
                    status,
                    {"ok": False, "error": {"code": "scripted", "message": f"scripted {status}"}},
                    headers,
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *statuses: int, headers: dict | None = None) -> None:
        with self.lock:
            self.script.extend((s, headers or {}) for s in statuses)


def wait_until(check, timeout: float = 10.0, interval: float = 0.02):
    """Polls ``check`` until it returns a truthy value or the deadline passes (then fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
