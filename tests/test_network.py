"""graph/network.py: the snapshot built from a real SQLite store, kept fresh by the revision."""

from __future__ import annotations

import numpy as np
import pytest

from aiprogress.graph import db as database
from aiprogress.graph import network, service
from aiprogress.graph.errors import InvalidInput, NotFound
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


def test_evidence_is_fetched_by_primary_key_through_its_index(engine):
    from sqlalchemy import insert, select

    from aiprogress.graph import snapshot_sql
    from aiprogress.graph.models import Edge, Node

    # 40 x 40 edges: each source and each target has 40; the snapshot holds
    # each edge's row id, and its evidence is one search of the primary key.
    with engine.begin() as connection:
        connection.execute(insert(Node), [{"id": f"technique:{end}{i}", "kind": "technique", "name": f"{end}{i}", "provenance": "test"} for end in "st" for i in range(40)])
        connection.execute(insert(Edge), [{"source_id": f"technique:s{i}", "relation": "enables", "target_id": f"technique:t{j}", "provenance": "test", "note": f"{i} {j}"} for i in range(40) for j in range(40)])
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE edge")
    keys = [("technique:s10", "enables", "technique:t1"), ("technique:s11", "enables", "technique:t2")]
    with engine.begin() as connection:
        g = network.snapshot(connection)
        positions = g.find_edges(keys).tolist()
        row_ids = g.edge_ids[positions].tolist()
        by_key = {tuple(row[:3]): row[3] for row in connection.execute(select(Edge.source_id, Edge.relation, Edge.target_id, Edge.id))}
        assert sorted(row_ids) == sorted(by_key[k] for k in keys)
        plan = _plan(connection, snapshot_sql.evidence_statement(row_ids))
        if connection.dialect.name == "sqlite":
            assert "SEARCH edge USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
            assert "SCAN edge" not in plan, plan
        else:
            assert "edge_pkey" in plan and "Seq Scan" not in plan, plan
        rows = snapshot_sql.read_evidence(connection, row_ids)
        assert set(rows) == set(row_ids)
        assert sorted((f.source, f.relation, f.target, f.note) for f in g.facts(positions)) == [(*keys[0], "10 1"), (*keys[1], "11 2")]


def test_an_answers_evidence_is_one_statement_of_one_shape_seen_by_the_engines_listeners(engine):
    from sqlalchemy import event, insert

    from aiprogress.graph.models import Edge, Node

    # A chain t0 enables t1 ... enables t9: fetch the facts of 1 to 8 of its
    # edges, each time afresh; every fetch is one statement, and all of them
    # the same text (prepared once per connection, whatever the count).
    with engine.begin() as connection:
        connection.execute(insert(Node), [{"id": f"technique:t{i}", "kind": "technique", "name": f"t{i}", "provenance": "test"} for i in range(10)])
        connection.execute(insert(Edge), [{"source_id": f"technique:t{i}", "relation": "enables", "target_id": f"technique:t{i + 1}", "provenance": "test", "note": f"step {i}"} for i in range(9)])
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "note" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for count in range(1, 9):
            network.forget(engine)
            with database.session_scope(engine) as session:
                g = network.snapshot(session)
                edges = g.edges("enables")[:count].tolist()
                before = len(statements)
                facts = g.facts(edges)
                assert len(statements) == before + 1, statements[before:]
                assert [f.note for f in facts] == [f"step {g.ids[g.source(e)].removeprefix('technique:t')}" for e in edges]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(set(statements)) == 1, set(statements)


def test_the_freshness_check_is_one_statement_seen_by_the_engines_listeners(engine):
    from sqlalchemy import event

    _store(engine)
    with database.session_scope(engine) as s:
        network.snapshot(s)  # loaded: what follows is the check alone
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with database.session_scope(engine) as s:
            g = network.snapshot(s)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "FROM meta" in statements[0], statements
    assert g.edge_count == 2


