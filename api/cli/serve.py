"""`aiprogress serve`: the GraphQL API, GraphiQL and the page over HTTP.

On an empty database it loads the
built-in history first, so a fresh clone serves something at once.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
import threading
from typing import Annotated

from ...graph import settings
from ...graph.errors import InvalidInput
from .common import DbOption, setting_option

# Seconds `serve` waits for requests in flight after SIGTERM or Ctrl-C
# before closing their connections (SPARQL has its own time limit).
SHUTDOWN_GRACE_SECONDS = 3


def prepare_database(db: str | None) -> tuple[str, int]:
    """Create the schema if needed and, when the graph is empty, load the
    built-in history. Returns the database URL and the number of nodes."""
    # Imported here, behind the open socket (see `serve`), not before it listens.
    from ...graph import db as database
    from ...graph import service
    from ...ingest import datafiles

    engine = database.open_engine(db)
    try:
        database.create_schema(engine)
        with database.session_scope(engine) as session:
            if service.stats(session)["total_nodes"] == 0:
                datafiles.load_builtin(session)
        with database.session_scope(engine) as session:
            return database.url_from(db), service.stats(session)["total_nodes"]
    finally:
        engine.dispose()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or InvalidInput saying in one line
    why not (a port out of range, the port taken, an unknown host)."""
    if not 0 < port < 65536:
        raise InvalidInput(f"port {port} is not between 1 and 65535 (--port)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise InvalidInput(f"cannot listen on host {host!r}: {exc.strerror} (--host)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InvalidInput(f"port {port} on {host} is already in use: stop what listens there or choose another --port") from None
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(
    host: Annotated[str | None, setting_option("host", metavar="ADDRESS")] = None,
    port: Annotated[int | None, setting_option("port", metavar="PORT")] = None,
    db: DbOption = None,
) -> None:
    """Serve the GraphQL API (GraphiQL in a browser at /graphql) and the page at /."""
    import uvicorn

    from ..startup import Starting

    host = settings.get("host", host)
    port = settings.get("port", port)
    # Bound before anything is printed: a bad or busy port is one error line, not a URL then a traceback.
    sock = bind(host, port)
    # The server answers from here on: the web application is built, the
    # store opened (migrated, filled with the history when empty) and the
    # graph and the page's layout prepared in the background (api/startup.py);
    # /healthz says what is being prepared and other requests wait for it.
    config = uvicorn.Config(None, log_level="warning", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    server = uvicorn.Server(config)
    starting = Starting(lambda state: prepare_app(db, state), stop=lambda: setattr(server, "should_exit", True))
    config.app = starting  # it starts building once the server runs
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving on http://{shown}:{port}/  (GraphQL and GraphiQL: http://{shown}:{port}/graphql)")
    if not settings.get("token"):
        print("Reads are open; writes are refused until AIPROGRESS_TOKEN is set.")
    sys.stdout.flush()  # the URL must reach a pipe (a test, a supervisor) before the server blocks
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: a clean stop
        pass
    if starting.error is not None:
        raise starting.error  # one line and an exit code, from the CLI's one error handler


def prepare_app(db: str | None, starting) -> object:
    """What `serve` runs behind its open socket: the store made ready, then
    the application; then the graph and the page's layout, while it answers."""
    starting.stage = "database"
    url, nodes = prepare_database(db)
    starting.stage = "application"
    from ..app import create_app
    from ..page_routes import warm_page_in_background

    application = create_app({"database_url": url})
    print(f"aiprogress: {nodes} nodes from {url}", flush=True)
    # The page's default view is laid out while the server already answers
    # (a few seconds on a large graph); that loads the in-memory graph too,
    # which queries arriving meanwhile wait for rather than load again.
    warm_page_in_background(application)
    threading.Thread(target=_warm_questions, args=(application,), name="warm-questions", daemon=True).start()
    return application


def _warm_questions(application) -> None:
    """Build the names questions are read against (once per snapshot; about
    half a second on a 10,000-node store) before the first question comes."""
    from ...graph import db as database
    from ...graph.ask import asking

    try:
        with database.session_scope(application.state.engine) as session:
            asking.warm(session)
    except Exception:  # the first question then builds them, and reports any error there
        logging.getLogger(__name__).exception("building the names for questions in the background failed")


COMMANDS = {"serve": serve}
