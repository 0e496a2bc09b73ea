"""Every corpus sample of tests/corpora ingested into a real store, with the
known facts about each (tests/corpora/SOURCES.md describes them)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.models import Alias, Node, Paper
from aiprogress.ingest import load
from test_bibtex import hidden_entry_lines

ACL = ("all_C_coling.bib", "all_D_emnlp.bib", "all_L_lrec.bib", "all_N_naacl_hlt.bib", "all_P_acl.bib")


@pytest.fixture
def store(sqlite_engine):
    return sqlite_engine


def n(engine, model) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_d2l_duplicate_works_become_one_node_with_both_keys(store, corpora):
    report = load.ingest_source(store, str(corpora / "d2l/d2l.bib"))
    assert report.entries == 245 and report.failed == 0 and report.merged >= 1
    assert n(store, Node) == report.new == 245 - report.merged
    with Session(store) as s:
        node_id = service.resolve_id(s, "ba2016layer")
        assert node_id == service.resolve_id(s, "Ba.Kiros.Hinton.2016")
        assert {a for a in s.scalars(select(Alias.alias).where(Alias.node_id == node_id))} == {"ba2016layer", "ba.kiros.hinton.2016"}
        assert service.get_node(s, node_id).name == "Layer normalization"
        # `Title =`, `Author =`, `Year =` (mixed case) are read like lower-case names.
        silverman = s.get(Paper, service.resolve_id(s, "Silverman86"))
        assert silverman.authors == ["B. W. Silverman"] and silverman.year == 1986
        assert service.get_node(s, silverman.node_id).name.startswith("Density Estimation for Statistical and Data")
    again = load.ingest_source(store, str(corpora / "d2l/d2l.bib"), force=True)  # read again, not skipped as unchanged
    assert (again.new, again.merged, again.unchanged) == (0, 0, 245)


def test_ml_bib_reports_the_hidden_entries_and_ingests_the_rest(store, corpora):
    path = corpora / "lisa-lab-ml/ml.bib"
    report = load.ingest_source(store, str(path))
    hidden = [p for p in report.problems if p["kind"] == "not-an-entry"]
    assert [p["line"] for p in hidden] == hidden_entry_lines(path) and len(hidden) == 2
    assert "@ InProceedings{Salakhutdinov-NIPS2010-softmax" in hidden[0]["message"]
    assert sum(p["kind"] == "duplicate-key" for p in report.problems) == 2
    assert len({p["key"] for p in report.problems if p["kind"] == "duplicate-field"}) == 6
    assert sum(p["kind"] == "undefined-macro" for p in report.problems) > 90
    assert report.new + report.merged + report.unchanged == report.entries
    with Session(store) as s:
        assert s.get(Alias, "salakhutdinov-nips2010-softmax") is None
        assert s.get(Alias, "salhinton09small") is not None
    assert n(store, Node) == report.new


def test_all_acl_files_coling_duplicates_make_no_nodes(store, corpora):
    folder = corpora / "acl-anthology-2019"
    reports = list(load.ingest_sources(store, [str(folder / f) for f in ACL]))
    coling = reports[0]
    assert coling.entries == 126 and coling.duplicates == 63
    assert sum(r.entries for r in reports) == 484
    assert n(store, Alias) == 484  # one alias per unique key, duplicates added none
    assert n(store, Node) == sum(r.new for r in reports) < 484  # joint COLING-ACL 1998 papers merged
    with Session(store) as s:
        # COLING-ACL 1998 appears in both files: one node, both keys.
        assert service.resolve_id(s, "C98-1013") == service.resolve_id(s, "P98-1013")
        # LaTeX in names decoded: Sch{\"u}tze.
        authors = [a for row in s.scalars(select(Paper.authors)) for a in row]
        assert sum(a.startswith("Schütze") for a in authors) > 10
        # Only the two names whose source spells a literal `{\backslash}'n` keep a backslash.
        assert sum("\\" in a or "{" in a for a in authors) <= 2
    again = load.ingest_source(store, str(folder / ACL[0]), force=True)
    assert (again.new, again.merged, again.duplicates) == (0, 0, 63)
