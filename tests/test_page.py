"""The page without a browser: the drawable graph, the layout, the JSON
routes on the real app, and `aiprogress render`'s self-contained file."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from aiprogress.api.app import create_app
from aiprogress.api.page import json_for_script, page_html
from aiprogress.api.page.drawing import BINDING_STYLE, KIND_STYLE, RELATION_STYLE, drawing
from aiprogress.graph import db as database
from aiprogress.graph import service, view
from aiprogress.graph.errors import InvalidInput, NotFound
from aiprogress.graph.layout import force_layout
from aiprogress.graph.network import Snapshot

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HOSTILE = "<img src=x onerror=alert(1)>"

# A URL the browser would fetch by itself: script/img/iframe src, stylesheet
# or icon href, CSS url() and @import. Plain <a href> links are navigation, not loads.
REMOTE_RESOURCE = re.compile(
    r"""(<(script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?//)"""
    r"""|(<link\b[^>]*\bhref\s*=\s*["']?\s*(https?:)?//)"""
    r"""|(url\(\s*["']?\s*(https?:)?//)"""
    r"""|(@import\s+["']?\s*(url\()?\s*["']?(https?:)?//)""",
    re.IGNORECASE,
)


def tiny() -> Snapshot:
    nodes = [
        {"id": "constraint:data", "kind": "constraint", "name": "Data", "binding": "hard"},
        {"id": "constraint:architecture", "kind": "constraint", "name": "Architecture", "binding": "leverage"},
        {"id": "technique:attention", "kind": "technique", "name": "Attention", "year": 2014, "category": "architecture"},
        {"id": "technique:transformer", "kind": "technique", "name": "Transformer", "year": 2017, "category": "architecture"},
        {"id": "technique:imagenet", "kind": "technique", "name": "ImageNet", "year": 2009, "category": "dataset"},
        {"id": "paper:vaswani2017", "kind": "paper", "name": "Attention Is All You Need", "year": 2017},
        {"id": "paper:deng2009", "kind": "paper", "name": "ImageNet paper", "year": 2009},
        {"id": "field:neuroscience", "kind": "field", "name": "Neuroscience"},
    ]
    edges = [
        ("technique:attention", "enables", "technique:transformer"),
        ("technique:transformer", "relaxes", "constraint:architecture"),
        ("technique:attention", "relaxes", "constraint:architecture"),
        ("technique:imagenet", "relaxes", "constraint:data"),
        ("paper:vaswani2017", "introduces", "technique:transformer"),
        ("paper:deng2009", "introduces", "technique:imagenet"),
        ("technique:attention", "inspired-by", "field:neuroscience"),
        ("paper:vaswani2017", "cites", "paper:deng2009"),
    ]
    return Snapshot.from_records(nodes, [{"source_id": s, "relation": r, "target_id": t} for s, r, t in edges])


def ids(result) -> set[str]:
    return {n["id"] for n in result["nodes"]}


# ---------------------------------------------------------------- the view


def test_unfiltered_view_draws_every_node_and_edge_with_degree():
    snap = tiny()
    result = view.drawable_graph(snap)
    assert len(result["nodes"]) == 8 and len(result["edges"]) == 8
    degree = {n["id"]: n["degree"] for n in result["nodes"]}
    assert degree["technique:attention"] == 3 and degree["field:neuroscience"] == 1
    assert result["meta"]["truncated"] is False


def test_kind_filter_drops_nodes_and_their_edges():
    result = view.drawable_graph(tiny(), view.ViewFilter.parse(kinds=["technique", "constraint"]))
    assert ids(result) == {"constraint:data", "constraint:architecture", "technique:attention", "technique:transformer", "technique:imagenet"}
    assert {e["relation"] for e in result["edges"]} == {"enables", "relaxes"}


def test_relation_filter_keeps_nodes_but_only_those_edges():
    result = view.drawable_graph(tiny(), view.ViewFilter.parse(relations=["relaxes"]))
    assert len(result["nodes"]) == 8
    assert {e["relation"] for e in result["edges"]} == {"relaxes"} and len(result["edges"]) == 3


def test_year_range_keeps_timeless_nodes():
    result = view.drawable_graph(tiny(), view.ViewFilter.parse(year_from=2010, year_to=2016))
    assert ids(result) == {"technique:attention", "constraint:data", "constraint:architecture", "field:neuroscience"}


def test_constraint_filter_shows_what_relaxed_it_and_the_papers_behind():
    result = view.drawable_graph(tiny(), view.ViewFilter.parse(constraint="constraint:architecture"))
    assert ids(result) == {"constraint:architecture", "technique:attention", "technique:transformer", "paper:vaswani2017"}


def test_constraint_filter_refuses_a_node_that_is_not_a_constraint():
    with pytest.raises(InvalidInput, match="not a constraint"):
        view.drawable_graph(tiny(), view.ViewFilter.parse(constraint="technique:attention"))
    with pytest.raises(NotFound):
        view.drawable_graph(tiny(), view.ViewFilter.parse(constraint="constraint:nope"))


def test_focus_on_origins_and_impact_uses_the_lineage_queries():
    snap = tiny()
    origins = view.focus_nodes(snap, "technique:transformer", "origins")
    assert set(origins) == {"technique:transformer", "technique:attention", "paper:vaswani2017", "field:neuroscience"}
    impact = view.focus_nodes(snap, "technique:attention", "impact")
    assert set(impact) == {"technique:attention", "technique:transformer"}
    focused = view.drawable_graph(snap, view.ViewFilter.parse(focus="technique:transformer").with_focus_nodes(origins))
    assert ids(focused) == set(origins)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"kinds": ["paper", "gadget"]}, "unknown kind(s) 'gadget'"),
        ({"relations": ["likes"]}, "unknown relation(s) 'likes'"),
        ({"year_from": 2020, "year_to": 2010}, "empty"),
        ({"mode": "sideways"}, "focus mode"),
        ({"limit": 0}, "at least 1"),
    ],
)
def test_bad_filters_are_named(kwargs, fragment):
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        view.ViewFilter.parse(**kwargs)


