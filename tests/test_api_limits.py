"""Abuse limits answer with clear `limit-exceeded` errors; introspection stays open."""

from __future__ import annotations

from api_support import TOKEN, make_api
from graphql import get_introspection_query



def limited(builtin_db, **overrides):
    return make_api(builtin_db, token=TOKEN, **overrides)


def nested(depth: int) -> str:
    """node { neighbours { neighbours { ... { id } } } } with `depth` levels of fields."""
    inner = "id"
    for _ in range(depth - 2):
        inner = f"neighbours {{ {inner} }}"
    return f'{{ node(id: "technique:transformer") {{ {inner} }} }}'


def test_query_depth(builtin_db):
    api = limited(builtin_db, max_query_depth=5, max_query_cost=10**9)
    assert "errors" not in api.gql(nested(5))
    error = api.error(nested(7))
    assert error["extensions"]["code"] == "limit-exceeded"
    assert "exceeds maximum operation depth of 5" in error["message"]


def test_aliases(builtin_db):
    api = limited(builtin_db, max_aliases=3)
    query = "{ " + " ".join(f'a{i}: node(id: "transformer") {{ id }}' for i in range(4)) + " }"
    error = api.error(query)
    assert error["extensions"]["code"] == "limit-exceeded" and "4 aliases found. Allowed: 3" in error["message"]
    assert "errors" not in api.gql("{ " + " ".join(f'a{i}: node(id: "transformer") {{ id }}' for i in range(3)) + " }")


def test_estimated_cost_counts_pages_and_nested_lists(builtin_db):
    api = limited(builtin_db, max_query_cost=1000, max_page_size=500)
    cheap = "{ nodes(first: 100) { nodes { id name } } }"  # 1 + 100 * (1 + 2) = 301
    assert "errors" not in api.gql(cheap)
    # Each node's neighbours are guessed at 10: 1 + 100 * (1 + 1 + (1 + 10 * 2)) = 2301
    error = api.error("{ nodes(first: 100) { nodes { id neighbours { id name } } } }")
    assert error["extensions"] == {"code": "limit-exceeded", "cost": 2301, "maxCost": 1000}
    assert "estimated cost of 2301" in error["message"] and "first" in error["message"]
    # A limit given on the nested list is used instead of the guess: 1 + 100 * (1 + 1 + (1 + 2 * 2)) = 701
    assert "errors" not in api.gql("{ nodes(first: 100) { nodes { id neighbours(limit: 2) { id name } } } }")
    # A page size given by a variable is costed at the largest page allowed: 1 + 500 * 3
    error = api.error("query($n: Int!) { nodes(first: $n) { nodes { id name } } }", {"n": 1})
    assert error["extensions"]["cost"] == 1501


def test_page_size(builtin_db):
    api = limited(builtin_db, max_page_size=20)
    error = api.error("{ nodes(first: 21) { totalCount } }")
    assert error["extensions"]["code"] == "limit-exceeded" and "at most 20" in error["message"]
    error = api.error('{ search(text: "network", first: 1000) { totalCount } }')
    assert error["extensions"]["code"] == "limit-exceeded"
    error = api.error('{ node(id: "transformer") { edges(limit: 21) { id } } }')
    assert error["extensions"]["code"] == "limit-exceeded" and "limit is 21" in error["message"]
    error = api.error("{ nodes(first: -1) { totalCount } }")
    assert error["extensions"]["code"] == "invalid-input"
    assert len(api.data("{ nodes(first: 20) { nodes { id } } }")["nodes"]["nodes"]) == 20


def test_request_body_size(builtin_db):
    api = limited(builtin_db, max_upload_bytes=2_000)
    padding = " " * 2_100
    response = api.client.post("/graphql", json={"query": "{ stats { totalNodes } }" + padding})
    assert response.status_code == 413
    assert response.json() == {"error": {"code": "limit-exceeded", "message": "the request body is larger than this server's limit of 2000 bytes (setting max_upload_bytes)", "status": 413}}
    upload = api.client.post("/ingest/bibtex", content=b"@misc{k, title={" + b"x" * 3_000 + b"}}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert upload.status_code == 413 and upload.json()["error"]["code"] == "limit-exceeded"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(5):
            yield b"x" * 1_000

    streamed = api.client.post("/ingest/bibtex", content=chunks(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert streamed.status_code == 413
    assert api.data("{ stats { totalNodes } }")["stats"]["totalNodes"] > 0


def test_introspection_passes_every_limit(builtin_db):
    api = limited(builtin_db, max_query_depth=4, max_aliases=0, max_query_cost=10)
    schema = api.data(get_introspection_query(descriptions=True))["__schema"]
    names = {t["name"] for t in schema["types"]}
    assert {"Node", "Paper", "Technique", "Constraint", "Narrative", "Field", "Edge", "NodeConnection"} <= names


def fan_out_query(levels: int) -> str:
    """`levels` fragments, each spreading the one before twice: the expanded
    query doubles with each level (2**levels fields) while the text grows linearly."""
    fragments = ["fragment f0 on Node { id }"]
    for i in range(1, levels):
        fragments.append(f"fragment f{i} on Node {{ ...f{i - 1} neighbours {{ ...f{i - 1} }} }}")
    return '{ node(id: "transformer") { ...f%d } } ' % (levels - 1) + " ".join(fragments)


def test_cost_of_fragments_spread_many_times_is_estimated_in_linear_time(builtin_db):
    import time

    api = limited(builtin_db, max_query_cost=10_000, max_query_depth=10**6)
    query = fan_out_query(20)
    assert len(query) < 1500
    started = time.process_time()
    error = api.error(query)
    elapsed = time.process_time() - started
    assert error["extensions"]["code"] == "limit-exceeded"
    # Each level costs 1 + 1 + 10 * (cost of the level below), so the estimate is exact and huge.
    cost = 1
    for _ in range(19):
        cost = cost + 1 + 10 * cost
    assert error["extensions"]["cost"] == 1 + cost
    assert elapsed < 0.5, f"took {elapsed:.2f} s of CPU"
    # Under the default limits it is refused for its depth (and cost), as fast.
    api = limited(builtin_db)
    started = time.process_time()
    errors = api.gql(query)["errors"]
    assert time.process_time() - started < 0.5
    assert "exceeds maximum operation depth" in errors[0]["message"]
    # Aliases inside fragments count once per spread, also without expanding them.
    aliased = fan_out_query(20).replace("fragment f0 on Node { id }", "fragment f0 on Node { a: id }")
    started = time.process_time()
    error = limited(builtin_db, max_query_cost=10**30, max_query_depth=10**6, max_aliases=1000).error(aliased)
    assert time.process_time() - started < 0.5
    assert error["message"] == f"{2**19} aliases found. Allowed: 1000"
