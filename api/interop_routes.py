"""HTTP routes of the interoperability family, as one FastAPI router
(included by api/app.py):

    GET  /export/{format}   the whole graph in any format of graph/export.py
    GET  /sparql?query=...  SPARQL 1.1 protocol, read-only
    POST /sparql            form field `query`, or the query itself as
                            `application/sparql-query`

SELECT and ASK answer `application/sparql-results+json`; CONSTRUCT and
DESCRIBE answer Turtle. Updates (`update=` or an update in `query`) are
refused with 400. Errors take the one JSON shape of api/http_errors.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..graph import db, sparql
from ..graph import export as exports
from ..graph.errors import InvalidInput

router = APIRouter()


@router.get("/export/{format}", summary="The whole graph in one export format (turtle, json-ld, nt, graphml, gexf, node-link, csv ...).")
def export_graph(format: str, request: Request) -> Response:
    fmt = exports.get_format(format)
    with db.session_scope(request.app.state.engine) as session:
        body = exports.export_bytes(session, fmt.name)
    return Response(
        body,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="aiprogress.{fmt.extension}"'},
    )


def _answer(request: Request, query: str | None) -> Response:
    if not query:
        raise InvalidInput("give a SPARQL query: GET /sparql?query=..., or POST it as a form field `query` or as application/sparql-query")
    config = request.app.state.settings
    with db.session_scope(request.app.state.engine) as session:
        result = sparql.query(session, query, timeout=config["sparql_timeout"], max_rows=config["sparql_max_rows"])
        return Response(result.to_json(), media_type=result.media_type)


@router.get("/sparql", summary="Read-only SPARQL 1.1 query (protocol: ?query=...).")
def sparql_get(request: Request, query: str | None = None) -> Response:
    if "update" in request.query_params:
        raise InvalidInput("SPARQL updates are refused: the graph is read-only here")
    return _answer(request, query)


@router.post("/sparql", summary="Read-only SPARQL 1.1 query (protocol: form field `query` or application/sparql-query).")
async def sparql_post(request: Request) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8 text") from None
    if media_type == "application/sparql-query":
        query = body
    elif media_type == "application/x-www-form-urlencoded":
        form = parse_qs(body, keep_blank_values=True)
        if "update" in form:
            raise InvalidInput("SPARQL updates are refused: the graph is read-only here")
        query = (form.get("query") or [None])[0]
    elif media_type == "application/sparql-update":
        raise InvalidInput("SPARQL updates are refused: the graph is read-only here")
    else:
        raise InvalidInput(f"POST /sparql takes application/sparql-query or a form (application/x-www-form-urlencoded), not {media_type or 'no content type'!r}")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_answer, request, query)
