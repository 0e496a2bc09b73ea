"""The error shapes, pinned: one JSON shape for HTTP errors, `extensions.code`
on GraphQL errors, and never a stack trace or SQL in either."""

from __future__ import annotations

import sqlite3

from api_support import TOKEN, api, make_api  # noqa: F401  (api is a fixture)

LEAKS = ("Traceback", "sqlite3", "SELECT", "sqlalchemy", 'File "', "OperationalError")


def assert_no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, f"{marker!r} leaked to the client: {text}"


def test_http_error_shape_is_pinned(api):
    response = api.client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not-found", "message": "no such page", "status": 404}}

    response = api.client.post("/ingest/bibtex", content=b"@misc{x, title={t}}")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "permission-denied", "message": "writes need the header `Authorization: Bearer <token>`", "status": 401}
    }

    response = api.client.post("/ingest/bibtex?strict=maybe", content=b"", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["code"] == "invalid-input" and "strict" in body["error"]["message"]


def test_http_error_with_a_place_carries_where(api):
    response = api.client.post("/ingest/bibtex?strict=true", content=b"@article{ok, title={Fine}, year={2020}}\n@misc{broken,\n", headers={"Authorization": f"Bearer {TOKEN}"})
    # The strict upload is refused as a whole; the place of the problem is named.
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid-input" and error["where"] == "upload.bib:2" and "could not parse" in error["message"]
    assert api.error('{ node(id: "paper:ok") { id } }')["extensions"]["code"] == "not-found"


def test_graphql_error_shape_is_pinned(api):
    body = api.gql('{ node(id: "technique:nope") { id } }')
    assert body == {
        "data": {"node": None},
        "errors": [
            {
                "message": "no node with id or alias 'technique:nope'",
                "locations": [{"line": 1, "column": 3}],
                "path": ["node"],
                "extensions": {"code": "not-found"},
            }
        ],
    }


def test_query_mistakes_are_invalid_query_errors(api):
    for query, words in (
        ("{ node(id: 1) { nope } }", "Cannot query field 'nope'"),
        ("{ node(id: ", "Syntax Error"),
        ("{ nodes(kind: gadget) { totalCount } }", "gadget"),
    ):
        error = api.gql(query)["errors"][0]
        assert error["extensions"]["code"] == "invalid-query" and words in error["message"], error


def test_unexpected_failures_are_masked_and_name_no_sql(builtin_db):
    # A real fault: the measurement table vanishes under a running server.
    api = make_api(builtin_db, token=TOKEN)
    with sqlite3.connect(builtin_db) as connection:
        connection.execute("DROP TABLE measurement")
    body = api.gql('{ node(id: "technique:alexnet") { name measurements { value } } }')
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "internal-error"}
    assert error["message"].startswith("internal error")
    assert_no_leak(str(body))


def test_http_internal_errors_use_the_shape_too(builtin_db):
    api = make_api(builtin_db, token=TOKEN)
    with sqlite3.connect(builtin_db) as connection:
        connection.execute("DROP TABLE node_fts")  # the upload's triggers now fail inside SQLite
    response = api.client.post("/ingest/bibtex", content=b"@article{k1, title={T}, year={2020}}\n", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal-error", "message": response.json()["error"]["message"], "status": 500}}
    assert response.json()["error"]["message"].startswith("internal error")
    assert_no_leak(response.text)
