"""The SQLite full-text index stays exactly in step with the nodes when a bulk
ingest writes many papers at once (graph/search.py: `indexing_after` drops the
per-row insert triggers for the batch and indexes the new rows in one go)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from aiprogress.graph import bulk, search, service
from aiprogress.graph import db as database
from aiprogress.ingest import load

N = search.BULK_INDEX_THRESHOLD + 50  # enough new papers in one batch for the bulk path


def _bib(n: int) -> str:
    entries = []
    for i in range(n):
        abstract = f"  abstract = {{We study quokka number {i} in the wild.}},\n" if i % 7 == 0 else ""
        word = 'Z{\\"u}rich' if i == 3 else "parsing"
        entries.append(
            f"@inproceedings{{bulk{i},\n  title = {{Wombat {word} study {i}}},\n"
            f"  author = {{Author, A.}},\n  year = {{{1990 + i % 30}}},\n{abstract}}}\n"
        )
    return "\n".join(entries)


def _index_rows(engine) -> list[tuple]:
    with engine.connect() as c:
        return c.exec_driver_sql("SELECT rowid, name, description, abstract FROM node_fts ORDER BY rowid").all()


def _expected_rows(engine) -> list[tuple]:
    """What a rebuild of the index from the tables would hold."""
    with engine.connect() as c:
        return c.exec_driver_sql(
            "SELECT node.rowid, node.name, node.description, paper.abstract FROM node "
            "LEFT JOIN paper ON paper.node_id = node.id ORDER BY node.rowid"
        ).all()


def _triggers(engine) -> set[str]:
    with engine.connect() as c:
        return set(c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fts%'").scalars())


def test_a_bulk_ingest_is_searchable_and_the_index_matches_the_tables(sqlite_engine):
    engine = sqlite_engine
    triggers = _triggers(engine)
    with database.session_scope(engine) as s:  # nodes written before, through the triggers
        service.upsert_node(s, "technique:wombat-tagging", provenance="t", name="Wombat tagging", category="method")
    report = load.ingest_source(engine, "bulk.bib", text=_bib(N), batch_size=N)
    assert report.new == N and not report.errors

    assert _index_rows(engine) == _expected_rows(engine)
    assert _triggers(engine) == triggers  # the insert triggers are back
    with database.session_scope(engine) as s:
        assert [h.node_id for h in search.search(s, "study 17 parsing wombat")] == ["paper:bulk17"]
        assert search.count(s, "wombat") == N + 1
        assert search.count(s, "quokka") == len(range(0, N, 7))  # abstracts are indexed too
        assert [h.node_id for h in search.search(s, "zurich")] == ["paper:bulk3"]  # decoded LaTeX, diacritics folded

    # Later single writes still go through the triggers.
    with database.session_scope(engine) as s:
        service.upsert_node(s, "paper:bulk17", provenance="user", name="Echidna census")
        service.upsert_node(s, "technique:quokka-counting", provenance="t", name="Quokka counting", category="method")
    assert _index_rows(engine) == _expected_rows(engine)
    with database.session_scope(engine) as s:
        assert [h.node_id for h in search.search(s, "echidna")] == ["paper:bulk17"]
        assert "technique:quokka-counting" in {h.node_id for h in search.search(s, "quokka counting")}

    # Re-ingesting the file adds no node; the index follows whatever it updated.
    assert load.ingest_source(engine, "bulk.bib", text=_bib(N), batch_size=N).new == 0
    assert _index_rows(engine) == _expected_rows(engine)


def test_a_failed_bulk_insert_leaves_the_triggers_and_the_index_intact(sqlite_engine):
    engine = sqlite_engine
    triggers = _triggers(engine)
    nodes = [{"id": f"paper:x{i}", "kind": "paper", "name": f"Platypus {i}", "provenance": "t"} for i in range(N)]
    papers = [{"node_id": f"paper:x{i}", "citation_key": f"x{i}", "authors": [], "extra": {}, "field_sources": {},
               "doi": "10.1/same" if i in (5, N - 1) else None} for i in range(N)]
    with pytest.raises(IntegrityError):
        with database.session_scope(engine) as s:
            bulk.insert_papers(s, nodes, papers)  # two papers with one DOI: the insert fails
    assert _triggers(engine) == triggers
    with database.session_scope(engine) as s:
        assert search.count(s, "platypus") == 0
        service.upsert_node(s, "technique:platypus", provenance="t", name="Platypus", category="method")
    assert _index_rows(engine) == _expected_rows(engine)
