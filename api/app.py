"""The one FastAPI application, built by `create_app`: `aiprogress serve`
and the tests build it the same way.

Routes: `/graphql` (GraphQL; GraphiQL in a browser, its assets served from
api/static/graphiql), `/healthz`, `POST /ingest/bibtex` (upload .bib files,
as a multipart form or the raw body: api/upload.py), and the routers of the
page and the exports (see "Routers" below).

GraphQL operations execute synchronously in a worker thread (see
`Schema.execute` in api/schema.py): the database calls block, and the event
loop must stay free for the other requests meanwhile.

Errors are rendered here, in one place each: GraphQL errors get
`extensions.code` from graph/errors.py (`render_graphql_error`); HTTP errors
the one JSON shape of api/http_errors.py. Nothing unexpected leaks: an
unforeseen exception is logged and answered with "internal error".
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from cross_web import HTTPException as CrossWebHTTPException
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from graphql import GraphQLError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.unset import UNSET

from ..graph import db, sparql, settings as settings_registry
from ..graph.errors import AiprogressError, InvalidInput
from ..ingest import importers, load
from . import http_errors, upload
from .context import Context, check_write_allowed
from .interop_routes import router as interop_router
from .limits import BodySizeLimit
from .page_routes import router as page_router
from .security_headers import SecurityHeaders
from .schema import bibtex_limits, build_schema

log = logging.getLogger("aiprogress.api")

STATIC_DIR = Path(__file__).parent / "static"
GRAPHIQL_PAGE = STATIC_DIR / "graphiql" / "index.html"
INVALID_QUERY_CODE = "invalid-query"


def render_graphql_error(error: GraphQLError) -> dict[str, Any]:
    """A GraphQL error as clients see it: a clear message and `extensions.code`."""
    out = error.formatted
    original = error.original_error
    extensions = dict(out.get("extensions") or {})
    if isinstance(original, AiprogressError):
        out["message"] = str(original)
        extensions["code"] = original.code
        if original.where:
            extensions["where"] = original.where
    elif original is not None and error.path is not None:
        # A fault of ours while resolving a field: say so; Schema.process_errors logs the details.
        out["message"] = http_errors.INTERNAL_MESSAGE
        extensions = {"code": http_errors.INTERNAL_CODE}
    else:
        extensions.setdefault("code", INVALID_QUERY_CODE)  # syntax, validation, variables
    out["message"] = http_errors.shorten(out["message"])
    if "where" in extensions:
        extensions["where"] = http_errors.shorten(extensions["where"])
    out["extensions"] = extensions
    return out


class AiprogressGraphQLRouter(GraphQLRouter):
    """Strawberry's router with this server's error shape, JSON encoder and
    GraphiQL page. Operations execute synchronously in a worker thread: the
    schema's public `execute` does that (api/schema.py, `Schema.execute`)."""

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # Strawberry answers a request it cannot take (no query, bad JSON, a
        # mutation over GET, a batch) in plain text: here it gets the one JSON
        # error shape, like every other HTTP error of this server.
        try:
            return await super().run(request, context=context, root_value=root_value)
        except CrossWebHTTPException as exc:
            code = INVALID_QUERY_CODE if exc.status_code == 400 else _http_error_code(exc.status_code)
            return JSONResponse(http_errors.error_body(exc.status_code, code, exc.reason), status_code=exc.status_code)

    def encode_json(self, data: object) -> bytes:
        # pydantic's encoder (FastAPI's own, for its JSON routes): several
        # times faster than json.dumps on a large answer, which runs on the
        # event loop.
        return pydantic_core.to_json(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"))

    async def process_result(self, request: Request, result: Any) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            response["errors"] = [render_graphql_error(e) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response


def create_app(settings: dict | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The application for `settings` (overrides of graph/settings.py; the rest
    from the environment and defaults). Without `engine` it opens
    `settings["database_url"]` (creating the schema) and closes it on shutdown."""
    config = settings_registry.resolve(**(settings or {}))
    owns_engine = engine is None
    if engine is None:
        engine = db.open_engine(config["database_url"])
    db.create_schema(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What exists now (imported modules, the schema, routes, caches)
        # lives as long as the server. Frozen, it leaves the collector's
        # generations, so the collections that each answer's garbage sets off
        # no longer walk it: with 8 clients (tests/benchmarks/bench_api.py)
        # server CPU per /graphql request fell from about 21 to 16 ms, and
        # per plain-route request from about 10 to 7 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # an app built again in this process must not keep this one alive
        sparql.stop_worker(engine)
        if owns_engine:
            engine.dispose()

    # No /docs or /redoc: FastAPI serves them from a CDN, and this server needs no network.
    app = FastAPI(title="aiprogress", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = config
    app.state.engine = engine

    async def graphql_context(request: Request) -> AsyncIterator[Context]:
        context = Context(engine, config, request.headers.get("authorization"))
        try:
            yield context
        finally:
            context.close()

    graphql = AiprogressGraphQLRouter(build_schema(config), context_getter=graphql_context, graphql_ide="graphiql")
    app.include_router(graphql, prefix="/graphql")
    app.mount("/static/graphiql", StaticFiles(directory=STATIC_DIR / "graphiql"), name="graphiql-static")

    @app.get("/healthz", summary="Liveness: the server answers and can read its database.")
    def healthz() -> dict[str, Any]:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1 FROM node LIMIT 1"))
        return {"status": "ok"}

    @app.post(
        "/ingest/{format}",
        summary="Upload files (BibTeX, OpenAlex, Semantic Scholar, arXiv, CSL-JSON, RIS) and get the ingest report.",
        description=(
            "`format` is one of the import formats (bibtex, openalex, semanticscholar, arxiv, csl-json, ris). "
            "Either a multipart/form-data form with one or more file fields (browsers, `curl -F file=@refs.bib`), "
            'answered with `{"reports": [one report per file, in order]}`; or the file as the raw request '
            "body, named by `source`, answered with its report. All files are written in one transaction: with "
            "`strict`, the first problem in any of them writes nothing."
        ),
    )
    async def ingest_upload(request: Request, format: str, source: str | None = None, strict: bool = False) -> dict[str, Any]:
        check_write_allowed(config, request.headers.get("authorization"))
        importer = importers.pick("", name=format)  # an unknown format: InvalidInput before the body is read
        files = await upload.bib_uploads(request, source or ("upload.bib" if importer.name == "bibtex" else f"upload.{importer.name}"))
        limits = bibtex_limits(config)

        def work(session: Any) -> list[dict[str, Any]]:
            return [load.ingest_text(session, f.text, source=f.name, strict=strict, limits=limits, format=importer.name).to_dict()
                    for f in files]

        # Retried whole on transient conflicts with other writers; in a worker
        # thread, so the event loop serves other requests meanwhile.
        reports = await run_in_threadpool(db.write, engine, work)
        return {"reports": reports} if upload.is_multipart(request) else reports[0]

    app.include_router(interop_router)  # GET /export/{format}, GET/POST /sparql
    app.include_router(page_router)  # GET /, /api/view, /api/node/{id}, /api/lineage/{id}, /api/focus/{id}, /api/search, /api/path, /api/timeline, /api/adoption

    _install_error_handlers(app)
    # Answers of more than a packet are compressed for clients that accept
    # it (the page's /api/view of a large graph is over a megabyte of JSON).
    # Level 6, not Starlette's 9: the 5.4 MB view of 5,000 nodes compresses
    # in 0.07 s instead of 0.22 s, to 283 kB instead of 267 kB.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(SecurityHeaders)
    # Outermost, so an oversized body is refused before any route reads it.
    app.add_middleware(BodySizeLimit, limit=config["max_upload_bytes"], render=http_errors.raw_error)
    return app


def _http_error_code(status: int) -> str:
    return {404: "not-found", 405: "method-not-allowed"}.get(status, "http-error")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AiprogressError)
    async def aiprogress_error(_request: Request, exc: AiprogressError) -> JSONResponse:
        return http_errors.error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _http_error_code(exc.status_code)
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(http_errors.error_body(exc.status_code, code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
        return JSONResponse(http_errors.error_body(400, InvalidInput.code, problems), status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return http_errors.internal_error_response(exc)
