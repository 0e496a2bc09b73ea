"""The page on a store larger than its limit (the built-in history plus a
linked corpus, drawn at most SMALL_CAP nodes at a time), and at the widths
of a desktop, a laptop and a phone: what failed before the server decided
every filter, before the lineage view, before the drawers."""

from __future__ import annotations

import gzip
import json
import re
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import REPO  # tests/ is on sys.path (tests/conftest.py)

from browser.conftest import CORPUS_PAPERS, HIDDEN_PAPER, HIDDEN_TITLE, HOSTILE, SMALL_CAP, Visit

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
WIDTHS = {"desktop": (1600, 1000), "laptop": (1024, 768), "phone": (400, 800)}


def api(server, path: str, **params) -> dict:
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    with urllib.request.urlopen(server.url + path + query) as response:
        return json.load(response)


def drawn(page) -> set[str]:
    return set(page.evaluate("Object.values(aiprogress.page.network.body.nodes).filter(n => !n.options.hidden).map(n => n.id)"))


def settle(visit) -> None:
    """Wait until no view, lineage or path request is under way and the page has drawn."""
    visit.page.wait_for_load_state("networkidle")
    visit.page.wait_for_timeout(150)


def shot(visit, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture
def sized(chromium_browser):
    opened = []

    def open_at(width: str, init_script: str | None = None) -> Visit:
        v = Visit(chromium_browser, viewport=WIDTHS[width], init_script=init_script)
        opened.append(v)
        return v

    yield open_at
    for v in opened:
        v.close()


# --------------------------------------------------------------------------
# Correct at any size: the server filters the whole store every time
# --------------------------------------------------------------------------


def test_the_store_is_larger_than_the_cap_and_the_page_says_what_it_left_out(sized, corpus_server):
    visit = sized("desktop")
    visit.open(corpus_server.url)
    view = api(corpus_server, "api/view")
    meta = view["meta"]
    assert meta["server_mode"] and meta["total_nodes"] > CORPUS_PAPERS > SMALL_CAP == meta["shown_nodes"]
    assert visit.page.evaluate("aiprogress.page.serverMode") is True
    assert drawn(visit.page) == {n["id"] for n in view["nodes"]}
    notice = visit.page.text_content("#notice")
    assert f"{meta['left_out']:,} left out" in notice and meta["cap_rule"] in notice
    # Kind counts: drawn now, and the store's totals.
    papers = visit.page.text_content("#kind-filters label[data-kind=paper] .n")
    drawn_papers = sum(1 for n in view["nodes"] if n["kind"] == "paper")
    assert papers == f"{drawn_papers:,} / {meta['kind_totals']['paper']:,}" and meta["kind_totals"]["paper"] > CORPUS_PAPERS
    shot(visit, "page-large-1600.png")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_reset_after_a_narrowing_filter_asks_the_whole_store_again(sized, corpus_server, width):
    visit = sized(width)
    visit.open(corpus_server.url)
    default = {n["id"] for n in api(corpus_server, "api/view")["nodes"]}
    visit.page.select_option("#constraint-filter", "constraint:compute")
    settle(visit)
    narrowed = {n["id"] for n in api(corpus_server, "api/view", constraint="constraint:compute")["nodes"]}
    assert drawn(visit.page) == narrowed and len(narrowed) < SMALL_CAP
    visit.page.click("#reset")
    settle(visit)
    assert drawn(visit.page) == default
    assert visit.page.text_content("#counts").startswith(f"{SMALL_CAP} of ")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_after_a_focus_reset_then_a_constraint_draws_that_constraint(sized, corpus_server, width):
    visit = sized(width)
    visit.open(corpus_server.url + "#focus=technique:transformer&mode=origins")
    # In server mode the focus still has its box, its leave button and its list.
    assert not visit.page.is_hidden("#focus-box") and visit.page.is_visible("#focus-clear")
    assert visit.page.locator("#lineage-list li").count() > 10
    visit.page.click("#reset")
    settle(visit)
    visit.page.select_option("#constraint-filter", "constraint:compute")
    settle(visit)
    expected = {n["id"] for n in api(corpus_server, "api/view", constraint="constraint:compute")["nodes"]}
    assert expected and drawn(visit.page) == expected
    assert "constraint=constraint%3Acompute" in visit.page.url and "focus" not in visit.page.url


# An answer for the data constraint that arrives after the answer for compute.
SLOW_DATA = """
(() => {
  const real = window.fetch;
  window.fetch = function (url, options) {
    const answer = real.call(this, url, options);
    if (String(url).includes("constraint=constraint%3Adata")) return answer.then(r => new Promise(done => setTimeout(() => done(r), 1500)));
    return answer;
  };
})();
"""


def test_a_late_answer_to_an_older_change_is_not_drawn(sized, corpus_server):
    visit = sized("desktop", init_script=SLOW_DATA)
    visit.open(corpus_server.url)
    visit.page.select_option("#constraint-filter", "constraint:data")
    visit.page.select_option("#constraint-filter", "constraint:compute")
    visit.page.wait_for_timeout(2500)
    expected = {n["id"] for n in api(corpus_server, "api/view", constraint="constraint:compute")["nodes"]}
    assert drawn(visit.page) == expected
    assert visit.page.input_value("#constraint-filter") == "constraint:compute"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_search_finds_a_stored_paper_that_is_not_drawn_and_draws_its_neighbourhood(sized, corpus_server, width):
    visit = sized(width)
    visit.open(corpus_server.url)
    assert HIDDEN_PAPER not in drawn(visit.page)
    visit.page.fill("#search", "zyzzyva")
    visit.page.wait_for_selector(f"#search-results li[data-id='{HIDDEN_PAPER}']")
    assert "not drawn yet" in visit.page.text_content(f"#search-results li[data-id='{HIDDEN_PAPER}']")
    visit.page.press("#search", "Enter")
    visit.wait_until(f"document.getElementById('details-body').getAttribute('data-node-id') === '{HIDDEN_PAPER}'")
    assert HIDDEN_PAPER in drawn(visit.page)
    assert visit.page.text_content("#details-title") == HIDDEN_TITLE
    assert visit.page.evaluate("aiprogress.page.network.getSelectedNodes()") == [HIDDEN_PAPER]
    assert "node=paper%3AP03-1001" in visit.page.url
    shot(visit, f"page-search-hit-{WIDTHS[width][0]}.png")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_deep_link_to_a_node_not_drawn_loads_its_neighbourhood(sized, corpus_server, width):
    visit = sized(width)
    assert HIDDEN_PAPER not in {n["id"] for n in api(corpus_server, "api/view")["nodes"]}
    visit.open(corpus_server.url + "#node=" + HIDDEN_PAPER)
    visit.wait_until(f"document.getElementById('details-body').getAttribute('data-node-id') === '{HIDDEN_PAPER}'")
    assert drawn(visit.page) == {HIDDEN_PAPER}  # it has no edge: its neighbourhood is itself
    assert "Around" in visit.page.text_content("#focus-text")
    # A later hashchange (the question box sets location.hash) is honoured too.
    default = {n["id"] for n in api(corpus_server, "api/view")["nodes"]}
    outside = next(f"paper:P{i:05d}" for i in range(CORPUS_PAPERS) if f"paper:P{i:05d}" not in default)
    visit.page.evaluate("(id) => { location.hash = 'node=' + encodeURIComponent(id); }", outside)
    visit.wait_until(f"document.getElementById('details-body').getAttribute('data-node-id') === '{outside}'")
    around = {n["id"] for n in api(corpus_server, "api/view", around=outside)["nodes"]}
    assert drawn(visit.page) == around and len(around) > 1
    assert visit.errors == []


def test_the_data_routes_are_gzip_compressed(corpus_server):
    for path in ("api/view", "api/lineage/technique:lstm?mode=impact", "api/timeline", "api/search?q=parsing", "page/static/page.js"):
        request = urllib.request.Request(corpus_server.url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip", path
            body = gzip.decompress(response.read())
            if path.startswith("api/"):
                json.loads(body)


# --------------------------------------------------------------------------
# The lineage view
# --------------------------------------------------------------------------


def lineage_positions(page) -> list[dict]:
    return page.evaluate(
        "(() => { const l = aiprogress.page.lineage; const pos = aiprogress.page.network.getPositions();"
        " return [{id: l.root.id, year: l.root.year, distance: 0, root: true}].concat(l.reached)"
        ".filter(r => pos[r.id]).map(r => ({id: r.id, year: r.year, distance: r.distance, root: !!r.root, x: pos[r.id].x, y: pos[r.id].y})); })()"
    )


def label_boxes(page) -> list[dict]:
    """Every drawn label's box at zoom 1, where vis-network draws them all."""
    page.evaluate("aiprogress.page.network.moveTo({scale: 1}); aiprogress.page.network.redraw()")
    return page.evaluate(
        "Object.values(aiprogress.page.network.body.nodes).filter(n => !n.options.hidden && n.labelModule.size.width)"
        ".map(n => ({id: n.id, l: n.labelModule.size.left, t: n.labelModule.size.top, w: n.labelModule.size.width, h: n.labelModule.size.height}))"
    )


@pytest.mark.parametrize("width", ["desktop", "laptop", "phone"])
def test_origins_lay_out_by_year_and_distance_with_a_sorted_list_and_no_colliding_labels(sized, page_server, width):
    visit = sized(width)
    visit.open(page_server.url + "#focus=technique:transformer&mode=origins")
    points = lineage_positions(visit.page)
    root = next(p for p in points if p["root"])
    others = [p for p in points if not p["root"]]
    assert len(others) > 20
    # Time runs left to right; the focused node at the end it runs to.
    assert all(p["x"] < root["x"] for p in others)
    dated = sorted((p for p in others if p["year"] is not None), key=lambda p: p["year"])
    assert all(a["x"] < b["x"] for a, b in zip(dated, dated[1:]) if a["year"] < b["year"])
    # One band per distance, nearer bands above.
    assert all(a["y"] < b["y"] for a in others for b in others if a["distance"] < b["distance"])
    shot(visit, f"page-lineage-{WIDTHS[width][0]}.png")
    boxes = label_boxes(visit.page)
    overlaps = [(a["id"], b["id"]) for k, a in enumerate(boxes) for b in boxes[k + 1 :]
                if a["l"] < b["l"] + b["w"] and b["l"] < a["l"] + a["w"] and a["t"] < b["t"] + b["h"] and b["t"] < a["t"] + a["h"]]
    assert overlaps == []
    # The list: sorted by distance, each with its year and the fact (note, provenance) that reached it.
    items = visit.page.locator("#lineage-list li")
    distances = [int(items.nth(k).get_attribute("data-distance")) for k in range(items.count())]
    assert distances == sorted(distances) and items.count() == api(page_server, "api/lineage/technique:transformer")["count"]
    lstm = visit.page.locator("#lineage-list li[data-id='technique:lstm']")
    assert "1997" in lstm.text_content() and "source: builtin:" in lstm.text_content() and "enables" in lstm.text_content()
    assert visit.page.get_attribute("#lineage", "data-mode") == "origins"


def test_impact_puts_the_node_first_and_lists_what_it_led_to(visit, page_server):
    visit.open(page_server.url + "#focus=technique:attention&mode=impact")
    points = lineage_positions(visit.page)
    root = next(p for p in points if p["root"])
    assert all(p["x"] > root["x"] for p in points if not p["root"])
    assert "What Attention led to" in visit.page.text_content("#lineage h3")
    ids = [visit.page.locator("#lineage-list li").nth(k).get_attribute("data-id") for k in range(3)]
    assert "technique:transformer" in {r["id"] for r in api(page_server, "api/lineage/technique:attention", mode="impact")["reached"]} and ids


def test_details_show_the_other_nodes_year_sorted_edges_and_shared_notes_once(visit, page_server):
    visit.open(page_server.url + "#node=technique:transformer")
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'technique:transformer'")
    lstm = visit.page.locator("#details-edges li[data-other='technique:lstm']")
    assert lstm.locator(".badge.year").text_content() == "1997"
    for group in visit.page.locator("#details-edges .edge-group").all():
        years = [int(y) for y in group.locator("li .badge.year").all_text_contents()]
        assert years == sorted(years)
    # A note several facts of a group share is written once, above them.
    detail = api(page_server, "api/node/technique:transformer")
    shared = 0
    for group in visit.page.locator("#details-edges .edge-group").all():
        relation, direction = group.get_attribute("data-relation"), group.get_attribute("data-direction")
        notes = [e["note"] for e in detail["edges"] if e["relation"] == relation and e["direction"] == direction and e["note"]]
        written = [re.sub(r" \(\d+ facts\)$", "", t) for t in group.locator(".note").all_text_contents()]
        assert sorted(written) == sorted(set(notes))
        shared += len(written) < len(notes)
    assert shared


def test_lineage_of_a_corpus_paper_lists_prior_and_derivative_works_and_technique_users(sized, corpus_server):
    visit = sized("desktop")
    visit.open(corpus_server.url + "#focus=paper:P00600&mode=origins")
    prior = visit.page.locator("#prior-works li")
    works = api(corpus_server, "api/lineage/paper:P00600", mode="origins")["works"]
    assert prior.count() == len(works) > 0
    assert all(w["distance"] <= 2 for w in works)
    assert visit.page.locator("#techniques-used li").count() >= 1
    visit.page.evaluate("location.hash = 'focus=paper:P00010&mode=impact'")
    visit.page.wait_for_selector("#derivative-works li")
    visit.page.evaluate("location.hash = 'focus=technique:lstm&mode=impact'")
    visit.page.wait_for_selector("#corpus-use .use-row")
    use = api(corpus_server, "api/lineage/technique:lstm", mode="impact")["corpus"]["corpus_use"]
    assert visit.page.locator("#corpus-use .use-row").count() == len(use["by_year"])
    assert drawn(visit.page) <= {r["id"] for r in api(corpus_server, "api/lineage/technique:lstm", mode="impact")["reached"]} | {"technique:lstm"}
    shot(visit, "page-lineage-corpus-1600.png")


def test_a_path_link_draws_the_chain_and_lists_its_facts(visit, page_server):
    visit.open(page_server.url + "#path=technique:rnn,technique:bert")
    path = api(page_server, "api/path", **{"from": "technique:rnn", "to": "technique:bert"})
    assert drawn(visit.page) == set(path["nodes"])
    steps = visit.page.locator("#path-steps li")
    assert steps.count() == path["length"]
    assert all(step["note"] in visit.page.text_content("#path-steps") for step in path["steps"] if step["note"])
    visit.page.click("#focus-clear")
    settle(visit)
    assert len(drawn(visit.page)) == len(api(page_server, "api/view")["nodes"])


# --------------------------------------------------------------------------
# From phone to desktop
# --------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["laptop", "phone"])
def test_narrow_screens_get_drawers_and_a_graph_with_room(sized, corpus_server, width):
    visit = sized(width)
    visit.open(corpus_server.url)
    graph = visit.page.evaluate("(() => { const r = document.getElementById('graph').getBoundingClientRect(); return {w: r.width, h: r.height}; })()")
    assert graph["w"] >= WIDTHS[width][0] - 20 and graph["h"] >= 320
    assert visit.page.is_hidden("#loading")
    # The filters are a drawer: off screen until asked for.
    assert visit.page.evaluate("document.getElementById('controls').getBoundingClientRect().right") <= 1
    visit.page.click("#toggle-controls")
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate("document.getElementById('controls').getBoundingClientRect().left") >= -1
    shot(visit, f"page-drawer-{WIDTHS[width][0]}.png")
    visit.page.click("#controls .drawer-close")
    # Selecting a node opens the details drawer.
    visit.page.evaluate("aiprogress.selectNode('technique:transformer')")
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'technique:transformer'")
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate("document.getElementById('details').getBoundingClientRect().left") < WIDTHS[width][0]
    assert visit.errors == []


@pytest.mark.parametrize("width", ["desktop", "laptop", "phone"])
def test_overview_keeps_constraints_narratives_and_hubs_labelled(sized, page_server, width):
    visit = sized(width)
    visit.open(page_server.url)
    visit.page.wait_for_timeout(200)
    written = visit.page.evaluate("aiprogress.labelsDrawn()")
    names = {t["id"] for t in written}
    constraints = {n["id"] for n in api(page_server, "api/view", kinds="constraint")["nodes"]}
    narratives = {n["id"] for n in api(page_server, "api/view", kinds="narrative")["nodes"]}
    scale = visit.page.evaluate("aiprogress.page.network.getScale()")
    # At the fitted zoom vis-network's own 11 px labels are too small to draw; ours stay readable.
    assert 11 * scale < 8 and visit.page.evaluate("aiprogress.page.data.options.nodes.scaling.label.drawThreshold") >= 8
    assert constraints <= names or width == "phone"
    assert len(names & constraints) >= 5 and names & narratives and len(names) >= (8 if width == "phone" else 12)
    assert all(t["px"] >= 12 for t in written)
    shot(visit, f"page-overview-{WIDTHS[width][0]}.png")


# --------------------------------------------------------------------------
# The charts
# --------------------------------------------------------------------------


def test_time_chart_writes_counts_has_a_size_key_rings_the_recorded_focus_and_marks_the_range(visit, page_server):
    visit.open(page_server.url)
    timeline = api(page_server, "api/timeline")
    cells = visit.page.locator("#chart .cell")
    assert cells.count() > 10
    for k in range(cells.count()):
        cell = cells.nth(k)
        assert cell.locator("text.count").text_content() == cell.get_attribute("data-count")
    rings = {(c.get_attribute("data-constraint"), int(c.get_attribute("data-start"))) for c in visit.page.locator("#chart .cell.in-focus").all()}
    recorded = {(c, p["start"]) for p in timeline["periods"] for c in p["focus"]}
    assert rings and rings <= recorded
    assert all(start >= 2010 for _, start in rings)  # no narrative is in force before 2012's
    assert visit.page.locator("#chart .size-key circle").count() >= 3
    # Each narrative's label is joined to its line (same x, just above).
    for mark in visit.page.locator("#chart .narrative").all():
        line_x = float(mark.locator("line").get_attribute("x1"))
        assert float(mark.locator("circle").get_attribute("cx")) == line_x
    assert visit.page.get_attribute("#chart rect.selection", "visibility") == "hidden"
    visit.page.fill("#year-from", "2012")
    visit.page.fill("#year-to", "2017")
    visit.page.dispatch_event("#year-to", "change")
    assert visit.page.get_attribute("#chart rect.selection", "visibility") == "visible"
    assert visit.page.is_hidden("#adoption")  # the history alone has no corpus to chart


def test_adoption_chart_shows_each_constraints_share_for_a_linked_corpus(sized, corpus_server):
    visit = sized("desktop")
    visit.open(corpus_server.url)
    assert visit.page.is_visible("#adoption")
    adoption = api(corpus_server, "api/adoption")
    assert visit.page.locator("#adoption-chart .adoption-line").count() == len(adoption["constraints"])
    shot(visit, "page-charts-1600.png")


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def test_export_svg_holds_every_drawn_node_and_keeps_hostile_titles_as_text(visit, page_server, tmp_path):
    visit.open(page_server.url)
    with visit.page.expect_download() as download:
        visit.page.click("#export-svg")
    path = tmp_path / "view.svg"
    download.value.save_as(path)
    root = ElementTree.parse(path).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//s:g[@class='nodes']/s:g", ns)
    assert {g.get("data-id") for g in groups} == drawn(visit.page)
    assert len(root.findall(".//s:g[@class='edges']/s:line", ns)) == len(api(page_server, "api/view")["edges"])
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(HOSTILE[:20] in (t or "") for t in texts)
    assert root.find(".//s:img", ns) is None and root.find(".//s:script", ns) is None


def test_rendered_file_keeps_the_lineage_view_and_svg_export(visit, history_with_hostile_paper, cli, tmp_path):
    out = tmp_path / "graph.html"
    code, _, stderr = cli("render", "--db", history_with_hostile_paper, "--out", out)
    assert code == 0, stderr
    visit.open(out.as_uri() + "#focus=technique:transformer&mode=origins")
    items = visit.page.locator("#lineage-list li")
    assert items.count() > 20
    lstm = visit.page.locator("#lineage-list li[data-id='technique:lstm']")
    assert "1997" in lstm.text_content() and "source: builtin:" in lstm.text_content()
    points = lineage_positions(visit.page)
    root = next(p for p in points if p["root"])
    assert all(p["x"] < root["x"] for p in points if not p["root"])
    assert "<svg" in visit.page.evaluate("aiprogress.svg()")
    visit.page.evaluate("location.hash = 'focus=paper:vaswani2017attention&mode=origins'")
    visit.page.wait_for_selector("#prior-works li")
    # A path needs the server: the file says so instead of failing silently.
    visit.page.evaluate("location.hash = 'path=technique:rnn,technique:bert'")
    visit.wait_until("document.getElementById('notice').textContent.includes('needs the server')")
    assert all(url.startswith("file://") or url.startswith("data:") for url in visit.requests)
    assert visit.errors == []


def test_the_default_view_is_asked_for_once_while_vis_network_loads(visit, page_server):
    visit.open(page_server.url)
    views = [url for url in visit.requests if "/api/view" in url]
    assert len(views) == 1
    # early.js asked for it before page.js (which needs vis-network) ran.
    started = visit.page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/api/view'))[0].startTime")
    assert started < visit.page.evaluate("aiprogress.page.timings.script") + 1


@pytest.mark.parametrize("viewport", [(360, 740), (3840, 2160)])
def test_from_a_small_phone_to_4k_the_page_fits_its_window(chromium_browser, page_server, viewport):
    visit = Visit(chromium_browser, viewport=viewport)
    try:
        visit.open(page_server.url)
        size = visit.page.evaluate("(() => { const r = document.getElementById('graph').getBoundingClientRect();"
                                   " return {w: r.width, h: r.height, page: document.documentElement.scrollWidth, window: innerWidth}; })()")
        assert size["page"] <= size["window"]  # nothing pushes the page sideways
        assert size["h"] >= 320 and size["w"] >= (viewport[0] - 20 if viewport[0] < 1200 else viewport[0] - 700)
        # Labels: vis-network's own when the zoom makes them readable, else ours.
        own = 11 * visit.page.evaluate("aiprogress.page.network.getScale()") >= 8
        assert own or visit.page.evaluate("aiprogress.labelsDrawn().length") >= 5
        assert visit.errors == []
        shot(visit, f"page-overview-{viewport[0]}.png")
    finally:
        visit.close()
