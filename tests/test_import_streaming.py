"""JSON Lines read as a stream: references resolved in bulk batch by batch
(ingest/citations.py), whatever the order of the works and the batch size."""

from __future__ import annotations

import gc
import json
import random

import pytest
from sqlalchemy import select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph.models import Edge, PendingCitation
from aiprogress.ingest import load


def _works(n: int, seed: int = 3) -> list[dict]:
    """n works citing each other at random (earlier and later in the file), and works outside it."""
    rng = random.Random(seed)
    works = []
    for i in range(1, n + 1):
        refs = {rng.randrange(1, n + 1) for _ in range(4)} - {i} | {n + rng.randrange(1, 50) for _ in range(2)}
        works.append({"id": f"https://openalex.org/W{i}", "title": f"Work number {i}", "publication_year": 2000 + i % 20,
                      "ids": {"mag": str(9000 + i)}, "referenced_works": [f"https://openalex.org/W{r}" for r in sorted(refs)]})
    return works


def _file_and_store(tmp_path, works: list[dict], name: str = "w"):
    """The works as a JSON Lines file, and an empty store beside it."""
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(w) + "\n" for w in works), encoding="utf-8")
    engine = database.open_engine(str(tmp_path / f"{name}.db"))
    database.create_schema(engine)
    return path, engine


def _store(tmp_path, name: str, works: list[dict], batch_size: int):
    path, engine = _file_and_store(tmp_path, works, name)
    report = load.ingest_source(engine, str(path), batch_size=batch_size)
    with Session(engine) as s:
        edges = sorted(s.execute(select(Edge.source_id, Edge.target_id).where(Edge.relation == "cites")).all())
        pending = sorted(s.execute(select(PendingCitation.citing_id, PendingCitation.ref_key)).all())
    engine.dispose()
    return report, edges, pending


def _expected(works: list[dict]) -> tuple[list, list]:
    inside = {w["id"].rsplit("/", 1)[1] for w in works}
    edges, pending = [], []
    for w in works:
        me = f"paper:openalex:{w['id'].rsplit('/', 1)[1]}"
        for r in w["referenced_works"]:
            wid = r.rsplit("/", 1)[1]
            if wid in inside:
                edges.append((me, f"paper:openalex:{wid}"))
            else:
                pending.append((me, f"openalex:{wid.lower()}"))
    return sorted(edges), sorted(pending)


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_every_reference_is_an_edge_or_pending_whatever_the_batches(tmp_path, batch_size):
    works = _works(60)
    report, edges, pending = _store(tmp_path, "w", works, batch_size)
    assert (edges, pending) == _expected(works)
    # Each edge counted once, whether made at once or when its work arrived.
    assert report.citations_resolved == len(edges)
    assert report.edges_added == len(edges)


def test_the_order_of_the_works_does_not_change_the_graph(tmp_path):
    works = _works(80, seed=11)
    shuffled = works[::-1]
    random.Random(5).shuffle(shuffled)
    first = _store(tmp_path, "forward", works, 9)
    second = _store(tmp_path, "shuffled", shuffled, 9)
    assert first[1:] == second[1:] == _expected(works)


def test_a_work_arriving_in_a_later_file_resolves_what_waited(tmp_path):
    works = _works(30, seed=2)
    _, before, waiting = _store(tmp_path, "a", works[:10], 4)
    waiting_for_b = [p for p in waiting if 10 < int(p[1].split(":w")[1]) <= 30]
    engine = database.open_engine(str(tmp_path / "a.db"))
    path = tmp_path / "b.jsonl"
    path.write_text("".join(json.dumps(w) + "\n" for w in works[10:]), encoding="utf-8")
    report = load.ingest_source(engine, str(path), batch_size=4)
    with Session(engine) as s:
        edges = sorted(s.execute(select(Edge.source_id, Edge.target_id).where(Edge.relation == "cites")).all())
        pending = sorted(s.execute(select(PendingCitation.citing_id, PendingCitation.ref_key)).all())
    engine.dispose()
    assert (edges, pending) == _expected(works)
    assert waiting_for_b and not any(p in pending for p in waiting_for_b)
    assert report.citations_resolved == len(edges) - len(before)


def test_two_records_of_one_work_in_a_batch_cite_once(sqlite_engine):
    """The same work twice in a file (same DOI) citing the same works: one
    edge and one pending citation each, whichever record said it."""
    work = {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1234/x", "title": "One work", "publication_year": 2020,
            "referenced_works": ["https://openalex.org/W2", "https://openalex.org/W3"]}
    again = {**work, "id": "https://openalex.org/W7"}  # another id, the same DOI: the same paper
    cited = {"id": "https://openalex.org/W2", "title": "Cited", "publication_year": 2019}
    text = "".join(json.dumps(w) + "\n" for w in (cited, work, again))
    report = load.ingest_source(sqlite_engine, "w.jsonl", text=text)
    assert report.merged == 1 and report.citations_resolved == 1 and report.citations_pending == 1
    with Session(sqlite_engine) as s:
        assert s.execute(select(Edge.source_id, Edge.target_id)).all() == [("paper:openalex:W1", "paper:openalex:W2")]
        assert s.execute(select(PendingCitation.citing_id, PendingCitation.ref_key)).all() == [("paper:openalex:W1", "openalex:w3")]