def test_a_graph_not_read_from_the_store_reads_no_rows_of_it_as_evidence(engine):
    _store(engine)  # rows 1 and 2 of the edge table
    made = network.Snapshot(
        ids=["technique:x", "technique:y"], kinds=["technique"] * 2, names=["x", "y"], years=[None, None], bindings={}, categories={},
        src=np.array([0], dtype=np.int32), dst=np.array([1], dtype=np.int32), rel=np.array([network.REL_CODE["enables"]], dtype=np.int8),
        edge_ids=np.array([1]),
    )
    with database.session_scope(engine) as s:
        (fact,) = made.bound(s).facts([0])
    assert (fact.source, fact.target, fact.note, fact.provenance) == ("technique:x", "technique:y", "", "")


def test_a_graph_of_a_year_reads_the_evidence_of_its_own_edges(engine):
    _store(engine)
    with database.session_scope(engine) as s:
        service.upsert_node(s, "technique:gru", provenance="user:test", name="GRU", year=2014, category="method")
        service.link(s, "technique:lstm", "enables", "technique:gru", provenance="user:test", note="fewer gates")
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
        keep = np.array([g.years[i] is None or g.years[i] <= 2000 for i in range(len(g))])
        early = g.restricted(keep).bound(s)
        assert early.edge_count == 2
        notes = {(f.source, f.target): f.note for f in early.facts(range(early.edge_count))}
    assert notes == {("technique:rnn", "technique:lstm"): "gates fix RNN gradients", ("technique:lstm", "field:neuroscience"): "surface likeness"}


def test_every_session_shares_the_snapshots_arrays_and_what_is_derived_from_them(engine):
    _store(engine)
    with database.session_scope(engine) as first, database.session_scope(engine) as second:
        a, b = network.snapshot(first), network.snapshot(second)
        assert a is not b and a.src is b.src and a.memo is b.memo


# -- the public API the queries use -------------------------------------------


def _cycle() -> network.Snapshot:
    """a enables b enables c enables a (a cycle), paper p introduces b and
    mentions c, c relaxes constraint k, b inspired-by field f."""
    nodes = [
        {"id": "technique:a", "year": 2001},
        {"id": "technique:b", "year": 2002},
        {"id": "technique:c"},
        {"id": "paper:p", "year": 2003, "name": "P"},
        {"id": "constraint:k"},
        {"id": "field:f"},
    ]
    edges = [
        ("technique:a", "enables", "technique:b"),
        ("technique:b", "enables", "technique:c"),
        ("technique:c", "enables", "technique:a"),
        ("paper:p", "introduces", "technique:b"),
        ("paper:p", "mentions", "technique:c"),
        ("technique:c", "relaxes", "constraint:k"),
        ("technique:b", "inspired-by", "field:f"),
    ]
    return network.Snapshot.from_records(nodes, [{"source_id": s, "relation": r, "target_id": t, "note": f"{s} {r} {t}"} for s, r, t in edges])


def _key(g, e):
    return (g.ids[g.source(e)], g.relation(e), g.ids[g.target(e)])


def test_public_edge_api_on_a_graph_with_a_cycle():
    g = _cycle()
    assert (len(g), g.edge_count) == (6, 7)
    assert [_key(g, e) for e in g.edges("enables")] == [("technique:a", "enables", "technique:b"), ("technique:b", "enables", "technique:c"), ("technique:c", "enables", "technique:a")]
    assert g.edges().tolist() == list(range(7))
    uses = g.edges(["mentions", "introduces"], source_kind="paper", target_kind="technique")
    assert {_key(g, e) for e in uses} == {("paper:p", "introduces", "technique:b"), ("paper:p", "mentions", "technique:c")}
    assert [_key(g, e) for e in g.edges(target_kind="constraint")] == [("technique:c", "relaxes", "constraint:k")]
    assert g.edges(source_kind="field").size == 0
    sources, targets = g.ends(uses)
    assert [g.ids[s] for s in sources.tolist()] == ["paper:p", "paper:p"]
    assert sorted(g.ids[t] for t in targets.tolist()) == ["technique:b", "technique:c"]
    all_sources, all_targets = g.ends()
    assert all_sources.size == all_targets.size == 7 and not all_sources.flags.writeable
    # The facts (evidence) at the positions the API hands out are the same edges.
    assert [(f.source, f.relation, f.target) for f in g.facts(uses)] == [_key(g, e) for e in uses]
    assert g.fact(int(uses[0])).note == " ".join(_key(g, int(uses[0])))
    with pytest.raises(InvalidInput, match="nope"):
        g.edges("nope")
    with pytest.raises(InvalidInput, match="nope"):
        g.edges(source_kind="nope")


