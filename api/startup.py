"""Listening before the store is ready: what `aiprogress serve` hands uvicorn.

Importing the web stack and opening (or migrating, or filling) a large
store takes seconds, and a server that does not answer for seconds looks
dead to a browser, a supervisor or a test. `Starting` is an ASGI
application that answers from the first moment: it builds the real one
(`build`, run in a background thread) and meanwhile

- answers `/healthz` with `{"status": "preparing", "preparing": [...]}`,
  naming what is still being made (200: the server is alive);
- holds every other request until the real application is ready (up to
  WAIT_SECONDS), then hands it over; after that it says "preparing" in the
  one JSON error shape with status 503 and Retry-After;
- runs the real application's lifespan once it exists, so its shutdown
  (closing the database, stopping the SPARQL worker) still happens.

If building fails, the error is kept for `serve` to report (one line and
an exit code, as every CLI error) and `stop` is called to end the server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from .http_errors import raw_error

log = logging.getLogger("aiprogress.api")

# How long a request waits for the application before it is told to come back.
WAIT_SECONDS = 60
POLL_SECONDS = 0.02
HEALTH_PATH = "/healthz"


class Starting:
    """An ASGI application standing in for the one `build` returns, until it does."""

    def __init__(self, build: Callable[[Starting], Any], *, stop: Callable[[], None] = lambda: None):
        self._build = build
        self._stop = stop
        self.app: Any = None
        self.error: BaseException | None = None
        self.stage = "starting"  # what is being made now, for /healthz
        self.done = threading.Event()  # set when the application exists or failed
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Build the application in a background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="prepare-app", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self.app = self._build(self)
        except BaseException as exc:  # noqa: BLE001  reported by `serve` after the server stops
            self.error = exc
            self._stop()
        finally:
            self.done.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if self.app is None:
            self.start()  # a server run without lifespan events
            if scope["type"] == "http" and scope["path"] == HEALTH_PATH and self.error is None:
                await _send_json(send, 200, {"status": "preparing", "preparing": [self.stage]})
                return
            if not await self._wait(WAIT_SECONDS):
                if scope["type"] == "http":
                    await self._refuse(send)
                return
        await self.app(scope, receive, send)

    async def _wait(self, seconds: float) -> bool:
        """True once the application exists; False when it failed or `seconds` passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.done.is_set() and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        return self.app is not None

    async def _refuse(self, send: Any) -> None:
        if self.error is not None:
            headers, body = raw_error(503, "unavailable", "the server could not open its database and is stopping")
        else:
            headers, body = raw_error(503, "preparing", f"the server is still preparing ({self.stage}); try again shortly")
            headers = [*headers, (b"retry-after", b"5")]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Start at once; run the real application's lifespan when it exists;
        pass the shutdown on to it."""
        await receive()  # lifespan.startup
        await send({"type": "lifespan.startup.complete"})
        # Started only now, with the server up: the imports and reads of the
        # build would otherwise compete for the interpreter with its start.
        self.start()
        shutdown = asyncio.ensure_future(receive())
        while not self.done.is_set() and not shutdown.done():
            await asyncio.sleep(POLL_SECONDS * 5)
        inner: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        task = None
        if self.app is not None:
            started = asyncio.get_running_loop().create_future()

            async def inner_send(message: dict[str, Any]) -> None:
                if message["type"].startswith("lifespan.startup") and not started.done():
                    started.set_result(message)

            await inner.put({"type": "lifespan.startup"})
            task = asyncio.ensure_future(self.app(scope, inner.get, inner_send))
            await asyncio.wait([started, task], return_when=asyncio.FIRST_COMPLETED)
        await shutdown
        if task is not None and not task.done():
            await inner.put({"type": "lifespan.shutdown"})
            try:
                await task
            except Exception:  # noqa: BLE001  the server stops anyway; say why in the log
                log.exception("the application's shutdown failed")
        await send({"type": "lifespan.shutdown.complete"})


async def _send_json(send: Any, status: int, payload: dict[str, Any]) -> None:
    import json

    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