def test_limit_keeps_anchors_and_the_best_connected():
    result = view.drawable_graph(tiny(), view.ViewFilter.parse(limit=4))
    assert result["meta"]["truncated"] is True and result["meta"]["matching_nodes"] == 8
    kept = ids(result)
    assert {"constraint:data", "constraint:architecture"} <= kept
    assert "technique:attention" in kept  # degree 3, the highest
    assert len(kept) == 4


def test_layout_pins_constraints_on_a_circle_and_is_repeatable():
    snap = tiny()
    first = {n["id"]: (n["x"], n["y"]) for n in view.drawable_graph(snap)["nodes"]}
    snap.memo.clear()
    again = {n["id"]: (n["x"], n["y"]) for n in view.drawable_graph(snap)["nodes"]}
    assert first == again
    data, arch = np.array(first["constraint:data"]), np.array(first["constraint:architecture"])
    assert data[1] < 0 and abs(data[0]) < 1e-6  # the first constraint sits at the top
    assert np.isclose(np.linalg.norm(data / [1.35, 1]), np.linalg.norm(arch / [1.35, 1]))
    assert all(np.isfinite(xy).all() for xy in map(np.array, first.values()))


def test_force_layout_keeps_connected_nodes_closer_than_unconnected_ones():
    # Two triangles joined by nothing: distances inside a triangle are shorter.
    pos = force_layout(6, np.array([0, 1, 2, 3, 4, 5]), np.array([1, 2, 0, 4, 5, 3]))
    inside = np.linalg.norm(pos[0] - pos[1])
    across = min(np.linalg.norm(pos[i] - pos[j]) for i in range(3) for j in range(3, 6))
    assert inside < across


def test_force_layout_sampled_for_large_graphs_stays_finite_and_pinned():
    n = 2000
    rng = np.random.default_rng(1)
    src, dst = rng.integers(0, n, 5000), rng.integers(0, n, 5000)
    pos = force_layout(n, src, dst, fixed={0: (0.5, 0.5)})
    assert np.isfinite(pos).all() and tuple(pos[0]) == (0.5, 0.5)
    assert len({(round(x, 3), round(y, 3)) for x, y in pos}) > n * 0.99


