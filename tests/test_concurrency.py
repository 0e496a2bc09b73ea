"""Concurrent writers on one database (SQLite file, PostgreSQL): two BibTeX
ingests and a stream of GraphQL and service mutations at once. Every write
must be there at the end, no paper twice, and no busy/locked error surfaced;
a batch that meets such an error is retried whole and counted once."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from aiprogress.api.app import create_app
from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.models import Alias, Edge, Node, Paper
from aiprogress.ingest import load

TOKEN = "secret-for-tests"


def _bib(keys: range, tag: str, *, key: str = "shared", doi: bool = True) -> str:
    entries = []
    for i in keys:
        entries.append(
            f"@article{{{key}{i},\n  title = {{Paper number {i} on concurrent writing}},\n"
            f"  author = {{Writer, Ada and Other, Bo}},\n  year = {{{2000 + i % 20}}},\n"
            + (f"  doi = {{10.9999/conc.{i}}},\n" if doi else "")
            + f"  journal = {{Journal {tag}}},\n}}\n"
        )
    return "\n".join(entries)


CREATE = """mutation($input: NodeInput!) { createNode(input: $input) { id } }"""
LINK = """mutation($input: LinkInput!) { link(input: $input) { relation } }"""


def test_two_ingests_and_a_stream_of_mutations_at_once(engine):
    _run_writers(engine, _bib(range(0, 80), "A"), _bib(range(80, 120), "B"))


def test_two_ingests_of_the_same_papers_at_once_leave_each_paper_once(engine):
    # Both files hold papers 0-59 (their batches collide): 0-29 under the same
    # citation keys, 30-44 under other keys (the same DOI), 45-59 under other
    # keys and without DOI (the same title and year). Each paper must be
    # written once, with every key as an alias, and counted new exactly once.
    first = _bib(range(0, 45), "A") + _bib(range(45, 60), "A", doi=False) + _bib(range(60, 90), "A")
    second = (_bib(range(0, 30), "B") + _bib(range(30, 45), "B", key="other")
              + _bib(range(45, 60), "B", key="other", doi=False) + _bib(range(90, 120), "B"))
    reports = _run_writers(engine, first, second)

    assert sum(r.new for r in reports) == 120
    for report in reports:
        assert report.entries == 90 and report.failed == 0
        assert report.new + report.merged + report.unchanged == report.entries, report.to_dict()
    with database.session_scope(engine) as s:
        aliases = dict(s.execute(select(Alias.alias, Alias.node_id)).all())
        for i in range(120):
            assert aliases.get(f"shared{i}") is not None, f"alias shared{i} missing"
        for i in range(30, 60):
            assert aliases.get(f"other{i}") == aliases[f"shared{i}"], f"other{i} is not an alias of shared{i}'s paper"
        by_title = s.execute(select(Paper.title_key, func.count()).group_by(Paper.title_key)).all()
        assert len(by_title) == 120 and all(c == 1 for _, c in by_title), [t for t, c in by_title if c > 1]


def test_a_batch_that_meets_a_transient_conflict_is_retried_whole_and_counted_once(engine):
    # The second batch's paper insert fails once with the error another writer
    # would cause (SQLite: locked; PostgreSQL: serialization failure), raised by
    # the driver's own exception class after the batch has counted its papers.
    if engine.dialect.name == "sqlite":
        import sqlite3

        conflict = sqlite3.OperationalError("database is locked")
    else:
        import psycopg

        conflict = psycopg.errors.SerializationFailure("could not serialize access due to concurrent update")
    seen = {"paper inserts": 0}

    def meet_a_conflict(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO paper "):
            seen["paper inserts"] += 1
            if seen["paper inserts"] == 2:
                raise conflict

    event.listen(engine, "before_cursor_execute", meet_a_conflict)
    try:
        report = load.ingest_source(engine, "a.bib", text=_bib(range(0, 30), "A"), batch_size=10)
    finally:
        event.remove(engine, "before_cursor_execute", meet_a_conflict)

    assert seen["paper inserts"] == 4  # three batches, the second one twice
    assert (report.entries, report.new, report.merged, report.unchanged, report.aliases_added) == (30, 30, 0, 0, 30)
    with database.session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Paper)).scalar() == 30
        assert s.execute(select(func.count()).select_from(Alias)).scalar() == 30


def _run_writers(engine, first: str, second: str) -> list[load.IngestReport]:
    """Run the four writers at once; the two ingests' reports."""
    with database.session_scope(engine) as s:
        service.upsert_node(s, "constraint:compute", provenance="t", name="Compute", binding="hard")
    errors: list[BaseException] = []
    app = create_app({"token": TOKEN}, engine=engine)

    def guarded(work):
        def run():
            try:
                work()
            except BaseException as exc:  # collected and re-raised in the test's thread
                errors.append(exc)
        return run

    reports: list[load.IngestReport] = []

    def ingest(text: str, name: str):
        return lambda: reports.append(load.ingest_source(engine, name, text=text, batch_size=10))

    def graphql_stream():
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            for i in range(25):
                node = {"id": f"technique:gql-{i}", "name": f"GraphQL technique {i}", "category": "method"}
                answer = client.post("/graphql", json={"query": CREATE, "variables": {"input": node}}, headers=headers).json()
                assert "errors" not in answer, answer
                fact = {"sourceId": f"technique:gql-{i}", "relation": "relaxes", "targetId": "constraint:compute", "provenance": "user:gql"}
                answer = client.post("/graphql", json={"query": LINK, "variables": {"input": fact}}, headers=headers).json()
                assert "errors" not in answer, answer

    def service_stream():
        for i in range(25):
            def work(session, i=i):
                service.upsert_node(session, f"technique:svc-{i}", provenance="user:svc", name=f"Service technique {i}", category="method")
                service.link(session, f"technique:svc-{i}", "relaxes", "constraint:compute", provenance="user:svc")
            database.write(engine, work)

    threads = [threading.Thread(target=guarded(w)) for w in (ingest(first, "a.bib"), ingest(second, "b.bib"), graphql_stream, service_stream)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    if errors:
        raise errors[0]

    with database.session_scope(engine) as s:
        papers = s.execute(select(Paper.title_key, func.count()).group_by(Paper.title_key)).all()
        assert len(papers) == 120
        assert all(count == 1 for _, count in papers), [d for d, c in papers if c > 1]
        assert s.execute(select(func.count()).select_from(Node).where(Node.kind == "paper")).scalar() == 120
        techniques = set(s.execute(select(Node.id).where(Node.kind == "technique")).scalars())
        assert {f"technique:gql-{i}" for i in range(25)} | {f"technique:svc-{i}" for i in range(25)} <= techniques
        relaxing = s.execute(select(func.count()).select_from(Edge).where(Edge.relation == "relaxes")).scalar()
        assert relaxing == 50
    return reports
