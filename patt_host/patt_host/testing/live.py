"""A real uvicorn server on loopback for browser and load tests (same process, own thread)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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

    @contextmanager
    def log(self, *names: str) -> Iterator[list[logging.LogRecord]]:
        """The records the server logs while the block runs: uvicorn's loggers and
        ``patt.web`` by default. uvicorn's do not propagate to the root logger (``caplog``
        sees nothing) and its config, made with this server, dropped the handlers they had
        before, so listening starts here, after that."""
        handler = _Records()
        loggers = [logging.getLogger(n) for n in names or ("uvicorn", "uvicorn.error", "patt.web")]
        for logger in loggers:
            logger.addHandler(handler)
        try:
            yield handler.records
        finally:
            for logger in loggers:
                logger.removeHandler(handler)

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


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """The messages of ``records`` that carry a traceback (an unhandled error in a route)."""
    return [
        r.getMessage() for r in records if r.exc_info or "Exception in ASGI application" in r.getMessage()
    ]
