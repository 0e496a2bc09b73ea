"""The store and its rules: model round-trips, relation rules, errors."""

from __future__ import annotations

import pytest
from sqlmodel import select

from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.errors import Conflict, ForbiddenRelation, InvalidInput, NotFound
from aiprogress.graph.models import Edge, Node


def _seed(session):
    service.upsert_node(session, "constraint:architecture", provenance="test", name="Architecture", binding="leverage")
    service.upsert_node(session, "technique:attention", provenance="test", name="Attention", category="method", year=2014)
    service.upsert_node(session, "technique:transformer", provenance="test", name="Transformer", category="architecture", year=2017)
    service.upsert_paper(
        session, "paper:vaswani2017attention", provenance="test", title="Attention Is All You Need", year=2017,
        authors=["Vaswani, Ashish", "Shazeer, Noam"], arxiv_id="arXiv:1706.03762v5", doi="https://doi.org/10.5555/ABC.1",
    )


def test_paper_round_trip_keeps_order_and_normalises_ids(engine):
    with database.session_scope(engine) as s:
        _seed(s)
    with database.session_scope(engine) as s:
        detail = service.node_detail(s, "paper:vaswani2017attention")
        assert detail.paper["authors"] == ["Vaswani, Ashish", "Shazeer, Noam"]
        assert detail.paper["arxiv_id"] == "1706.03762"
        assert detail.paper["doi"] == "10.5555/abc.1"
        assert "vaswani2017attention" in detail.aliases
        assert service.find_paper(s, arxiv_id="1706.03762v2").id == "paper:vaswani2017attention"
        assert service.find_paper(s, doi="DOI: 10.5555/abc.1").id == "paper:vaswani2017attention"
        with pytest.raises(NotFound, match="1999.00001"):
            service.find_paper(s, arxiv_id="1999.00001")


def test_link_records_provenance_and_both_directions(session):
    _seed(session)
    edge, change = service.link(session, "technique:attention", "enables", "technique:transformer", provenance="user:ada", note="self-attention alone", year=2017, confidence=0.9)
    assert change == service.ADDED
    again = service.link(session, "technique:attention", "enables", "technique:transformer", provenance="user:ada", note="self-attention alone", year=2017, confidence=0.9)
    assert again[1] == service.UNCHANGED
    views = service.node_edges(session, "technique:transformer")
    assert [(v.direction, v.other_id, v.provenance) for v in views] == [("in", "technique:attention", "user:ada")]
    assert session.exec(select(Edge)).all()[0].note == "self-attention alone"


@pytest.mark.parametrize(
    "source, relation, target, fragment",
    [
        ("technique:attention", "relaxes", "technique:transformer", "relaxes"),
        ("technique:attention", "introduces", "technique:transformer", "introduces"),
        ("constraint:architecture", "enables", "technique:transformer", "constraint:architecture (constraint)"),
        ("paper:vaswani2017attention", "cites", "technique:attention", "technique:attention (technique)"),
    ],
)
def test_forbidden_pairs_name_both_ends(session, source, relation, target, fragment):
    _seed(session)
    with pytest.raises(ForbiddenRelation) as info:
        service.link(session, source, relation, target, provenance="test")
    assert source in str(info.value) and target in str(info.value) and fragment in str(info.value)


def test_allowed_pairs(session):
    _seed(session)
    service.link(session, "technique:transformer", "relaxes", "constraint:architecture", provenance="test")
    service.link(session, "paper:vaswani2017attention", "introduces", "technique:transformer", provenance="test")
    assert service.stats(session)["edges"]["relaxes"] == 1


def test_link_errors_are_clear(session):
    _seed(session)
    with pytest.raises(NotFound, match="technique:nope"):
        service.link(session, "technique:nope", "enables", "technique:transformer", provenance="t")
    with pytest.raises(InvalidInput, match="unknown relation 'causes'"):
        service.link(session, "technique:attention", "causes", "technique:transformer", provenance="t")
    with pytest.raises(InvalidInput, match="provenance"):
        service.link(session, "technique:attention", "enables", "technique:transformer", provenance="")
    with pytest.raises(InvalidInput, match="confidence"):
        service.link(session, "technique:attention", "enables", "technique:transformer", provenance="t", confidence=2)
    with pytest.raises(InvalidInput, match="itself"):
        service.link(session, "technique:attention", "enables", "technique:attention", provenance="t")


@pytest.mark.parametrize(
    "node_id, message",
    [
        ("transformer", "kind:slug"),
        ("model:transformer", "unknown kind 'model'"),
        ("technique:Layer Norm", "lower-case words"),
        ("paper:has space", "citation key"),
    ],
)
def test_bad_ids_are_rejected(session, node_id, message):
    with pytest.raises(InvalidInput, match=message):
        service.upsert_node(session, node_id, provenance="t", name="x", category="method")


def test_kind_specific_fields_are_checked(session):
    with pytest.raises(InvalidInput, match="category"):
        service.upsert_node(session, "technique:x", provenance="t", name="X", category="magic")
    with pytest.raises(InvalidInput, match="hard or leverage"):
        service.upsert_node(session, "field:x", provenance="t", name="X", binding="hard")
    with pytest.raises(InvalidInput, match="binding"):
        service.upsert_node(session, "constraint:x", provenance="t", name="X")


def test_duplicate_identifiers_conflict(session):
    _seed(session)
    with pytest.raises(Conflict, match="paper:vaswani2017attention"):
        service.upsert_paper(session, "paper:other", provenance="t", title="Other", year=2017, arxiv_id="1706.03762")
    with pytest.raises(Conflict, match="already names"):
        service.add_alias(session, "technique:attention", "vaswani2017attention")
    with pytest.raises(Conflict):
        service.create_node(session, "technique:attention", provenance="t", name="A", category="method")


def test_delete_node_removes_its_edges(session):
    _seed(session)
    service.link(session, "technique:attention", "enables", "technique:transformer", provenance="t")
    service.delete_node(session, "technique:attention")
    assert session.get(Node, "technique:attention") is None
    assert service.stats(session)["total_edges"] == 0


def test_revision_counts_committed_writes(engine):
    with database.session_scope(engine) as s:
        before = service.current_revision(s)
        _seed(s)
    with database.session_scope(engine) as s:
        middle = service.current_revision(s)
        service.stats(s)  # a read does not count
    with database.session_scope(engine) as s:
        assert service.current_revision(s) == middle > before


def test_sqlite_has_foreign_keys_and_wal(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