def test_public_node_api_on_a_graph_with_a_cycle():
    g = _cycle()
    a, b, c = (g.node_index(f"technique:{x}") for x in "abc")
    assert g.is_kind([a, g.node_index("paper:p"), c], "technique").tolist() == [True, False, True]
    # b: enables in and out, introduced by p, inspired-by f.
    assert g.degrees().tolist()[b] == 4 and int(g.degrees().sum()) == 2 * g.edge_count
    found = g.find_edges([("technique:c", "enables", "technique:a"), ("technique:a", "enables", "technique:c"), ("technique:zz", "enables", "technique:a")])
    assert [_key(g, e) for e in found] == [("technique:c", "enables", "technique:a")]
    # The walks stop on the cycle: each node once, at its shortest distance.
    walk = g.walk(a, network.DOWN, relations=["enables"])
    assert sorted(g.ids[n] for n in walk.nodes.tolist()) == ["technique:a", "technique:b", "technique:c"]
    assert [g.ids[g.source(e)] for e in g.chain(walk, c)] == ["technique:a", "technique:b"]
    assert [_key(g, e) for e in g.shortest_chain(c, b, relations=["enables"])] == [("technique:c", "enables", "technique:a"), ("technique:a", "enables", "technique:b")]


def test_restricted_keeps_chosen_nodes_drops_chosen_edges_and_carries_evidence():
    g = _cycle()
    keep = np.array([y is None or y <= 2002 for y in g.years])  # drops paper:p
    dropped = g.find_edges([("technique:b", "enables", "technique:c")])
    h = g.restricted(keep, drop_edges=dropped)
    assert "paper:p" not in h.index and len(h) == 5
    keys = {_key(h, e) for e in h.edges()}
    assert keys == {("technique:a", "enables", "technique:b"), ("technique:c", "enables", "technique:a"), ("technique:c", "relaxes", "constraint:k"), ("technique:b", "inspired-by", "field:f")}
    assert {f.note for f in h.facts(h.edges())} == {" ".join(k) for k in keys}
    assert h.revision == g.revision and g.edge_count == 7  # the original is untouched


# What only graph/network.py (and csr.py, layout.py) may touch: the arrays
# and the codes behind the public API.
_RAW = {"src", "dst", "rel", "origin", "derived", "kind_code"}
_RAW_NAMES = {"REL_CODE", "KIND_CODE"}


def _private_uses(path) -> list[str]:
    import ast

    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute):
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if node.attr in _RAW or (node.attr.startswith("_") and not node.attr.startswith("__") and not own):
                found.append(f"{where} .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in _RAW_NAMES:
            found.append(f"{where} {node.id}")
        elif isinstance(node, ast.alias) and node.name in _RAW_NAMES:
            found.append(f"{path.name} imports {node.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "hasattr"):
            if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in ("self", "cls"):
                continue
            names = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if any(n.startswith("_") or n in _RAW for n in names):
                found.append(f"{where} {node.func.id}({names[0]!r})")
    return found


def test_queries_answers_and_view_use_only_the_snapshots_public_api():
    from pathlib import Path

    import aiprogress.graph as graph_package

    root = Path(graph_package.__file__).parent
    files = sorted((root / "queries").glob("*.py")) + [root / "answers.py", root / "view.py"]
    assert len(files) > 3
    assert [use for path in files for use in _private_uses(path)] == []


def test_the_public_api_scan_finds_raw_array_use(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from x import REL_CODE\ndef f(g):\n    return g.src[0], g._facts, getattr(g, '_session'), self._ok, getattr(self, '_ok')\n")
    assert sorted(_private_uses(bad)) == sorted(["bad.py imports REL_CODE", "bad.py:3 .src", "bad.py:3 ._facts", "bad.py:3 getattr('_session')"])
