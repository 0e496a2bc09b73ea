"""Ranked full-text search (graph/search.py) on both backends: SQLite's FTS5
and PostgreSQL's own text search (migration 0002), through the same service
function, kept in step with every write."""

from __future__ import annotations

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import search, service
from aiprogress.graph.errors import InvalidInput
from aiprogress.ingest import datafiles


@pytest.fixture
def history(engine):
    with database.session_scope(engine) as s:
        datafiles.load_builtin(s)
    return engine


def _ids(engine, text: str, **options) -> list[str]:
    with database.session_scope(engine) as s:
        return [hit.node_id for hit in search.search(s, text, **options)]


def test_the_named_technique_comes_before_the_titles_that_mention_it(history):
    with database.session_scope(history) as s:
        hits = search.search(s, "transformer", limit=5)
        total = search.count(s, "transformer")
    assert hits[0].node_id == "technique:transformer"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert total > 5


def test_pages_follow_one_another_without_repeats(history):
    with database.session_scope(history) as s:
        total = search.count(s, "network")
        pages = [h.node_id for offset in range(0, total, 7) for h in search.search(s, "network", limit=7, offset=offset)]
    assert total > 7
    assert len(pages) == len(set(pages)) == total


def test_every_word_is_required_and_the_last_is_a_prefix(history):
    assert "paper:vaswani2017attention" in _ids(history, "Attention Is All You Need")
    assert _ids(history, "Attention Is All You Need")[0] == "paper:vaswani2017attention"
    assert "technique:transformer" in _ids(history, "transf")
    assert _ids(history, "transformer zzzunknownword") == []
    papers = _ids(history, "attention", kind="paper", limit=100)
    assert papers and all(i.startswith("paper:") for i in papers)


def test_abstracts_are_searched_but_weigh_less_than_names(engine):
    with database.session_scope(engine) as s:
        service.upsert_node(s, "technique:quokka-net", provenance="t", name="Quokka Net", category="architecture")
        service.upsert_paper(s, "paper:doe2020q", title="A study of marsupials", year=2020, provenance="t",
                             abstract="We train a quokka detector on islands.")
    assert _ids(engine, "quokka") == ["technique:quokka-net", "paper:doe2020q"]
    assert _ids(engine, "marsupials islands") == ["paper:doe2020q"]  # one word in the title, one in the abstract


def test_the_index_follows_creates_updates_and_deletes(engine):
    with database.session_scope(engine) as s:
        service.upsert_node(s, "technique:zebra-net", provenance="t", name="ZebraNet", category="architecture", year=2024)
    assert _ids(engine, "zebranet") == ["technique:zebra-net"]
    with database.session_scope(engine) as s:
        service.update_node(s, "technique:zebra-net", description="Stripes all the way down.")
    assert _ids(engine, "stripes") == ["technique:zebra-net"]
    with database.session_scope(engine) as s:
        service.upsert_paper(s, "paper:roe2021z", title="Zebras", year=2021, provenance="t")
    assert _ids(engine, "savanna") == []
    with database.session_scope(engine) as s:
        service.upsert_paper(s, "paper:roe2021z", title="Zebras", year=2021, provenance="t", abstract="Seen on the savanna.")
    assert _ids(engine, "savanna") == ["paper:roe2021z"]
    with database.session_scope(engine) as s:
        service.delete_node(s, "technique:zebra-net")
        service.delete_node(s, "paper:roe2021z")
    assert _ids(engine, "zebranet") == [] and _ids(engine, "stripes") == [] and _ids(engine, "savanna") == []


def test_a_failed_write_leaves_the_index_as_it_was(engine):
    with pytest.raises(RuntimeError), database.session_scope(engine) as s:
        service.upsert_node(s, "technique:ghost", provenance="t", name="Ghostnet", category="method")
        raise RuntimeError("abandoned")
    assert _ids(engine, "ghostnet") == []


def test_slashes_dots_and_at_signs_separate_words(engine):
    with database.session_scope(engine) as s:
        service.upsert_paper(s, "paper:kim2017joint", title="Joint CTC/attention decoding", year=2017, provenance="t",
                             abstract="See example.org or ask kim@example.org about v2.1:beta.")
    for text in ("attention", "ctc attention", "example", "kim", "beta", "v2 1"):
        assert _ids(engine, text) == ["paper:kim2017joint"], text


@pytest.mark.parametrize("text", ["  *** ", "", "a " * 40])
def test_queries_without_words_or_with_too_many_are_refused(engine, text):
    with database.session_scope(engine) as s, pytest.raises(InvalidInput):
        search.search(s, text)


def test_operators_and_quotes_are_read_as_words(engine):
    with database.session_scope(engine) as s:
        service.upsert_node(s, "technique:or-and", provenance="t", name="OR AND NOT near", category="method")
    for text in ('"OR AND', "or & and | !not", "near:*", "AND)"):
        assert _ids(engine, text) == ["technique:or-and"], text
