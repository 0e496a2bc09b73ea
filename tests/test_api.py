"""GraphQL queries through HTTP against the built-in history."""

from __future__ import annotations

from api_support import api  # noqa: F401  (fixture)

from aiprogress.graph import db as database
from aiprogress.graph import service

NODE_FIELDS = "id kind name year"


def test_node_by_id_alias_and_citation_key_resolves_to_its_concrete_type(api):
    for ref in ("technique:transformer", "transformer", "paper:vaswani2017attention", "vaswani2017attention"):
        node = api.data('query($id: ID!) { node(id: $id) { __typename id kind name } }', {"id": ref})["node"]
        assert node["id"].endswith(ref.split(":")[-1]) or node["name"].lower() == ref
    paper = api.data('{ node(id: "vaswani2017attention") { __typename ... on Paper { arxivId authors citationKey } } }')["node"]
    assert paper["__typename"] == "Paper"
    assert paper["arxivId"] == "1706.03762"
    assert paper["authors"][0].startswith("Vaswani")
    technique = api.data('{ node(id: "technique:transformer") { __typename ... on Technique { category } } }')["node"]
    assert technique == {"__typename": "Technique", "category": "architecture"}
    constraint = api.data('{ node(id: "constraint:compute") { __typename ... on Constraint { binding } } }')["node"]
    assert constraint["__typename"] == "Constraint" and constraint["binding"] in {"hard", "leverage"}


