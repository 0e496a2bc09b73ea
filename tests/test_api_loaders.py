"""No N+1: a query for many papers with their edges and neighbours runs a
fixed number of SQL statements, whatever the number of papers (DataLoaders,
api/loaders.py)."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import pytest
from api_support import build_papers, make_api
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from aiprogress.api.context import Context
from aiprogress.api.loaders import BatchLoader, NotAnnounced
from aiprogress.api.schema import build_schema
from aiprogress.graph import db as database
from aiprogress.graph import settings

REFERENCE = """query($n: Int!) { nodes(kind: paper, first: $n) {
  totalCount
  nodes { id kind name year
    ... on Paper { authors doi citationKey }
    aliases
    edges { relation direction provenance other { id kind name } }
    neighbours { id kind name ... on Technique { category } }
  } } }"""


@contextmanager
def counting(engine, compiled: list | None = None):
    """The statements run on `engine` meanwhile; with `compiled`, also each
    compiled one's SQLAlchemy compiled-cache outcome (CACHE_HIT: compiled before)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, context, _many):
        if statement.startswith("BEGIN"):
            return  # transaction control (db.py begins reads for real on SQLite), not a query
        statements.append(statement)
        # Driver SQL (the read snapshot's BEGIN) is never compiled, so never
        # cached; the evidence reader's runs on the driver, with no context.
        if compiled is not None and context is not None and context.compiled is not None:
            compiled.append((context.cache_hit, statement))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_statement_count_does_not_grow_with_the_result(tmp_path):
    path = tmp_path / "papers.db"
    engine = database.open_engine(str(path))
    database.create_schema(engine)
    build_papers(engine, 100)
    api = make_api(path, max_query_cost=10**9)
    app_engine = api.client.app.state.engine

    counts = {}
    for n in (5, 100):
        with counting(app_engine) as statements:
            data = api.data(REFERENCE, {"n": n})["nodes"]
        nodes = data["nodes"]
        assert len(nodes) == n and data["totalCount"] == 100
        # Every paper after the first two cites two papers and introduces a technique.
        assert all(len(node["edges"]) >= 1 for node in nodes)
        assert sum(len(node["neighbours"]) for node in nodes) >= 3 * n - 6
        counts[n] = len(statements)
    assert counts[100] == counts[5], counts
    # page, count, edges, neighbour nodes, papers, aliases: a handful, not hundreds.
    assert counts[100] <= 8, counts
    engine.dispose()


def test_a_loader_fetches_what_was_announced_at_once_and_refuses_what_was_not():
    fetched = []
    loader = BatchLoader("thing", lambda keys: fetched.append(list(keys)) or [k.upper() for k in keys])
    loader.expect(["a", "b"])
    loader.expect(["c"])
    assert loader.get("b") == "B" and loader.get_many(["a", "c"]) == ["A", "C"]
    assert fetched == [["a", "b", "c"]]  # one fetch for every key announced
    # A key nobody announced would be fetched alone, once per object: refused.
    with pytest.raises(NotAnnounced, match="thing loader was asked for \\['d'\\]"):
        loader.get("d")
    assert loader.load(["d", "e"]) == ["D", "E"] and fetched[-1] == ["d", "e"]


# ---- every root field: a constant number of statements ---------------------

NODE = """fragment N on Node { id kind name year aliases
  ... on Paper { authors doi citationKey } ... on Technique { category }
  measurements { quantity value }
  edges(limit: 4) { relation direction source { id } target { name } other { id name } }
  neighbours(limit: 3) { id name } }"""
FACT = "relation note source { ...N } target { id name }"
LINEAGE = f"count root {{ ...N }} reached {{ distance node {{ ...N }} via {{ {FACT} }} chain {{ {FACT} }} }} supportingEdges {{ {FACT} }}"


def op(declared: str, body: str) -> str:
    return f"query{f'({declared})' if declared else ''} {{ {body} }}\n{NODE if '...N' in body else ''}"


