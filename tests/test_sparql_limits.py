"""SPARQL cannot run away: a time limit stops a query (its child process is
killed, so no core stays busy), a size limit refuses huge answers, and the
next query is answered as usual."""

from __future__ import annotations

import time

import pytest
from api_support import make_api

from aiprogress.graph import db as database
from aiprogress.graph import sparql
from aiprogress.graph.errors import LimitExceeded

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_query_over_its_time_limit_is_stopped_and_its_process_killed(builtin_engine):
    with database.session_scope(builtin_engine) as s:
        total = sparql.query(s, COUNT).rows[0]["n"]
        assert total > 1000  # so the three-way join is about 10**10 rows or more
        runner = sparql._runner(builtin_engine)
        child = runner._process
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match=r"longer than 1 s \(setting sparql_timeout\)"):
            sparql.query(s, ENDLESS, timeout=1)
        assert time.monotonic() - started < 10
        assert child.poll() is not None  # the process that ran it is gone, with the core it held
        assert sparql.query(s, COUNT).rows[0]["n"] == total  # a new one answers the next query


def test_an_answer_over_the_row_limit_is_refused(builtin_engine):
    with database.session_scope(builtin_engine) as s:
        with pytest.raises(LimitExceeded, match="more than 50 rows"):
            sparql.query(s, "SELECT ?s WHERE { ?s ?p ?o }", max_rows=50)
        with pytest.raises(LimitExceeded, match="more than 5 rows"):
            sparql.query(s, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", max_rows=5)
        assert len(sparql.query(s, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50", max_rows=50).rows) == 50


def test_http_answers_limit_exceeded_within_the_setting(builtin_db):
    api = make_api(builtin_db, sparql_timeout=1)
    with api.client:
        started = time.monotonic()
        response = api.client.get("/sparql", params={"query": ENDLESS})
        assert time.monotonic() - started < 10
        assert response.json()["error"]["code"] == "limit-exceeded"
        assert "sparql_timeout" in response.json()["error"]["message"]
        assert api.client.get("/sparql", params={"query": COUNT}).status_code == 200
