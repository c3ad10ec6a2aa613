"""A real uvicorn server on loopback for browser and load tests (same process, own thread)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from patt_host.api import HostAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """Serves an app built from ``host`` in a background thread with its own event loop.

    ``port`` reuses a known port, e.g. to restart a site where a client expects it.
    """

    def __init__(self, host: HostAPI, *, start_services: bool = False, port: int | None = None):
        from patt_host.app import create_app, quiet_upgrade_warnings, server_options

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(host, start_services=start_services)
        options = server_options(host, app)
        quiet_upgrade_warnings(options)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", **options
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