# Per root field, a small answer and a large one (many more objects than
# MAX_STATEMENTS). The large one may run a statement the small one had no use
# for (no paper among its nodes: no paper rows to read), but no statement may
# run more often than in the small answer, or twice when the small one did
# not run it: one statement per object could not pass unseen.
ROOT_FIELDS = {
    "node": [(op("$a: ID!", "node(id: $a) { ...N }"), {"a": a}) for a in ("technique:gan", "technique:transformer")],
    "nodes": [(op("$n: Int!", "nodes(first: $n) { totalCount nodes { ...N } }"), {"n": n}) for n in (1, 60)],
    "search": [(op("$n: Int!", 'search(text: "learning", first: $n) { totalCount hits { score node { ...N } } }'), {"n": n}) for n in (1, 20)],
    "paperByDoi": [(op("$a: String!", "paperByDoi(doi: $a) { ...N }"), {"a": a}) for a in ("10.1162/neco.1989.1.4.541", "10.1109/5.726791")],
    "paperByArxiv": [(op("$a: String!", "paperByArxiv(arxivId: $a) { ...N }"), {"a": a}) for a in ("1706.03762", "1505.04597")],
    "stats": [(op("", "stats { totalNodes totalEdges nodes { kind count } edges { relation count } }"), {})],
    "origins": [(op("$n: Int!", f'origins(id: "transformer", limit: $n) {{ {LINEAGE} }}'), {"n": n}) for n in (1, 20)],
    "impact": [(op("$n: Int!", f'impact(id: "technique:backpropagation", limit: $n) {{ blocked {LINEAGE} corpusUse(limit: $n) {{ papers byYear {{ key papers }} examples {{ ...N }} }} }}'), {"n": n}) for n in (1, 20)],
    "path": [(op("$a: ID!, $b: ID!", f"path(source: $a, target: $b, directed: false) {{ length nodes {{ ...N }} supportingEdges {{ {FACT} }} }}"), {"a": a, "b": b})
             for a, b in (("technique:attention", "technique:transformer"), ("technique:backpropagation", "technique:bert"))],
    "constraintTimeline": [(op("$a: ID!", f"constraintTimeline(constraint: $a) {{ constraint {{ ...N }} entries {{ year node {{ ...N }} papers {{ ...N }} evidence {{ {FACT} }} }} supportingEdges {{ {FACT} }} }}"), {"a": a})
                           for a in ("compute", "constraint:architecture")],
    "narrativeShifts": [(op("$n: Int!", f"narrativeShifts(bucketYears: $n) {{ periods {{ start focus }} narratives {{ year narrative {{ ...N }} triggers {{ ...N }} }} supportingEdges {{ {FACT} }} }}"), {"n": n}) for n in (5, 10)],
    "topicShifts": [(op("$n: Int!", "topicShifts(minPapers: $n) { topic direction }"), {"n": n}) for n in (2, 10)],
    "frontier": [(op("$n: Int!", f"frontier(now: $n) {{ id latest supportingEdges {{ {FACT} }} }}"), {"n": n}) for n in (1990, 2026)],
    "openProblems": [(op("$n: Int!", f"openProblems(asOf: $n) {{ problems {{ node {{ ...N }} namedBy {{ ...N }} linked {{ ...N }} supportingEdges {{ {FACT} }} }} themes {{ node {{ ...N }} namedBy {{ ...N }} linked {{ ...N }} }} }}"), {"n": n})
                     for n in (2023, 2026)],
    "gaps": [(op("$n: Int!", "gaps(limit: $n) { papersWithoutTechnique counts }"), {"n": n}) for n in (1, 50)],
    # A technique's adoption (one node), and the share per constraint over every year (every constraint, each year).
    "adoption": [(op("", 'adoption(technique: "transformer") { papers using technique { ...N } years { year using share } }'), {}),
                 (op("", "adoption(byConstraint: true) { papers byConstraint { year papers constraints { count share constraint { ...N } } } }"), {})],
    # Rising phrases over the built-in papers (few), then with every phrase, its examples loaded together.
    "candidateTechniques": [(op("$n: Int!", "candidateTechniques(limit: $n) { phrase papers examples { ...N } }"), {"n": n}) for n in (1, 50)],
    # A question in words: a small lineage and a large one, with the nodes and facts the answer is about.
    "ask": [(op("$q: String!", f"ask(question: $q) {{ text interpretation {{ status intent command arguments }} facts {{ source relation note provenance }} "
                               f"nodes {{ ...N }} candidates {{ ...N }} lineage {{ {LINEAGE} }} path {{ length nodes {{ ...N }} }} }}"), {"q": q})
            for q in ("where did the forget gate come from?", "what did backpropagation lead to?")],
}
MAX_STATEMENTS = 12


