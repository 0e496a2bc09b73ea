"""graph/network.py: the snapshot built from a real SQLite store, kept fresh by the revision."""

from __future__ import annotations

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import network, service
from aiprogress.graph.errors import NotFound
from aiprogress.graph.queries import origins


def _store(engine):
    with database.session_scope(engine) as s:
        for slug, year in (("rnn", 1989), ("lstm", 1997), ("attention", 2014)):
            service.upsert_node(s, f"technique:{slug}", provenance="user:test", name=slug.upper(), year=year, category="method")
        service.upsert_node(s, "field:neuroscience", provenance="user:test", name="Neuroscience")
        service.link(s, "technique:rnn", "enables", "technique:lstm", provenance="user:test", note="gates fix RNN gradients")
        service.link(s, "technique:lstm", "inspired-by", "field:neuroscience", provenance="user:test", note="surface likeness")


def test_snapshot_reads_nodes_edges_and_evidence(engine):
    _store(engine)
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
    assert len(g) == 4 and g.edge_count == 2
    lstm = g.node_index("technique:lstm")
    assert g.node(lstm) == {"id": "technique:lstm", "kind": "technique", "name": "LSTM", "year": 1997, "category": "method"}
    (e,) = g.incident(lstm, relation="enables", direction="in")
    fact = g.fact(e)
    assert (fact.source, fact.relation, fact.target) == ("technique:rnn", "enables", "technique:lstm")
    assert fact.note == "gates fix RNN gradients" and fact.provenance == "user:test"


def test_a_committed_write_is_visible_to_the_next_query(engine):
    _store(engine)
    with database.session_scope(engine) as s:
        before = network.snapshot(s)
        assert "technique:attention" not in origins(before, "technique:lstm")
    with database.session_scope(engine) as s:
        service.link(s, "technique:attention", "enables", "technique:lstm", provenance="user:test")
    with database.session_scope(engine) as s:
        after = network.snapshot(s)
        assert after is not before and after.revision > before.revision
        assert "technique:attention" in origins(after, "technique:lstm")
    with database.session_scope(engine) as s:
        assert network.snapshot(s).src is after.src  # unchanged store: the cached graph is reused


def test_unknown_node_is_named(engine):
    _store(engine)
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
    with pytest.raises(NotFound, match="technique:nope"):
        g.node_index("technique:nope")


def test_from_records_rejects_edges_to_unknown_nodes():
    with pytest.raises(NotFound, match="technique:ghost"):
        network.Snapshot.from_records([{"id": "technique:a"}], [{"source_id": "technique:a", "relation": "enables", "target_id": "technique:ghost"}])


def test_lineage_orientation_per_relation():
    g = network.Snapshot.from_records(
        [{"id": i} for i in ("paper:p", "paper:q", "technique:t", "technique:u", "constraint:data", "narrative:n", "field:physics")],
        [
            {"source_id": "paper:p", "relation": "introduces", "target_id": "technique:t"},
            {"source_id": "technique:t", "relation": "enables", "target_id": "technique:u"},
            {"source_id": "technique:u", "relation": "inspired-by", "target_id": "field:physics"},
            {"source_id": "paper:q", "relation": "cites", "target_id": "paper:p"},
            {"source_id": "technique:u", "relation": "relaxes", "target_id": "constraint:data"},
            {"source_id": "paper:q", "relation": "triggered", "target_id": "narrative:n"},
        ],
    )
    origin_of = {(g.ids[int(g.origin[e])], g.ids[int(g.derived[e])]) for e in range(g.edge_count)}
    assert origin_of == {
        ("paper:p", "technique:t"),
        ("technique:t", "technique:u"),
        ("field:physics", "technique:u"),
        ("paper:p", "paper:q"),
        ("technique:u", "constraint:data"),
        ("paper:q", "narrative:n"),
    }


def test_to_networkx_keeps_facts_as_stored(engine):
    _store(engine)
    with database.session_scope(engine) as s:
        nxg = network.snapshot(s).to_networkx()
    assert nxg.has_edge("technique:lstm", "field:neuroscience")
    assert nxg["technique:rnn"]["technique:lstm"]["enables"]["note"] == "gates fix RNN gradients"


def test_evidence_is_read_in_the_callers_transaction(engine):
    # A write committed after the caller's snapshot began is not in its
    # arrays, so it must not be in the evidence it reads either.
    _store(engine)
    with database.session_scope(engine) as reader:
        g = network.snapshot(reader)
        with database.session_scope(engine) as writer:
            service.link(writer, "technique:rnn", "enables", "technique:lstm", provenance="user:later", note="rewritten")
        (e,) = g.incident(g.node_index("technique:lstm"), relation="enables", direction="in")
        fact = g.fact(e)
        assert (fact.note, fact.provenance) == ("gates fix RNN gradients", "user:test")
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
        (e,) = g.incident(g.node_index("technique:lstm"), relation="enables", direction="in")
        assert g.fact(e).note == "rewritten"


def _plan(connection, statement) -> str:
    compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        return " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned whatever the indexes
    return " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))


def test_evidence_is_fetched_through_the_unique_index(engine):
    from sqlalchemy import insert

    from aiprogress.graph import snapshot_sql
    from aiprogress.graph.models import Edge, Node

    # 40 x 40 edges: each source and each target has 40, so only the
    # (source, relation, target) index narrows a key down to one row.
    with engine.begin() as connection:
        connection.execute(insert(Node), [{"id": f"technique:{end}{i}", "kind": "technique", "name": f"{end}{i}", "provenance": "test"} for end in "st" for i in range(40)])
        connection.execute(insert(Edge), [{"source_id": f"technique:s{i}", "relation": "enables", "target_id": f"technique:t{j}", "provenance": "test", "note": ""} for i in range(40) for j in range(40)])
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE edge")
    keys = [("technique:s10", "enables", "technique:t1"), ("technique:s11", "enables", "technique:t2")]
    with engine.begin() as connection:
        plan = _plan(connection, snapshot_sql.evidence_statement(keys))
        if connection.dialect.name == "sqlite":
            assert "SEARCH edge USING INDEX" in plan and "(source_id=? AND relation=? AND target_id=?)" in plan, plan
            assert "SCAN edge" not in plan, plan
        else:
            assert "uq_edge_triple" in plan and "Seq Scan" not in plan, plan
        rows = snapshot_sql.read_evidence(connection, keys)
    assert set(rows) == set(keys)


def test_every_session_shares_the_snapshots_arrays_and_what_is_derived_from_them(engine):
    _store(engine)
    with database.session_scope(engine) as first, database.session_scope(engine) as second:
        a, b = network.snapshot(first), network.snapshot(second)
        assert a is not b and a.src is b.src and a.memo is b.memo
