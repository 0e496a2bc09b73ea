"""From the drawable graph (graph/view.py) to vis-network data, through pyvis.

The visual encoding lives here, once: colour and shape by kind, constraints
as large fixed anchors (hard ones filled, leverage ones outlined and dashed),
size by degree, edge colour and dash by relation, arrows source -> target.
The legend the page shows is generated from the same tables.

pyvis holds the network and serialises its options; the node and edge lists
are handed to it whole, because its per-item add_node/add_edge calls cost
3.5 to 5 s for 10,000 nodes and 50,000 edges against 0.7 s for the lists.
pyvis's own HTML template is not used: it loads vis-network, Bootstrap and
tom-select from CDNs, and the page must work with the network cut.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

from pyvis.network import Network

from ...graph.relations import KINDS, RELATIONS

# Styles by kind and by relation come from their declarations (graph/relations.py).
KIND_STYLE: dict[str, dict[str, Any]] = {
    k.name: {"shape": k.shape, "color": k.color, "label": k.label, "size": k.size} for k in KINDS.values()
}

BINDING_STYLE: dict[str, dict[str, Any]] = {
    "hard": {
        "label": "Hard constraint (moves slowly)",
        "color": {"background": "#c0392b", "border": "#7b241c", "highlight": {"background": "#e74c3c", "border": "#7b241c"}},
        "font": "#ffffff",
        "dashes": False,
    },
    "leverage": {
        "label": "Leverage constraint (easy to vary)",
        "color": {"background": "#fff4e0", "border": "#e67e22", "highlight": {"background": "#ffe3b3", "border": "#d35400"}},
        "font": "#6e2c00",
        "dashes": True,
    },
}

RELATION_STYLE: dict[str, dict[str, Any]] = {
    r.name: {"color": r.style.color, "dashes": list(r.style.dashes) if r.style.dashes else False, "width": r.style.width}
    for r in RELATIONS.values()
}

# Above this many nodes the page draws straight edges and hides edges while
# dragging or zooming: measured in bench_page.py.
LARGE_GRAPH = 1000


def node_size(kind: str, degree: int) -> float:
    """Marker size grows with the square root of degree, so hubs stand out
    without swallowing their neighbours."""
    base = KIND_STYLE.get(kind, KIND_STYLE["technique"])["size"]
    return round(min(base + 3.0 * math.sqrt(degree), 48.0), 1)


def short_label(node: dict[str, Any]) -> str:
    """A label that fits beside a marker: papers' titles are cut at a word."""
    name = node["name"]
    if node["kind"] == "paper" and len(name) > 32:
        cut = name[:32].rsplit(" ", 1)[0]
        return cut.rstrip(":,;- ") + "…"
    return name


def vis_node(node: dict[str, Any]) -> dict[str, Any]:
    kind = node["kind"]
    style = KIND_STYLE.get(kind, KIND_STYLE["technique"])
    out: dict[str, Any] = {
        "id": node["id"],
        "label": short_label(node),
        "shape": style["shape"],
        # Data the page filters and describes by; vis-network ignores unknown keys.
        "kind": kind,
        "name": node["name"],
        "year": node.get("year"),
        "degree": node.get("degree", 0),
        "x": node.get("x"),
        "y": node.get("y"),
    }
    if kind == "constraint":
        binding = BINDING_STYLE.get(node.get("binding") or "hard", BINDING_STYLE["hard"])
        out.update(
            binding=node.get("binding"),
            color=binding["color"],
            font={"color": binding["font"], "size": 22, "face": "system-ui, sans-serif", "bold": {"color": binding["font"]}},
            borderWidth=3,
            shapeProperties={"borderDashes": [8, 5] if binding["dashes"] else False, "borderRadius": 6},
            margin=12,
            mass=6,
            label=node["name"],
            fixed={"x": True, "y": True},
        )
    else:
        out.update(color=style["color"], size=node_size(kind, node.get("degree", 0)))
        if node.get("category"):
            out["category"] = node["category"]
    return out


def vis_edge(edge: dict[str, Any]) -> dict[str, Any]:
    style = RELATION_STYLE.get(edge["relation"], RELATION_STYLE["enables"])
    return {
        "id": edge["id"],
        "from": edge["source"],
        "to": edge["target"],
        "relation": edge["relation"],
        "year": edge.get("year"),
        "arrows": "to",
        "color": {"color": style["color"], "highlight": style["color"], "hover": style["color"], "opacity": 0.85},
        "dashes": style["dashes"],
        "width": style["width"],
    }


def vis_options(node_count: int) -> dict[str, Any]:
    """vis-network options. Positions come from the server (graph/layout.py),
    so physics is off: the browser only draws, and the drawing stays still.
    Large graphs get straight edges and hide edges while dragging or zooming."""
    large = node_count > LARGE_GRAPH
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False},
        "physics": {"enabled": False},
        "interaction": {"hover": not large, "tooltipDelay": 120, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large, "multiselect": False, "navigationButtons": False},
        # Labels under about 8 px are not drawn (a 5 px label is noise); the
        # page writes the constraints', narratives' and best connected nodes'
        # labels itself at a readable size until the zoom reaches them.
        "nodes": {"font": {"size": 11, "face": "system-ui, sans-serif", "color": "#222222", "strokeWidth": 3, "strokeColor": "#ffffff"}, "borderWidth": 1,
                  "scaling": {"label": {"enabled": False, "drawThreshold": 9}}},
        "edges": {"smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3}, "arrows": {"to": {"enabled": True, "scaleFactor": 0.55}}, "selectionWidth": 2},
    }


def build_network(view: dict[str, Any]) -> Network:
    """A pyvis Network of the drawable graph, lists handed over whole."""
    nodes = view["nodes"]
    net = Network(directed=True, cdn_resources="local")
    net.nodes = [vis_node(n) for n in nodes]
    net.edges = [vis_edge(e) for e in view["edges"]]
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in net.nodes}
    net.options = vis_options(len(nodes))
    return net


def legend() -> dict[str, Any]:
    """The legend, from the same tables as the drawing."""
    return {
        "kinds": [{"kind": k, "label": s["label"], "shape": s["shape"], "color": s["color"]} for k, s in KIND_STYLE.items() if k != "constraint"],
        "bindings": [
            {"binding": b, "label": s["label"], "background": s["color"]["background"], "border": s["color"]["border"], "dashes": s["dashes"]}
            for b, s in BINDING_STYLE.items()
        ],
        "relations": [
            {"relation": r, "color": s["color"], "dashes": s["dashes"], "width": s["width"],
             "direction": RELATIONS[r].direction, "inverse": RELATIONS[r].inverse}
            for r, s in RELATION_STYLE.items()
        ],
    }


def drawing(view: dict[str, Any]) -> dict[str, Any]:
    """What the page draws: vis-network nodes, edges and options, with the
    view's meta data and the legend."""
    net = build_network(view)
    nodes, edges, _heading, _height, _width, _options_json = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": net.options, "meta": view["meta"], "legend": legend()}


# --------------------------------------------------------------------------
# vis-network's own files, as pyvis ships them
# --------------------------------------------------------------------------

VIS_VERSION = "9.1.2"


def vis_asset(name: str) -> Path:
    """vis-network.min.js or vis-network.css from the installed pyvis package
    (the same version pyvis targets), so no copy lives in this repository."""
    if name not in {"vis-network.min.js", "vis-network.css"}:
        raise FileNotFoundError(name)
    return Path(str(resources.files("pyvis") / "templates" / "lib" / f"vis-{VIS_VERSION}" / name))