def _objects(value) -> int:
    """How many objects an answer holds (what one statement per object would cost)."""
    if isinstance(value, dict):
        return 1 + sum(_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(_objects(v) for v in value)
    return 0


def test_every_root_field_has_a_statement_count_test():
    from graphql import build_schema as parse_schema

    from aiprogress.api.schema import schema_text

    assert set(parse_schema(schema_text()).query_type.fields) == set(ROOT_FIELDS)


@pytest.mark.parametrize("field", sorted(ROOT_FIELDS))
def test_root_field_runs_a_constant_number_of_statements(builtin_engine, field):
    config = settings.resolve(max_query_cost=10**9)
    schema = build_schema(config)
    runs, sizes = [], []
    for query, variables in ROOT_FIELDS[field]:
        for _ in ("warm-up (the first run loads the in-memory graph)", "counted"):
            context = Context(builtin_engine, config)
            compiled = []
            with counting(builtin_engine, compiled) as statements:
                try:
                    result = schema.execute_sync(query, variable_values=variables, context_value=context)
                finally:
                    context.close()
            assert not result.errors, result.errors
        # Each statement was compiled once, on the warm-up run.
        assert [statement for outcome, statement in compiled if outcome is not CacheStats.CACHE_HIT] == []
        runs.append(Counter(re.sub(r"\(\?(, \?)*\)", "(?)", s) for s in statements))
        sizes.append(_objects(result.data))
    small, large = runs[0], runs[-1]
    repeated = {shape: n for shape, n in large.items() if n > max(small[shape], 1)}
    assert not repeated, f"{field}: statements repeated in an answer of {sizes[-1]} objects (vs {sizes[0]}): {repeated}"
    assert all(sum(run.values()) <= MAX_STATEMENTS for run in runs), (field, runs)
    assert sizes[-1] > MAX_STATEMENTS or field in FIXED_SIZE, (field, sizes)


# Their answers are small (a handful of objects) or hold no nodes at all;
# the built-in papers rise too little for a candidate technique (its count
# on a corpus: tests/test_linking_corpus.py).
FIXED_SIZE = {"stats", "topicShifts", "gaps", "paperByDoi", "paperByArxiv", "candidateTechniques"}


def test_a_page_of_nodes_with_their_edges_is_read_without_the_orm(tmp_path):
    # The rows are plain records: the ORM's work per statement (compile
    # options, autoflush, its execute events) buys nothing on this path.
    from sqlalchemy.orm import Session

    path = tmp_path / "papers.db"
    engine = database.open_engine(str(path))
    database.create_schema(engine)
    build_papers(engine, 30)
    api = make_api(path)
    orm_statements = []

    def record(state):
        orm_statements.append(str(state.statement))

    event.listen(Session, "do_orm_execute", record)
    try:
        with counting(api.client.app.state.engine) as statements:
            data = api.data("{ nodes(kind: paper, first: 20) { nodes { id edges { relation other { id name } } } } }")
    finally:
        event.remove(Session, "do_orm_execute", record)
    assert len(data["nodes"]["nodes"]) == 20 and statements
    assert orm_statements == []
    engine.dispose()