def test_a_reference_whose_alias_names_another_kind_is_reported_not_linked_nor_pending(sqlite_engine):
    """An OpenAlex reference is found by its alias alone: a work later in the
    same batch becomes an edge; an alias held by a technique is refused by the
    edge rules, reported against the citing record, and not left pending."""
    from aiprogress.graph import service

    with database.session_scope(sqlite_engine) as s:
        service.create_node(s, "technique:attention", provenance="t", name="Attention", year=2014, category="architecture")
        service.add_alias(s, "technique:attention", "openalex:W5")
    works = [{"id": "https://openalex.org/W1", "title": "One", "publication_year": 2020,
              "referenced_works": ["https://openalex.org/W5", "https://openalex.org/W2"]},
             {"id": "https://openalex.org/W2", "title": "Two", "publication_year": 2019}]
    report = load.ingest_source(sqlite_engine, "w.jsonl", text="".join(json.dumps(w) + "\n" for w in works))
    assert (report.citations_resolved, report.citations_pending) == (1, 0)
    assert [(p["key"], p["kind"]) for p in report.to_dict()["problems"]] == [("openalex:W1", "forbidden-relation")]
    with Session(sqlite_engine) as s:
        assert s.execute(select(Edge.source_id, Edge.relation, Edge.target_id)).all() == [("paper:openalex:W1", "cites", "paper:openalex:W2")]
        assert s.execute(select(PendingCitation.citing_id)).all() == []


def test_a_stream_pauses_the_collector_yet_leaves_no_garbage_growing(tmp_path):
    """The cyclic collector is paused while a stream is written (it rescanned
    every batch's objects again and again); what each batch leaves behind is
    collected after it, so the objects alive stay flat however many batches
    the file has (the SQL statements a batch compiles leave cycles: without
    the collections they grew by about twenty objects a batch)."""
    path, engine = _file_and_store(tmp_path, _works(400))
    alive: list[int] = []
    paused: list[bool] = []

    def progress(phase: str, done: int, total: int) -> None:
        alive.append(len(gc.get_objects()))
        paused.append(not gc.isenabled())

    enabled = gc.isenabled()
    report = load.ingest_source(engine, str(path), batch_size=5, progress=progress)
    engine.dispose()
    assert report.new == 400 and len(alive) == 2 * 80 and all(paused)  # a progress call a batch, in each of the two passes
    assert max(alive[10:]) - alive[10] < 500, alive
    assert gc.isenabled() == enabled


def _pending_rows(engine) -> list[tuple[str, str]]:
    with Session(engine) as s:
        return sorted(s.execute(select(PendingCitation.citing_id, PendingCitation.ref_key)).all())


def test_a_reference_to_a_work_later_in_the_file_is_never_pending(tmp_path):
    """The papers of a stream are all placed before its references are read
    again: a reference to a work later in the file is an edge at once,
    never a pending citation written and deleted again."""
    works = _works(40, seed=4)
    path, engine = _file_and_store(tmp_path, works)
    seen: set[tuple[str, str]] = set()
    report = load.ingest_source(engine, str(path), batch_size=3, progress=lambda *_: seen.update(_pending_rows(engine)))
    edges, pending = _expected(works)
    assert _pending_rows(engine) == pending and seen == set(pending)
    assert (report.citations_resolved, report.citations_pending) == (len(edges), len(pending))
    engine.dispose()


def test_a_stream_stopped_between_its_passes_is_completed_by_a_rerun(tmp_path):
    """Each batch commits: stopped after the papers and before the references,
    the store holds whole papers; the file is not recorded as ingested, and
    reading it again links every reference."""
    works = _works(30, seed=6)
    path, engine = _file_and_store(tmp_path, works)

    def stop(phase: str, done: int, total: int) -> None:
        if phase.endswith("references"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load.ingest_source(engine, str(path), batch_size=10, progress=stop)
    with Session(engine) as s:
        assert len(s.execute(select(Edge.id)).all()) < len(_expected(works)[0])
    again = load.ingest_source(engine, str(path), batch_size=10)
    assert again.skipped is None and again.new == 0
    with Session(engine) as s:
        edges = sorted(s.execute(select(Edge.source_id, Edge.target_id).where(Edge.relation == "cites")).all())
    assert (edges, _pending_rows(engine)) == _expected(works)
    assert load.ingest_source(engine, str(path), batch_size=10).skipped
    engine.dispose()


def test_a_file_changed_between_the_passes_links_nothing_wrongly(tmp_path):
    """The second pass meets the records of the first by their place in the
    file; if the file changed in between, its references are not linked to
    the wrong works: the report says so."""
    works = _works(20, seed=8)
    path, engine = _file_and_store(tmp_path, works)

    def rewrite(phase: str, done: int, total: int) -> None:
        if phase.endswith("records") and done == len(works):
            path.write_text("".join(json.dumps(w) + "\n" for w in works[::-1]), encoding="utf-8")

    report = load.ingest_source(engine, str(path), batch_size=50, progress=rewrite)
    assert [p["kind"] for p in report.problems] == ["changed-file"]
    with Session(engine) as s:
        assert s.execute(select(Edge.id)).all() == []
    engine.dispose()
