"""What the sample files of other formats showed (tests/corpora/formats,
and /work/shared/corpora/formats when present): every problem reported once,
no two works made one by a shared key, nothing dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph.models import Node, Paper
from aiprogress.ingest import load

SAMPLES = Path(__file__).parent / "corpora" / "formats"
SHARED = Path(__file__).parent.parent / "../shared/corpora/formats"


def kinds(report) -> list[str]:
    return sorted(p["kind"] for p in report.problems)


def titles(engine) -> list[tuple[str, int | None]]:
    with Session(engine) as s:
        return sorted(s.execute(select(Node.name, Node.year).where(Node.kind == "paper")).all())


def test_two_ris_records_sharing_an_id_stay_two_works(sqlite_engine):
    report = load.ingest_source(sqlite_engine, str(SAMPLES / "rispy_example_full.ris"))
    assert (report.new, report.merged) == (2, 0)
    assert kinds(report) == ["duplicate-key"] and "kept apart as '12345-2'" in report.problems[0]["message"]
    assert titles(sqlite_engine) == [("The title of the reference", 2006), ("Title of reference", 2014)]


def test_exact_copies_under_one_key_are_skipped_and_said(sqlite_engine):
    report = load.ingest_source(sqlite_engine, str(SAMPLES / "rispy_example_multiline.ris"))
    # Three records, the same but for line breaks: one paper; no title, said once.
    assert (report.entries, report.new) == (1, 1)
    assert kinds(report) == ["duplicate-key", "duplicate-key", "missing-title"]


def test_every_url_of_a_ris_record_is_kept(sqlite_engine):
    report = load.ingest_source(sqlite_engine, str(SAMPLES / "rispy_example_urls.ris"))
    assert report.new == 1 and report.merged == 3  # one work, four records
    with Session(sqlite_engine) as s:
        (paper,) = s.execute(select(Paper)).scalars()
    assert paper.url == "http://example.com" and paper.extra["ris-urls"] == "http://www.example.com"


@pytest.mark.parametrize("name, text", [
    ("items.csl.json", json.dumps([{"id": "ITEM-1", "type": "book", "author": [{"family": "Doe", "given": "J"}]}])),
    ("papers.json", json.dumps([{"paperId": "abc", "corpusId": 5, "externalIds": {"CorpusId": 5}}])),
    ("works.json", json.dumps({"id": "https://openalex.org/W9", "publication_year": 2001})),
    ("r.ris", "TY  - JOUR\nAU  - Doe, J\nPY  - 2001\nER  - \n"),
])
def test_a_record_without_a_title_is_reported_once(sqlite_engine, name, text):
    report = load.ingest_source(sqlite_engine, name, text=text)
    assert report.new == 1 and kinds(report).count("missing-title") == 1


def test_s2ag_publication_venues_are_reported_not_made_papers(sqlite_engine):
    line = {"id": "70d6d3d0-8bd5-4807-b790-8513d1041d69", "alternate_issns": [], "alternate_names": ["Tour Recreat"],
            "alternate_urls": [], "issn": "2687-1971", "name": "Tourism and Recreation", "type": "journal", "url": None}
    report = load.ingest_source(sqlite_engine, "venues.jsonl", text=json.dumps(line) + "\n")
    assert report.new == 0 and kinds(report) == ["not-an-entry"] and "a venue" in report.problems[0]["message"]
    with Session(sqlite_engine) as s:
        assert s.execute(select(func.count()).select_from(Node)).scalar_one() == 0


def test_every_sample_imports_and_accounts_for_every_record(tmp_path):
    """Every committed sample, and the full shared set where it is beside the
    clone: nothing raises, what is read is stored or reported."""
    from aiprogress.graph import db as database

    folders = [SAMPLES, SHARED] if SHARED.is_dir() else [SAMPLES]
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) > (100 if SHARED.is_dir() else 15)
    engine = database.open_engine(f"sqlite:///{tmp_path / 'all.db'}")
    database.create_schema(engine)
    try:
        for path in files:
            # force: the shared set holds copies of committed samples, which would be skipped as already read.
            report = load.ingest_source(engine, str(path), force=True)
            assert report.aborted is None, path
            stored = report.new + report.merged + report.unchanged
            assert stored + report.failed <= report.entries, path
            if stored < report.entries or report.entries == 0:
                assert report.problems, path
    finally:
        engine.dispose()
