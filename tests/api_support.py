"""Helpers and fixtures for the API tests: the real app (api/app.py) over a
real SQLite file, driven through HTTP with Starlette's TestClient."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from aiprogress.api.app import create_app
from aiprogress.graph import db as database
from aiprogress.graph import service

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "correct-horse-battery"


class Api:
    """A client of one app: `gql` returns the whole GraphQL response, `data`
    only its data (failing the test on any error)."""

    def __init__(self, client: TestClient, token: str | None = None):
        self.client = client
        self.token = token

    def headers(self, token: str | None) -> dict[str, str]:
        token = self.token if token is None else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def gql(self, query: str, variables: dict | None = None, *, token: str | None = None) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(token))
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None, *, token: str | None = None) -> dict[str, Any]:
        body = self.gql(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def error(self, query: str, variables: dict | None = None, *, token: str | None = None) -> dict[str, Any]:
        """The single error of a request that must fail."""
        body = self.gql(query, variables, token=token)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        return body["errors"][0]


def make_api(db_path, **settings: Any) -> Api:
    app = create_app({"database_url": str(db_path), **settings})
    return Api(TestClient(app, raise_server_exceptions=False))


@pytest.fixture
def api(builtin_db) -> Api:
    """The built-in history behind an app that accepts writes with TOKEN
    (requests carry no token unless a test passes one)."""
    client = make_api(builtin_db, token=TOKEN)
    with client.client:
        yield client


@pytest.fixture
def engine_of_api(api):
    return api.client.app.state.engine


def build_papers(engine, n: int, *, cites: int = 2) -> list[str]:
    """n papers; paper i cites the `cites` papers before it and introduces
    its own technique, so every paper has edges both ways and neighbours of
    two kinds."""
    ids = [f"paper:p{i:04d}" for i in range(n)]
    with database.session_scope(engine) as session:
        for i, paper_id in enumerate(ids):
            service.upsert_paper(session, paper_id, title=f"Paper number {i}", year=1990 + i % 30, provenance="test", authors=[f"Author {i}"])
            technique = f"technique:t{i:04d}"
            service.upsert_node(session, technique, provenance="test", name=f"Technique {i}", category="method")
            service.link(session, paper_id, "introduces", technique, provenance="test")
            for j in range(max(0, i - cites), i):
                service.link(session, paper_id, "cites", ids[j], provenance="test")
    return ids
