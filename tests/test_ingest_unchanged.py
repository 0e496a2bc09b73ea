"""ingest/unchanged.py: a file ingested before as it is now is recognised
and skipped without being parsed; anything that could change the result
(its bytes, the settings, a paper of it deleted, --overwrite, --force)
reads it again. Real SQLite files, and PostgreSQL where the record's
storage differs."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.models import IngestedFile, Meta, Node
from aiprogress.ingest import bibtex, importers, load

BIB = "\n".join(
    f"@inproceedings{{k{i}, title={{Work number {i} on Sch{{\\\"u}}tze's trees}}, author={{Smith, A. and Jones, B.}}, "
    f"booktitle={{Proc. X}}, year={{20{i:02d}}}}}"
    for i in range(12)
)


@pytest.fixture
def bib(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


def _revision(engine) -> str | None:
    with Session(engine) as s:
        row = s.get(Meta, "revision")
        return None if row is None else row.value


def _nodes(engine) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(Node)).scalar_one()


def test_the_same_bytes_again_are_skipped_unread_and_write_nothing(engine, bib, monkeypatch):
    first = load.ingest_source(engine, str(bib))
    assert first.new == 12 and first.skipped is None
    revision, nodes = _revision(engine), _nodes(engine)
    monkeypatch.setattr(importers, "parse", lambda *a, **k: pytest.fail("the file was parsed"))
    again = load.ingest_source(engine, str(bib))
    assert again.skipped and "unchanged since" in again.skipped and "--force" in again.skipped
    assert (again.entries, again.new, again.merged, again.unchanged) == (0, 0, 0, 0)
    assert again.to_dict()["skipped"] == again.skipped
    assert (_revision(engine), _nodes(engine)) == (revision, nodes)


def test_force_changed_bytes_and_other_settings_read_the_file_again(sqlite_engine, bib):
    load.ingest_source(sqlite_engine, str(bib))
    forced = load.ingest_source(sqlite_engine, str(bib), force=True)
    assert forced.skipped is None and forced.unchanged == 12
    assert load.ingest_source(sqlite_engine, str(bib), link=False).skipped is None  # settings differ
    assert load.ingest_source(sqlite_engine, str(bib), limits=bibtex.Limits(max_field_chars=5000)).skipped is None
    assert load.ingest_source(sqlite_engine, str(bib), overwrite=True).skipped is None  # never skipped
    # What is kept is the last ingest's settings: the defaults again read the file once, then skip it.
    assert load.ingest_source(sqlite_engine, str(bib)).skipped is None
    assert load.ingest_source(sqlite_engine, str(bib)).skipped
    bib.write_text(BIB + "\n@article{new1, title={A New One}, year={2001}}", encoding="utf-8")
    changed = load.ingest_source(sqlite_engine, str(bib))
    assert changed.skipped is None and changed.new == 1 and changed.unchanged == 12


def test_a_deleted_paper_makes_the_file_read_again_and_puts_it_back(engine, bib):
    load.ingest_source(engine, str(bib))
    with database.session_scope(engine) as s:
        service.delete_node(s, "paper:k3")
    again = load.ingest_source(engine, str(bib))
    assert again.skipped is None and again.new == 1 and again.unchanged == 11
    with Session(engine) as s:
        assert s.get(Node, "paper:k3") is not None
    assert load.ingest_source(engine, str(bib)).skipped


def test_dry_runs_strict_aborts_and_text_are_never_recorded(sqlite_engine, bib, tmp_path):
    assert load.ingest_source(sqlite_engine, str(bib), dry_run=True).skipped is None
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{ok, title={Fine}, year={2001}}\n@article{x, title={Odd}, year={20x1}}", encoding="utf-8")
    assert load.ingest_source(sqlite_engine, str(bad), strict=True).aborted
    load.ingest_source(sqlite_engine, "text.bib", text=BIB)
    with Session(sqlite_engine) as s:
        assert s.execute(select(func.count()).select_from(IngestedFile)).scalar_one() == 0
    assert load.ingest_source(sqlite_engine, str(bib)).skipped is None
    assert load.ingest_source(sqlite_engine, str(bib), dry_run=True).skipped  # nothing would be written


def test_several_files_skip_the_unchanged_ones_before_parsing(sqlite_engine, tmp_path, monkeypatch):
    paths = []
    for n in range(3):
        path = tmp_path / f"f{n}.bib"
        path.write_text(BIB.replace("{k", f"{{f{n}k").replace("Work number", f"File {n} work"), encoding="utf-8")
        paths.append(str(path))
    assert [r.new for r in load.ingest_sources(sqlite_engine, paths)] == [12, 12, 12]
    (tmp_path / "f1.bib").write_text(BIB.replace("{k", "{f1k").replace("Work number", "File 1 work") + "\n@misc{f1extra, title={Extra}}",
                                     encoding="utf-8")
    parsed: list[str] = []
    real = importers.parse
    monkeypatch.setattr(importers, "parse", lambda source, *a, **k: parsed.append(source) or real(source, *a, **k))
    reports = list(load.ingest_sources(sqlite_engine, paths, parse_ahead=False))
    assert [bool(r.skipped) for r in reports] == [True, False, True]
    assert reports[1].new == 1 and parsed == [paths[1]]


def test_cli_says_the_file_was_skipped_and_force_reads_it(cli, bib, tmp_path):
    db = tmp_path / "cli.db"
    assert cli("ingest", bib, "--db", db)[0] == 0
    code, out, err = cli("ingest", bib, "--db", db)
    assert code == 0 and "skipped, unchanged since" in out and "--force" in out
    code, out, err = cli("ingest", bib, "--db", db, "--force", "--json")
    assert code == 0, err
    report = json.loads(out)["files"][0]
    assert report["skipped"] is None and report["unchanged"] == 12


def test_a_json_lines_file_read_as_a_stream_is_skipped_too(sqlite_engine, tmp_path):
    from pathlib import Path

    work = json.loads((Path(__file__).parent / "corpora" / "formats" / "W2741809807_single_work.json").read_text(encoding="utf-8"))
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(work) + "\n", encoding="utf-8")
    first = load.ingest_source(sqlite_engine, str(path))
    assert first.new == 1 and first.skipped is None
    assert load.ingest_source(sqlite_engine, str(path)).skipped