# ---------------------------------------------------------------- encoding


def test_encoding_tells_kinds_bindings_and_relations_apart():
    result = drawing(view.drawable_graph(tiny()))
    by_id = {n["id"]: n for n in result["nodes"]}
    hard, leverage = by_id["constraint:data"], by_id["constraint:architecture"]
    assert hard["fixed"] == {"x": True, "y": True} and leverage["fixed"] == {"x": True, "y": True}
    assert hard["color"] != leverage["color"]
    assert hard["shapeProperties"]["borderDashes"] is False and leverage["shapeProperties"]["borderDashes"]
    assert by_id["paper:vaswani2017"]["shape"] != by_id["technique:transformer"]["shape"]
    assert by_id["technique:attention"]["size"] > by_id["technique:imagenet"]["size"]  # degree 3 > 2
    assert all(e["arrows"] == "to" for e in result["edges"])
    styles = {(e["relation"], json.dumps(e["color"]), json.dumps(e["dashes"])) for e in result["edges"]}
    assert len(styles) == len({e["relation"] for e in result["edges"]})
    legend = result["legend"]
    assert [r["relation"] for r in legend["relations"]] == list(RELATION_STYLE)
    assert {b["binding"] for b in legend["bindings"]} == set(BINDING_STYLE)
    assert {k["kind"] for k in legend["kinds"]} == set(KIND_STYLE) - {"constraint"}


def test_json_for_script_cannot_close_the_script_element():
    text = json_for_script({"title": "</script><script>alert(1)</script>" + HOSTILE + "<!--"})
    assert "<" not in text and ">" not in text
    assert json.loads(text)["title"].startswith("</script>")


# ---------------------------------------------------------------- HTTP


