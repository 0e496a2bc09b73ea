"""`aiprogress serve`: the GraphQL API, GraphiQL and the page over HTTP.

On an empty database it loads the
built-in history first, so a fresh clone serves something at once.
"""

from __future__ import annotations

import sys
from typing import Annotated


from ...graph import db as database
from ...graph import service, settings
from ...ingest import datafiles
from .common import DbOption, setting_option


def prepare_database(db: str | None) -> tuple[str, int]:
    """Create the schema if needed and, when the graph is empty, load the
    built-in history. Returns the database URL and the number of nodes."""
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


def serve(
    host: Annotated[str | None, setting_option("host", metavar="ADDRESS")] = None,
    port: Annotated[int | None, setting_option("port", metavar="PORT")] = None,
    db: DbOption = None,
) -> None:
    """Serve the GraphQL API (GraphiQL in a browser at /graphql) and the page at /."""
    import uvicorn

    from ..app import create_app
    from ..page_routes import warm_page

    host = settings.get("host", host)
    port = settings.get("port", port)
    url, nodes = prepare_database(db)
    application = create_app({"database_url": url})
    warm_page(application)
    shown = f"[{host}]" if ":" in host else host
    print(f"aiprogress: {nodes} nodes from {url}")
    print(f"Serving on http://{shown}:{port}/  (GraphQL and GraphiQL: http://{shown}:{port}/graphql)")
    if not settings.get("token"):
        print("Reads are open; writes are refused until AIPROGRESS_TOKEN is set.")
    sys.stdout.flush()  # the URL must reach a pipe (a test, a supervisor) before the server blocks
    uvicorn.run(application, host=host, port=port, log_level="warning")


COMMANDS = {"serve": serve}
