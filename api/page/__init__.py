"""The visualisation page: one template, one script, one style sheet, and
vis-network as pyvis ships it.

`page_html()` is the page `aiprogress serve` shows at `/`: it loads its
scripts and styles from the app (`/page/static/...`) and its data from the
JSON routes. `page_html(bundle)` is the single self-contained file of
`aiprogress render`: every script and style inlined, the data embedded as a
JSON block. Neither loads anything from another host.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .drawing import vis_asset

HERE = Path(__file__).resolve().parent

# The files the page is made of, in the order they load.
STYLES = ("vis-network.css", "page.css")
SCRIPTS = ("early.js", "vis-network.min.js", "page.js", "ask.js")


def asset_path(name: str) -> Path:
    """Where a page asset lives: ours beside this file, vis-network's in pyvis."""
    if name in {"early.js", "page.js", "page.css", "ask.js"}:
        return HERE / name
    return vis_asset(name)


def asset_text(name: str) -> str:
    return asset_path(name).read_text(encoding="utf-8")


def json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end the
    element or open a comment, whatever the titles contain."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _inline_script(source: str) -> str:
    # A literal "</script" would close the element early; "<\/" means the same in JS.
    return "<script>" + source.replace("</script", "<\\/script") + "</script>"


def _inline_style(source: str) -> str:
    return "<style>" + source.replace("</style", "<\\/style") + "</style>"


def page_html(bundle: dict[str, Any] | None = None, *, static_prefix: str = "page/static/") -> str:
    """The page. Without a bundle it fetches its data from the server's
    routes; with one (`view`, `timeline`, `details`, `focus`, `adoption`) it is a single
    file with everything inlined."""
    template = (HERE / "index.html").read_text(encoding="utf-8")
    if bundle is None:
        styles = "\n".join(f'<link rel="stylesheet" href="{static_prefix}{name}">' for name in STYLES)
        scripts = "\n".join(f'<script src="{static_prefix}{name}"></script>' for name in SCRIPTS)
        data = ""
    else:
        styles = "\n".join(_inline_style(asset_text(name)) for name in STYLES)
        scripts = "\n".join(_inline_script(asset_text(name)) for name in SCRIPTS)
        data = f'<script type="application/json" id="aiprogress-data">{json_for_script(bundle)}</script>'
    # Replace the data slot last: the embedded JSON must never be searched for markers.
    html = template.replace("<!--STYLES-->", styles).replace("<!--SCRIPTS-->", scripts)
    return html.replace("<!--DATA-->", data)


# Most node ids the embedded focus answers (origins and impact of every node)
# may hold in total: beyond it the file would be dominated by them.
FOCUS_BUDGET = 2_000_000


def page_bundle(session: Any, wanted: Any = None) -> dict[str, Any]:
    """Everything the page asks the server for, computed once, for a file
    that needs no server: the drawing, the time chart, every node's details
    and every node's origins and impact (as positions in the node list)."""
    from ...graph import answers, service, view
    from ...graph.errors import LimitExceeded
    from .drawing import drawing

    wanted = wanted or view.ViewFilter()
    drawn = drawing(view.page_view(session, wanted))
    details = {node["id"]: service.node_detail(session, node["id"]).to_dict() for node in drawn["nodes"]}
    # Every drawn node's focus, on one graph: exact ids need no resolving.
    snap = answers.graph_at(session, wanted.as_of)
    position = {node["id"]: k for k, node in enumerate(drawn["nodes"])}
    focus: dict[str, dict[str, list[int]]] = {}
    total = 0
    for node_id in position:
        entry = {}
        for mode in view.FOCUS_MODES:
            entry.update(_embedded_lineage(snap, node_id, mode, position, details))
            total += len(entry[mode])
        if total > FOCUS_BUDGET:
            raise LimitExceeded(
                f"the origins and impact of {len(position)} nodes exceed {FOCUS_BUDGET:,} entries; "
                "draw fewer nodes (--limit, --kind, --from/--to or --constraint)",
                where="render",
            )
        focus[node_id] = entry
    return {"view": drawn, "timeline": view.page_timeline(session, as_of=wanted.as_of), "details": details, "focus": focus,
            "adoption": view.page_adoption(session, as_of=wanted.as_of)}


def _embedded_lineage(snap: Any, node_id: str, mode: str, position: dict[str, int], details: dict[str, Any]) -> dict[str, list[int]]:
    """One node's origins or impact as the file holds them: positions in the
    node list (the node first), and for each reached node its distance and
    the place, among its details' edges, of the fact that reached it (so no
    note is written twice)."""
    from ...graph import view
    from ...graph.queries.lineage import impact, origins

    walk = (origins if mode == "origins" else impact)(snap, node_id).walk
    nodes, ways = [position[node_id]], []
    distances: list[int] = []
    for i, d, e in zip(walk.nodes[1:].tolist(), walk.dist[1:].tolist(), walk.via[1:].tolist()):
        reached = snap.ids[i]
        if reached not in position:
            continue
        fact = (snap.ids[snap.source(e)], snap.relation(e), snap.ids[snap.target(e)])
        edges = details[reached]["edges"]
        way = next((k for k, edge in enumerate(edges) if (edge["source"], edge["relation"], edge["target"]) == fact), -1)
        nodes.append(position[reached])
        distances.append(d)
        ways.append(way)
    out = {mode: nodes, f"{mode}_distance": distances, f"{mode}_via": ways}
    if snap.kinds[snap.index[node_id]] == "paper":
        cited = (origins if mode == "origins" else impact)(snap, node_id, depth=view.WORKS_DEPTH, relations=["cites"]).walk
        out[f"{mode}_works"] = [[position[snap.ids[i]], d] for i, d in zip(cited.nodes[1:].tolist(), cited.dist[1:].tolist()) if snap.ids[i] in position]
    return out
