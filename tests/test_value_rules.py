"""Both backends accept and refuse the same values (graph/values.py): NUL bytes
are never stored (removed from written values with a reported problem,
refused in any other statement), and ids, aliases and citation keys longer
than the `max_key_length` setting are refused with a reported problem.
Checked on SQLite and PostgreSQL, over the CLI and over HTTP."""

from __future__ import annotations

import json

import pytest
from api_support import TOKEN, make_api

from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.errors import InvalidInput
from aiprogress.graph.models import Node, Paper

NUL_BIB = "@article{a1, title={Bad\x00Title}, author={Doe\x00, Jane}, year={2020}, note={n\x00}}\n@article{ok1, title={Fine}, year={2021}}\n"
LONG_KEY = "k" * 100_000
LONG_BIB = f"@article{{{LONG_KEY}, title={{Long}}, year={{2020}}}}\n@article{{ok2, title={{Also fine}}, year={{2021}}}}\n"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def store(database_url):
    engine = database.open_engine(database_url)
    database.create_schema(engine)
    yield database_url, engine
    engine.dispose()


def _problems(report_file) -> list[tuple[str, str]]:
    return [(p["kind"], p["key"][:20]) for f in json.loads(report_file.read_text())["files"] for p in f["problems"]]


def test_nul_bytes_are_removed_and_reported_over_the_cli(cli, store, tmp_path):
    url, engine = store
    bib, report = tmp_path / "nul.bib", tmp_path / "report.json"
    bib.write_text(NUL_BIB, encoding="utf-8")
    code, _, err = cli("ingest", bib, "--db", url, "--report", report, "--strict")
    assert code == 3, err
    assert ("nul-byte", "a1") in _problems(report)
    with database.session_scope(engine) as s:
        assert service.stats(s)["total_nodes"] == 0  # strict: nothing of the file
    code, _, err = cli("ingest", bib, "--db", url, "--report", report)
    assert code == 0, err
    assert _problems(report) == [("nul-byte", "a1")]
    with database.session_scope(engine) as s:
        assert s.get(Node, "paper:a1").name == "BadTitle"
        assert s.get(Paper, "paper:a1").authors == ["Doe, Jane"] and s.get(Paper, "paper:a1").extra == {"note": "n"}
        assert s.get(Node, "paper:ok1") is not None


def test_a_statement_carrying_nul_is_invalid_input(store):
    _, engine = store
    with pytest.raises(InvalidInput, match="NUL"):
        with database.session_scope(engine) as s:
            service.resolve_id(s, "paper:a\x00b")
    with pytest.raises(InvalidInput, match="NUL"):
        with database.session_scope(engine) as s:
            service.upsert_node(s, "technique:x", provenance="t", name="X\x00", category="method")


def test_too_long_keys_are_refused_and_the_rest_stored_over_the_cli(cli, store, tmp_path, monkeypatch):
    url, engine = store
    bib, report = tmp_path / "long.bib", tmp_path / "report.json"
    bib.write_text(LONG_BIB, encoding="utf-8")
    code, _, err = cli("ingest", bib, "--db", url, "--report", report)
    assert code == 0, err
    assert _problems(report) == [("key-too-long", "k" * 20)]
    with database.session_scope(engine) as s:
        assert service.stats(s)["total_nodes"] == 1 and s.get(Node, "paper:ok2") is not None
        with pytest.raises(InvalidInput, match="at most 400"):
            service.upsert_node(s, f"technique:{'x' * 500}", provenance="t", name="X", category="method")
    # The limit is a setting.
    monkeypatch.setenv("AIPROGRESS_MAX_KEY_LENGTH", "10")
    bib.write_text("@article{elevenchars, title={Short enough?}, year={2022}}\n", encoding="utf-8")
    code, _, err = cli("ingest", bib, "--db", url, "--report", report, "--strict")
    assert code == 3 and _problems(report) == [("key-too-long", "elevenchars")]


def test_http_refuses_the_same_things_on_both_backends(store):
    url, _ = store
    api = make_api(url, token=TOKEN)
    with api.client:
        response = api.client.post("/ingest/bibtex?source=both.bib", content=(NUL_BIB + LONG_BIB).encode(), headers=AUTH)
        assert response.status_code == 200, response.text
        kinds = sorted(p["kind"] for p in response.json()["problems"])
        assert kinds == ["key-too-long", "nul-byte"] and response.json()["new"] == 3
        # Reads carrying a NUL or a key longer than any stored one: a clear answer, never a 500.
        for path in ("/api/node/paper:a%00b", f"/api/node/paper:{LONG_KEY[:1000]}"):
            response = api.client.get(path)
            assert response.status_code in (400, 404), response.text
            assert response.json()["error"]["code"] in ("invalid-input", "not-found")
        error = api.error('query($id: ID!) { node(id: $id) { id } }', {"id": "paper:a\x00b"})
        assert "NUL" in error["message"]
        created = api.gql('mutation($input: NodeInput!) { createNode(input: $input) { id } }',
                          {"input": {"id": "technique:nul", "name": "N\x00", "category": "method"}}, token=TOKEN)
        assert created.get("errors") and "NUL" in json.dumps(created["errors"])