@pytest.fixture
def client(builtin_db):
    app = create_app({"database_url": str(builtin_db)})
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_page_and_assets_are_served_by_the_app_with_nothing_remote(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert REMOTE_RESOURCE.search(page.text) is None
    for src in re.findall(r'(?:src|href)="(page/static/[^"]+)"', page.text):
        asset = client.get("/" + src)
        assert asset.status_code == 200 and len(asset.content) > 200, src  # early.js is a few lines
        assert REMOTE_RESOURCE.search(asset.text) is None, src
    missing = client.get("/page/static/../../etc/passwd")
    assert missing.status_code == 404


def test_view_route_matches_the_store(client, builtin_engine):
    with database.session_scope(builtin_engine) as session:
        counts = service.stats(session)
    body = client.get("/api/view").json()
    assert len(body["nodes"]) == counts["total_nodes"] and len(body["edges"]) == counts["total_edges"]
    assert body["options"]["physics"]["enabled"] is False
    only = client.get("/api/view", params={"kinds": "constraint,technique", "relations": "relaxes"}).json()
    assert {n["kind"] for n in only["nodes"]} == {"constraint", "technique"}
    assert {e["relation"] for e in only["edges"]} == {"relaxes"}
    assert len(only["edges"]) == counts["edges"]["relaxes"] - sum(
        1 for e in body["edges"] if e["relation"] == "relaxes" and e["from"].startswith("paper:")
    )


def test_view_route_errors_have_the_one_json_shape(client):
    bad = client.get("/api/view", params={"kinds": "gadget"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid-input" and "gadget" in bad.json()["error"]["message"]
    missing = client.get("/api/node/technique:no-such-thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not-found"


def test_node_route_gives_details_with_edges_notes_and_provenance(client):
    body = client.get("/api/node/paper:vaswani2017attention").json()
    assert body["node"]["name"] == "Attention Is All You Need" and body["node"]["year"] == 2017
    assert body["paper"]["authors"][0].startswith("Ashish Vaswani") or "Vaswani" in body["paper"]["authors"][0]
    assert body["paper"]["arxiv_id"] == "1706.03762"
    assert body["edges"] and all(e["provenance"] for e in body["edges"])
    # Aliases and citation keys find the node too.
    assert client.get("/api/node/vaswani2017attention").json()["node"]["id"] == "paper:vaswani2017attention"


def test_focus_route_answers_where_the_transformer_came_from(client):
    body = client.get("/api/focus/technique:transformer", params={"mode": "origins"}).json()
    assert "technique:attention" in body["nodes"] and body["nodes"][0] == "technique:transformer"
    impact = client.get("/api/focus/technique:transformer", params={"mode": "impact"}).json()
    assert "technique:attention" not in impact["nodes"]
    assert client.get("/api/focus/technique:transformer", params={"mode": "up"}).status_code == 400


def test_timeline_route_counts_relaxes_per_constraint_and_marks_the_three_narratives(client, builtin_engine):
    body = client.get("/api/timeline").json()
    assert len(body["narratives"]) == 3 and all(n["year"] for n in body["narratives"])
    # The ring marks the framework's focus of the period (scaling laws: compute and parameters), not the most relaxed.
    period = next(p for p in body["periods"] if p["start"] == 2020)
    assert period["focus"] == ["constraint:compute", "constraint:parameters"]
    starts = [p["start"] for p in body["periods"]]
    assert all(b - a == 5 for a, b in zip(starts, starts[1:]))
    assert all(any(p["start"] <= n["year"] <= p["end"] for p in body["periods"]) for n in body["narratives"])
    with database.session_scope(builtin_engine) as session:
        relaxes = service.stats(session)["edges"]["relaxes"]
    assert sum(sum(row["counts"]) for row in body["constraints"]) + body["undated"] == relaxes
    assert [row["id"] for row in body["constraints"]][:2] == ["constraint:data", "constraint:parameters"]


# ---------------------------------------------------------------- render


def add_hostile_paper(engine) -> str:
    with database.session_scope(engine) as session:
        service.upsert_paper(session, "paper:hostile2020", title=HOSTILE, year=2020, provenance="test", authors=["</script><b>Mallory</b>"], venue="<style>*{display:none}</style>")
        service.link(session, "paper:hostile2020", "introduces", "technique:transformer", provenance="test", note="<script>alert(2)</script>")
    return "paper:hostile2020"


def test_render_writes_one_self_contained_file(cli, builtin_db, builtin_engine, tmp_path):
    add_hostile_paper(builtin_engine)
    out = tmp_path / "graph.html"
    code, stdout, stderr = cli("render", "--db", builtin_db, "--out", out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert REMOTE_RESOURCE.search(html) is None
    assert "page/static/" not in html  # nothing is fetched from a server either
    assert "vis.Network" in html and "<style>" in html
    assert HOSTILE not in html and "<b>Mallory</b>" not in html and "<script>alert(2)" not in html
    bundle = json.loads(re.search(r'<script type="application/json" id="aiprogress-data">(.*?)</script>', html, re.S).group(1))
    with database.session_scope(builtin_engine) as session:
        counts = service.stats(session)
    assert len(bundle["view"]["nodes"]) == counts["total_nodes"]
    assert bundle["details"]["paper:hostile2020"]["node"]["name"] == HOSTILE
    names = [bundle["view"]["nodes"][k]["id"] for k in bundle["focus"]["technique:transformer"]["origins"]]
    assert "technique:attention" in names and "paper:hostile2020" in names
    assert f"{counts['total_nodes']} nodes" in stdout


def test_render_filters_and_refuses_bad_ones(cli, builtin_db, tmp_path):
    out = tmp_path / "compute.html"
    code, _, stderr = cli("render", "--db", builtin_db, "--out", out, "--constraint", "constraint:compute", "--kind", "technique", "--kind", "constraint")
    assert code == 0, stderr
    bundle = json.loads(re.search(r'id="aiprogress-data">(.*?)</script>', out.read_text(), re.S).group(1))
    kinds = {n["kind"] for n in bundle["view"]["nodes"]}
    assert kinds == {"technique", "constraint"}
    assert [n["id"] for n in bundle["view"]["nodes"] if n["kind"] == "constraint"] == ["constraint:compute"]
    code, _, stderr = cli("render", "--db", builtin_db, "--out", tmp_path / "x.html", "--from", "2020", "--to", "2000")
    assert code != 0 and "empty" in stderr and not (tmp_path / "x.html").exists()


def test_page_html_has_slots_filled_and_no_markers_left():
    served = page_html()
    assert "<!--" not in served.replace('<link rel="icon" href="data:,">', "")
    assert 'src="page/static/page.js"' in served


# ---------------------------------------------------------------- at size


def crowd() -> Snapshot:
    """Constraints, a narrative, connected nodes of unequal degree and
    unconnected papers whose ids sort before the recent ones."""
    nodes = [
        {"id": "constraint:data", "kind": "constraint", "name": "Data"},
        {"id": "narrative:n", "kind": "narrative", "name": "N", "year": 2012},
        {"id": "technique:hub", "kind": "technique", "name": "Hub", "year": 2000},
        {"id": "technique:leaf", "kind": "technique", "name": "Leaf", "year": 1990},
        {"id": "paper:a-old", "kind": "paper", "name": "Old", "year": 1980},
        {"id": "paper:b-older", "kind": "paper", "name": "Older", "year": 1970},
        {"id": "paper:y-recent", "kind": "paper", "name": "Recent", "year": 2020},
        {"id": "paper:z-newest", "kind": "paper", "name": "Newest", "year": 2024},
        {"id": "paper:c-undated", "kind": "paper", "name": "Undated"},
    ]
    edges = [("technique:hub", "relaxes", "constraint:data"), ("technique:leaf", "enables", "technique:hub"),
             ("technique:hub", "enables", "narrative:n")]
    return Snapshot.from_records(nodes, [{"source_id": s, "relation": r, "target_id": t} for s, r, t in edges])


def test_the_cap_keeps_anchors_then_connected_by_degree_then_the_most_recent_and_counts_what_it_left_out():
    snap = crowd()
    result = view.drawable_graph(snap, view.ViewFilter.parse(limit=6))
    # Store order (ids) would pick paper:a-old and paper:b-older; the rule picks the two most recent.
    assert ids(result) == {"constraint:data", "narrative:n", "technique:hub", "technique:leaf", "paper:z-newest", "paper:y-recent"}
    meta = result["meta"]
    assert meta["left_out"] == 3 and meta["server_mode"] is True and meta["cap_rule"] == view.CAP_RULE
    assert meta["kind_totals"]["paper"] == 5 and meta["kind_matching"]["paper"] == 5
    fewer = view.drawable_graph(snap, view.ViewFilter.parse(limit=3))
    assert ids(fewer) == {"constraint:data", "narrative:n", "technique:hub"}
    # A filter that passes few nodes still says the store is larger than the limit.
    narrow = view.drawable_graph(snap, view.ViewFilter.parse(limit=6, kinds=["constraint"]))
    assert narrow["meta"]["truncated"] is False and narrow["meta"]["server_mode"] is True
    assert narrow["meta"]["kind_totals"]["paper"] == 5 and narrow["meta"]["kind_matching"]["paper"] == 0


def test_neighbourhood_and_listed_nodes_replace_the_other_filters():
    snap = tiny()
    around = view.neighbourhood(snap, "technique:attention")
    assert set(around) == {"technique:attention", "technique:transformer", "constraint:architecture", "field:neuroscience"}
    drawn = view.drawable_graph(snap, view.ViewFilter.parse(around="technique:attention", kinds=["paper"]).with_focus_nodes(around))
    assert ids(drawn) == set(around) and drawn["nodes"][0]["x"] is not None
    listed = view.drawable_graph(snap, view.ViewFilter.parse(ids=["paper:deng2009", "technique:imagenet"], year_from=2020).with_focus_nodes(["paper:deng2009", "technique:imagenet"]))
    assert ids(listed) == {"paper:deng2009", "technique:imagenet"} and len(listed["edges"]) == 1
    # A path is laid out by the page: no force layout is spent on it.
    assert listed["nodes"][0]["x"] is None


def test_lineage_route_lists_ancestors_with_distance_year_and_the_fact_that_reached_each(client):
    body = client.get("/api/lineage/technique:transformer", params={"mode": "origins"}).json()
    assert body["root"]["id"] == "technique:transformer" and body["count"] == len(body["reached"]) > 20
    distances = [r["distance"] for r in body["reached"]]
    assert distances == sorted(distances)
    lstm = next(r for r in body["reached"] if r["id"] == "technique:lstm")
    assert lstm["year"] == 1997 and lstm["distance"] == 1
    assert lstm["via"]["relation"] == "enables" and lstm["via"]["target"] == "technique:transformer"
    assert lstm["via"]["note"] and lstm["via"]["provenance"].startswith("builtin:")
    impact = client.get("/api/lineage/technique:lstm", params={"mode": "impact"}).json()
    assert "technique:transformer" in {r["id"] for r in impact["reached"]} and "corpus_use" in impact["corpus"]
    paper = client.get("/api/lineage/vaswani2017attention", params={"mode": "origins"}).json()
    assert paper["root"]["id"] == "paper:vaswani2017attention" and "techniques_used" in paper["corpus"]
    # A paper's prior works: what it cites, and what those cite.
    cited = {e["target"] for e in client.get("/api/node/paper:vaswani2017attention").json()["edges"] if e["relation"] == "cites" and e["direction"] == "out"}
    assert cited and cited <= {w["id"] for w in paper["works"]} and {w["distance"] for w in paper["works"]} <= {1, 2}
    assert body["works"] is None
    assert client.get("/api/lineage/technique:nope").status_code == 404


def test_search_path_and_adoption_routes_answer_from_the_whole_store(client):
    found = client.get("/api/search", params={"q": "dropout"}).json()
    assert found["hits"] and found["hits"][0]["id"] == "technique:dropout" and found["hits"][0]["name"] == "Dropout"
    path = client.get("/api/path", params={"from": "technique:rnn", "to": "technique:bert"}).json()
    assert path["nodes"][0] == "technique:rnn" and path["nodes"][-1] == "technique:bert" and path["directed"] is True
    assert [n["id"] for n in path["named"]] == path["nodes"] and all(s["provenance"] for s in path["steps"])
    # No chain along the lineage from BERT back to the RNN: the undirected one, said so.
    back = client.get("/api/path", params={"from": "technique:bert", "to": "technique:rnn"}).json()
    assert back["directed"] is False and back["length"] >= 1
    adoption = client.get("/api/adoption").json()
    assert adoption["linked"] > 0 and {c["id"] for c in adoption["constraints"]} >= {"constraint:compute", "constraint:data"}


def test_the_view_route_uses_the_page_limit_setting_and_compresses(builtin_db):
    app = create_app({"database_url": str(builtin_db), "page_limit": 40})
    with TestClient(app) as c:
        response = c.get("/api/view", headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        meta = response.json()["meta"]
        assert meta["shown_nodes"] == 40 and meta["server_mode"] is True and meta["left_out"] == meta["total_nodes"] - 40
        around = c.get("/api/view", params={"around": "technique:lstm"}).json()
        assert "technique:lstm" in {n["id"] for n in around["nodes"]} and around["meta"]["shown_nodes"] < 40


def test_render_embeds_distances_and_the_facts_of_each_lineage(builtin_engine):
    from aiprogress.api.page import page_bundle

    with database.session_scope(builtin_engine) as session:
        bundle = page_bundle(session)
    nodes = bundle["view"]["nodes"]
    entry = bundle["focus"]["technique:transformer"]
    assert nodes[entry["origins"][0]]["id"] == "technique:transformer"
    reached = [nodes[k]["id"] for k in entry["origins"][1:]]
    k = reached.index("technique:lstm")
    assert entry["origins_distance"][k] == 1
    fact = bundle["details"]["technique:lstm"]["edges"][entry["origins_via"][k]]
    assert (fact["source"], fact["relation"], fact["target"]) == ("technique:lstm", "enables", "technique:transformer")
