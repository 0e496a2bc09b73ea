"""The page in a real headless Chromium: what a user sees and clicks."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from aiprogress.graph.relations import RELATIONS
from conftest import REPO  # tests/ is on sys.path (tests/conftest.py)

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
ARTIFACTS = REPO / "test-artifacts"


def api(server, path: str, **params) -> dict:
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    with urllib.request.urlopen(server.url + path + query) as response:
        return json.load(response)


def drawn_node_ids(page) -> set[str]:
    """The nodes vis-network itself will draw (not hidden)."""
    return set(page.evaluate("Object.values(aiprogress.page.network.body.nodes).filter(n => !n.options.hidden).map(n => n.id)"))


def drawn_edges(page) -> list[dict]:
    return page.evaluate(
        "Object.values(aiprogress.page.network.body.edges).filter(e => !e.options.hidden && e.connected)"
        ".map(e => ({from: e.fromId, to: e.toId, relation: aiprogress.page.edges.get(e.id).relation}))"
    )


def dom_position(page, node_id: str) -> dict:
    return page.evaluate(
        "(id) => { const n = aiprogress.page.network; const p = n.canvasToDOM(n.getPosition(id));"
        " const r = document.getElementById('graph').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top, cx: r.left + r.width / 2, cy: r.top + r.height / 2}; }",
        node_id,
    )


def test_page_loads_cleanly_draws_what_the_api_holds_and_stays_on_loopback(visit, page_server):
    visit.open(page_server.url)
    expected = {n["id"] for n in api(page_server, "api/view")["nodes"]}
    assert drawn_node_ids(visit.page) == expected and len(expected) > 100
    assert len(drawn_edges(visit.page)) == len(api(page_server, "api/view")["edges"])
    assert visit.errors == []
    assert visit.requests and all(url.startswith("http://127.0.0.1:") or url.startswith("data:") for url in visit.requests), visit.requests
    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.screenshot(path=str(ARTIFACTS / "page.png"))
    assert (ARTIFACTS / "page.png").stat().st_size > 20_000


def test_kind_filter_hides_exactly_that_kind(visit, page_server):
    visit.open(page_server.url)
    visit.page.uncheck("#kind-filters input[value=paper]")
    expected = {n["id"] for n in api(page_server, "api/view", kinds="constraint,narrative,proposal,problem,theme,technique,field")["nodes"]}
    assert drawn_node_ids(visit.page) == expected
    assert not any(e["from"].startswith("paper:") or e["to"].startswith("paper:") for e in drawn_edges(visit.page))
    assert "kinds=constraint%2Cnarrative%2Cproposal%2Cproblem%2Ctheme%2Ctechnique%2Cfield" in visit.page.url


def test_relation_filter_keeps_only_those_edges(visit, page_server):
    visit.open(page_server.url)
    before = len(drawn_node_ids(visit.page))
    for relation in RELATIONS:
        if relation != "relaxes":
            visit.page.uncheck(f"#relation-filters input[value={relation}]")
    edges = drawn_edges(visit.page)
    expected = api(page_server, "api/view", relations="relaxes")["edges"]
    assert {e["relation"] for e in edges} == {"relaxes"} and len(edges) == len(expected)
    assert len(drawn_node_ids(visit.page)) == before


def test_year_range_and_constraint_filters_match_the_server(visit, page_server):
    visit.open(page_server.url)
    visit.page.fill("#year-from", "2012")
    visit.page.fill("#year-to", "2017")
    visit.page.press("#year-to", "Enter")
    visit.page.dispatch_event("#year-to", "change")
    expected = {n["id"] for n in api(page_server, "api/view", **{"from": 2012, "to": 2017})["nodes"]}
    assert drawn_node_ids(visit.page) == expected
    visit.page.select_option("#constraint-filter", "constraint:compute")
    expected = {n["id"] for n in api(page_server, "api/view", constraint="constraint:compute", **{"from": 2012, "to": 2017})["nodes"]}
    assert drawn_node_ids(visit.page) == expected and "constraint:compute" in expected
    assert "constraint:data" not in expected


def test_search_centres_the_node_and_opens_it(visit, page_server):
    visit.open(page_server.url)
    visit.page.fill("#search", "transformer")
    first = visit.page.locator("#search-results li").first
    assert first.get_attribute("data-id") == "technique:transformer"
    visit.page.press("#search", "Enter")
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'technique:transformer'")
    where = dom_position(visit.page, "technique:transformer")
    assert abs(where["x"] - where["cx"]) < 5 and abs(where["y"] - where["cy"]) < 5
    assert visit.page.evaluate("aiprogress.page.network.getSelectedNodes()") == ["technique:transformer"]
    assert "node=technique%3Atransformer" in visit.page.url


def test_clicking_a_node_opens_its_details_with_links_and_evidence(visit, page_server):
    visit.open(page_server.url)
    visit.page.evaluate("aiprogress.page.network.focus('paper:vaswani2017attention', {scale: 1.5})")
    where = dom_position(visit.page, "paper:vaswani2017attention")
    visit.page.mouse.click(where["x"], where["y"])
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'paper:vaswani2017attention'")
    detail = api(page_server, "api/node/paper:vaswani2017attention")
    assert visit.page.text_content("#details-title") == detail["node"]["name"]
    assert detail["paper"]["authors"][0] in visit.page.text_content("#details-authors")
    assert visit.page.get_attribute("#details-body a[href^='https://arxiv.org/abs/']", "href") == "https://arxiv.org/abs/1706.03762"
    items = visit.page.locator("#details-edges li")
    assert items.count() == len(detail["edges"])
    text = visit.page.text_content("#details-edges")
    assert all(e["provenance"] in text for e in detail["edges"])
    assert any(e["note"] and e["note"] in text for e in detail["edges"])


def test_focus_shows_only_the_origins_from_the_graph_queries(visit, page_server):
    visit.open(page_server.url + "#node=technique:transformer")
    visit.page.wait_for_selector("#focus-origins")
    visit.page.click("#focus-origins")
    expected = set(api(page_server, "api/focus/technique:transformer", mode="origins")["nodes"])
    visit.wait_until("!document.getElementById('focus-box').hidden")
    assert drawn_node_ids(visit.page) == expected and "technique:attention" in expected
    visit.page.click("#focus-clear")
    assert len(drawn_node_ids(visit.page)) == len(api(page_server, "api/view")["nodes"])


def test_the_url_reproduces_the_view(visit, another_visit, page_server):
    visit.open(page_server.url)
    visit.page.uncheck("#kind-filters input[value=paper]")
    visit.page.select_option("#constraint-filter", "constraint:architecture")
    shown = drawn_node_ids(visit.page)
    another_visit.open(visit.page.url)
    assert drawn_node_ids(another_visit.page) == shown
    assert another_visit.page.input_value("#constraint-filter") == "constraint:architecture"
    assert not another_visit.page.is_checked("#kind-filters input[value=paper]")


def test_hostile_title_is_shown_as_text_and_runs_nothing(visit, page_server):
    visit.open(page_server.url)
    visit.page.fill("#search", "<img")
    result = visit.page.locator("#search-results li").first
    assert result.get_attribute("data-id") == "paper:hostile2020"
    assert HOSTILE in result.text_content()
    visit.page.press("#search", "Enter")
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'paper:hostile2020'")
    assert visit.page.text_content("#details-title") == HOSTILE
    assert "<b id=pwned>Mallory</b>" in visit.page.text_content("#details-authors")
    assert "<script>alert(2)</script>" in visit.page.text_content("#details-edges")
    # No markup from the data became elements, and the javascript: URL is not a link.
    assert visit.page.evaluate("document.querySelectorAll('img, #pwned, #details-body script, #details-body style, #search-results img').length") == 0
    assert visit.page.locator("#details-body a[href^='javascript']").count() == 0
    # The hover tooltip holds the same text, as text.
    where = dom_position(visit.page, "paper:hostile2020")
    visit.page.mouse.move(where["x"], where["y"])
    visit.page.wait_for_selector("div.vis-tooltip", state="visible")
    assert HOSTILE in visit.page.text_content("div.vis-tooltip")
    assert visit.page.evaluate("document.querySelectorAll('div.vis-tooltip img').length") == 0
    assert visit.dialogs == [] and visit.errors == []


def test_time_chart_marks_the_three_narratives_and_a_period_click_filters(visit, page_server):
    visit.open(page_server.url)
    marks = visit.page.locator("#chart .narrative")
    assert marks.count() == 3
    names = " ".join(marks.nth(i).text_content() for i in range(3))
    for narrative in api(page_server, "api/timeline")["narratives"]:
        assert narrative["name"] in names and str(narrative["year"]) in names
    visit.page.locator("#chart .period[data-start='2015'] rect.hit").click(position={"x": 3, "y": 3})
    state = visit.page.evaluate("aiprogress.state()")
    assert (state["from"], state["to"]) == (2015, 2019)
    years = visit.page.evaluate("aiprogress.visibleIds().map(id => aiprogress.page.nodes.get(id).year)")
    assert years and all(y is None or 2015 <= y <= 2019 for y in years)
    expected = {n["id"] for n in api(page_server, "api/view", **{"from": 2015, "to": 2019})["nodes"]}
    assert drawn_node_ids(visit.page) == expected


def test_export_png_downloads_the_current_view(visit, page_server, tmp_path):
    visit.open(page_server.url)
    with visit.page.expect_download() as download:
        visit.page.click("#export-png")
    path = tmp_path / "view.png"
    download.value.save_as(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_rendered_file_works_with_no_server(visit, history_with_hostile_paper, cli, tmp_path):
    out = tmp_path / "graph.html"
    code, _, stderr = cli("render", "--db", history_with_hostile_paper, "--out", out)
    assert code == 0, stderr
    visit.open(out.as_uri())
    bundle_nodes = visit.page.evaluate("aiprogress.page.data.nodes.length")
    assert len(drawn_node_ids(visit.page)) == bundle_nodes > 100
    assert all(url.startswith("file://") or url.startswith("data:") for url in visit.requests), visit.requests
    visit.page.fill("#search", "transformer")
    visit.page.press("#search", "Enter")
    visit.wait_until("document.getElementById('details-body').getAttribute('data-node-id') === 'technique:transformer'")
    visit.page.click("#focus-origins")
    visit.wait_until("!document.getElementById('focus-box').hidden")
    assert "technique:attention" in drawn_node_ids(visit.page)
    assert visit.page.locator("#chart .narrative").count() == 3
    assert visit.errors == [] and visit.dialogs == []


def test_graphiql_runs_under_its_content_security_policy(visit, page_server):
    # The policy allows GraphiQL's own scripts, its one inline script (by
    # hash) and its styles; anything it blocked would be a console error.
    response = visit.page.goto(page_server.url + "graphql")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    visit.page.wait_for_selector(".graphiql-container", timeout=30_000)
    visit.page.wait_for_timeout(500)
    assert visit.errors == []
    assert all(url.startswith("http://127.0.0.1:") or url.startswith("data:") for url in visit.requests), visit.requests