def test_unknown_node_is_a_not_found_error_naming_the_id(api):
    body = api.gql('{ node(id: "technique:no-such-thing") { id } }')
    assert body["data"] == {"node": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "not-found"
    assert "technique:no-such-thing" in error["message"]


def test_edges_filter_by_relation_and_direction_and_agree_with_the_service(api, builtin_engine):
    query = """query($rel: Relation, $dir: Direction) { node(id: "technique:transformer") {
        edges(relation: $rel, direction: $dir) { id relation direction sourceId targetId provenance note year confidence inferred
          source { id } target { id } other { id } } } }"""
    everything = api.data(query)["node"]["edges"]
    with database.session_scope(builtin_engine) as session:
        expected = service.node_edges(session, "technique:transformer")
    assert sorted(e["id"] for e in everything) == sorted(v.id for v in expected)
    outgoing = api.data(query, {"dir": "OUT"})["node"]["edges"]
    assert outgoing and all(e["direction"] == "OUT" and e["sourceId"] == "technique:transformer" == e["source"]["id"] for e in outgoing)
    assert all(e["other"]["id"] == e["targetId"] for e in outgoing)
    incoming = api.data(query, {"dir": "IN"})["node"]["edges"]
    assert incoming and all(e["direction"] == "IN" and e["other"]["id"] == e["sourceId"] for e in incoming)
    assert len(outgoing) + len(incoming) == len(everything)
    enables = api.data(query, {"rel": "enables", "dir": "OUT"})["node"]["edges"]
    assert enables and {e["relation"] for e in enables} == {"enables"}
    assert all(e["provenance"] for e in everything)


def test_neighbours_are_distinct_and_filter_by_kind(api):
    data = api.data('{ node(id: "technique:transformer") { neighbours { id kind } papers: neighbours(kind: paper) { id kind } edges { other { id } } } }')["node"]
    ids = [n["id"] for n in data["neighbours"]]
    assert len(ids) == len(set(ids)) == len({e["other"]["id"] for e in data["edges"]})
    assert data["papers"] and all(n["kind"] == "paper" for n in data["papers"])
    assert {n["id"] for n in data["papers"]} <= set(ids)


def test_measurements_and_aliases(api):
    node = api.data('{ node(id: "technique:alexnet") { aliases measurements { quantity value unit source note } } }')["node"]
    assert "alexnet" in node["aliases"]
    params = [m for m in node["measurements"] if m["quantity"] == "parameters"]
    assert params and params[0]["value"] > 1e6 and params[0]["source"]


def test_nodes_pages_cover_every_match_once_in_year_order(api):
    query = """query($after: String) { nodes(kind: paper, first: 7, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id year } } }"""
    seen, after, total = [], None, None
    while True:
        page = api.data(query, {"after": after})["nodes"]
        total = page["totalCount"]
        seen.extend(page["nodes"])
        assert len(page["nodes"]) <= 7
        if not page["pageInfo"]["hasNextPage"]:
            assert page["pageInfo"]["endCursor"] is None
            break
        after = page["pageInfo"]["endCursor"]
    ids = [n["id"] for n in seen]
    assert len(ids) == len(set(ids)) == total == api.data("{ stats { nodes { kind count } } }")["stats"]["nodes"][0]["count"]
    years = [n["year"] if n["year"] is not None else 10**6 for n in seen]
    assert years == sorted(years)


def test_nodes_filters(api):
    def ids(args: str) -> set[str]:
        return {n["id"] for n in api.data(f"{{ nodes({args}, first: 500) {{ nodes {{ id kind year }} }} }}")["nodes"]["nodes"]}

    in_range = api.data("{ nodes(yearFrom: 2015, yearTo: 2017, first: 500) { nodes { year } } }")["nodes"]["nodes"]
    assert in_range and all(2015 <= n["year"] <= 2017 for n in in_range)
    relaxing_compute = ids('constraint: "constraint:compute"')
    assert relaxing_compute
    for node_id in relaxing_compute:
        edges = api.data('query($id: ID!) { node(id: $id) { edges(relation: relaxes, direction: OUT) { targetId } } }', {"id": node_id})["node"]["edges"]
        assert "constraint:compute" in {e["targetId"] for e in edges}
    triggering = ids("relation: triggered")
    assert any(i.startswith("narrative:") for i in triggering)
    assert ids('search: "attention", kind: paper') >= {"paper:vaswani2017attention"}
    assert ids('search: "attention", kind: paper') <= ids("kind: paper")


def test_bad_cursor_and_bad_filters_are_clear_errors(api):
    error = api.error('{ nodes(after: "not-a-cursor") { totalCount } }')
    assert error["extensions"]["code"] == "invalid-input" and "bad cursor" in error["message"]
    error = api.error("{ nodes(yearFrom: 2020, yearTo: 2000) { totalCount } }")
    assert error["extensions"]["code"] == "invalid-input" and "yearFrom" in error["message"]
    error = api.error('{ nodes(constraint: "technique:transformer") { totalCount } }')
    assert "not a constraint" in error["message"]


def test_search_is_ranked_and_paginated(api):
    data = api.data('{ search(text: "transformer", first: 3) { totalCount pageInfo { hasNextPage endCursor } hits { score node { id } } } }')["search"]
    hits = data["hits"]
    assert hits[0]["node"]["id"] == "technique:transformer"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert data["totalCount"] > 3 and data["pageInfo"]["hasNextPage"]
    rest = api.data('query($after: String) { search(text: "transformer", first: 100, after: $after) { hits { node { id } } } }', {"after": data["pageInfo"]["endCursor"]})["search"]["hits"]
    all_ids = [h["node"]["id"] for h in hits + rest]
    assert len(all_ids) == len(set(all_ids)) == data["totalCount"]
    abstract_only = api.data('{ search(text: "Attention Is All You Need") { hits { node { id } } } }')["search"]["hits"]
    assert abstract_only[0]["node"]["id"] == "paper:vaswani2017attention"
    error = api.error('{ search(text: "  *** ") { totalCount } }')
    assert error["extensions"]["code"] == "invalid-input"


def test_paper_by_doi_and_arxiv_accept_common_spellings(api):
    for doi in ("10.1162/neco.1989.1.4.541", "https://doi.org/10.1162/NECO.1989.1.4.541", "doi:10.1162/neco.1989.1.4.541"):
        assert api.data("query($d: String!) { paperByDoi(doi: $d) { id } }", {"d": doi})["paperByDoi"]["id"] == "paper:lecun1989backpropagation"
    for arxiv in ("1706.03762", "arXiv:1706.03762v5", "https://arxiv.org/abs/1706.03762"):
        assert api.data("query($a: String!) { paperByArxiv(arxivId: $a) { id name } }", {"a": arxiv})["paperByArxiv"]["id"] == "paper:vaswani2017attention"
    error = api.error('{ paperByDoi(doi: "10.9999/none") { id } }')
    assert error["extensions"]["code"] == "not-found" and "10.9999/none" in error["message"]
    # Not a DOI at all: an error, never "the first paper without a DOI".
    error = api.error('{ paperByDoi(doi: "10.0/none") { id } }')
    assert error["extensions"]["code"] == "invalid-input" and "not a DOI" in error["message"]
    error = api.error('{ paperByArxiv(arxivId: "junk") { id } }')
    assert error["extensions"]["code"] == "invalid-input" and "not an arXiv id" in error["message"]


def test_stats_match_the_service(api, builtin_engine):
    stats = api.data("{ stats { totalNodes totalEdges measurements aliases nodes { kind count } edges { relation count } } }")["stats"]
    with database.session_scope(builtin_engine) as session:
        expected = service.stats(session)
    assert stats["totalNodes"] == expected["total_nodes"] and stats["totalEdges"] == expected["total_edges"]
    assert {n["kind"]: n["count"] for n in stats["nodes"]} == expected["nodes"]
    assert {e["relation"].replace("_", "-"): e["count"] for e in stats["edges"]} == expected["edges"]


def test_healthz(api):
    response = api.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_graphiql_is_served_from_local_assets_only(api):
    page = api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    import re

    # data: URIs (the empty icon) load nothing from anywhere.
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page.text) if not s.startswith("data:")]
    assert sources and all(s.startswith("/static/graphiql/") for s in sources), sources
    assert "http://" not in page.text and "https://" not in page.text
    for source in sources:
        asset = api.client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 1000, source


def test_the_running_server_keeps_its_startup_objects_out_of_the_collector(tmp_path):
    import gc
    import warnings

    from aiprogress.api.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    gc.unfreeze()
    app = create_app({"database_url": str(tmp_path / "frozen.db")})
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        # The schema, routes and modules built before the server started.
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # handed back to the collector at shutdown
