"""The page's HTTP routes: `/` and the JSON it draws from.

Each route opens a session, calls one function of graph.service or
graph.view and returns plain JSON; errors from graph.errors are rendered by
the app's one error handler. The page's own files are served from here too,
so it loads nothing from another host.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
import pydantic_core
from fastapi.responses import FileResponse, HTMLResponse, Response

from ..graph import db as database
from ..graph import service, view
from ..graph.errors import NotFound
from .page import SCRIPTS, STYLES, asset_path, page_html
from .page.drawing import drawing

router = APIRouter(tags=["page"])
log = logging.getLogger("aiprogress.api")

_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _session(request: Request):
    return database.session_scope(request.app.state.engine)


AsOfQuery = Annotated[int | None, Query(description="The graph as it stood at the end of this year: later nodes and facts hidden.")]


def page_limit(app) -> int:
    """The most nodes the page draws (the page_limit setting)."""
    return int(app.state.settings.get("page_limit") or view.DEFAULT_LIMIT)


def _split(raw: str | None) -> list[str] | None:
    return None if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """The interactive graph page."""
    return HTMLResponse(page_html())


@router.get("/page/static/{name}", include_in_schema=False)
def page_asset(name: str) -> FileResponse:
    """The page's scripts and styles (vis-network from the installed pyvis)."""
    if name not in STYLES + SCRIPTS:
        raise NotFound(f"no page asset named {name!r}")
    path = asset_path(name)
    return FileResponse(path, media_type=_MEDIA[path.suffix], headers={"Cache-Control": "public, max-age=3600"})


@router.get("/api/view")
def api_view(
    request: Request,
    kinds: Annotated[str | None, Query(description="Comma-separated node kinds to show.")] = None,
    relations: Annotated[str | None, Query(description="Comma-separated relations to show.")] = None,
    year_from: Annotated[int | None, Query(alias="from", description="First year shown.")] = None,
    year_to: Annotated[int | None, Query(alias="to", description="Last year shown.")] = None,
    constraint: Annotated[str | None, Query(description="Show what relaxed this constraint.")] = None,
    focus: Annotated[str | None, Query(description="Show only this node's origins or impact.")] = None,
    mode: Annotated[str | None, Query(description="origins or impact.")] = None,
    limit: Annotated[int | None, Query(description="Most nodes sent; chosen by the rule meta.cap_rule states.")] = None,
    as_of: AsOfQuery = None,
    around: Annotated[str | None, Query(description="Show this node and the nodes one fact away (other filters ignored).")] = None,
    ids: Annotated[str | None, Query(description="Comma-separated nodes to show (other filters ignored).")] = None,
) -> Response:
    """The drawable graph: vis-network nodes, edges and options, with a legend.

    Serialised straight to JSON bytes: it is plain data already, and FastAPI's
    jsonable_encoder walks every value of a large graph first (4x slower)."""
    wanted = view.ViewFilter.parse(
        kinds=_split(kinds), relations=_split(relations), year_from=year_from, year_to=year_to,
        constraint=constraint, focus=focus, mode=mode, limit=limit or page_limit(request.app), as_of=as_of,
        around=around, ids=_split(ids),
    )
    warming = getattr(request.app.state, "page_warming", None)
    if warming is not None:
        warming.wait(WARM_WAIT_SECONDS)  # the layout being made is the one asked for: wait for it rather than make it twice
    with _session(request) as session:
        body = drawing(view.page_view(session, wanted))
    return Response(pydantic_core.to_json(body), media_type="application/json")


@router.get("/api/node/{node_id:path}")
def api_node(request: Request, node_id: str) -> dict[str, Any]:
    """One node with its paper fields, aliases, measurements and edges (notes, provenance)."""
    with _session(request) as session:
        return service.node_detail(session, service.resolve_id(session, node_id)).to_dict()


@router.get("/api/focus/{node_id:path}")
def api_focus(request: Request, node_id: str, mode: str = "origins", as_of: AsOfQuery = None) -> dict[str, Any]:
    """The ids of a node and its origins or impact (graph.answers.focus); the
    first is the node's own id, however it was named."""
    with _session(request) as session:
        return {"root": node_id, "mode": mode, "nodes": view.page_focus(session, node_id, mode, as_of=as_of)}


@router.get("/api/lineage/{node_id:path}")
def api_lineage(request: Request, node_id: str, mode: str = "origins", as_of: AsOfQuery = None) -> dict[str, Any]:
    """The lineage view's list: ancestors (origins) or descendants (impact)
    nearest first, each with distance, year and the fact that reached it;
    with the corpus's part (graph.answers.lineage with corpus)."""
    with _session(request) as session:
        return view.page_lineage(session, node_id, mode, as_of=as_of)


@router.get("/api/search")
def api_search(
    request: Request,
    q: Annotated[str, Query(description="Words to find in names, descriptions and abstracts.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 12,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """Full-text search over the whole store (graph.answers.search), drawn or not."""
    with _session(request) as session:
        return view.page_search(session, q, limit=limit, as_of=as_of)


@router.get("/api/path")
def api_path(
    request: Request,
    source: Annotated[str, Query(alias="from", description="Where the chain starts.")],
    target: Annotated[str, Query(alias="to", description="Where it ends.")],
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """The shortest chain of facts between two nodes (graph.answers.path)."""
    with _session(request) as session:
        return view.page_path(session, source, target, as_of=as_of)


@router.get("/api/adoption")
def api_adoption(request: Request, as_of: AsOfQuery = None) -> dict[str, Any]:
    """Per year, the share of papers using each constraint's techniques (graph.answers.adoption_by_constraint)."""
    with _session(request) as session:
        return view.page_adoption(session, as_of=as_of)


@router.get("/api/timeline")
def api_timeline(request: Request, as_of: AsOfQuery = None) -> dict[str, Any]:
    """Relaxes edges per constraint per period, with the narratives marked."""
    with _session(request) as session:
        return view.page_timeline(session, as_of=as_of)


WARM_WAIT_SECONDS = 120


def warm_page(app) -> None:
    """Lay out the page's default view before the first visitor asks for it
    (on a 5,000-node graph that is about a second of waiting). `serve` runs
    it in the background while it already answers (`warm_page_in_background`)."""
    warming = getattr(app.state, "page_warming", None) or threading.Event()
    try:
        with database.session_scope(app.state.engine) as session:
            view.page_view(session, view.ViewFilter.parse(limit=page_limit(app)))
    except Exception:  # the page then lays out on its first request, and reports any error there
        log.exception("laying out the page in the background failed")
    finally:
        warming.set()


def warm_page_in_background(app) -> None:
    """`warm_page` in a thread; /api/view waits for it meanwhile."""
    app.state.page_warming = threading.Event()
    threading.Thread(target=warm_page, args=(app,), name="warm-page", daemon=True).start()
