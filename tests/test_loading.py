"""Loading data files: one transaction, idempotent, and exact errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.errors import ForbiddenRelation, InvalidInput, NotFound
from aiprogress.ingest import datafiles

GOOD = """
[[constraint]]
id = "constraint:architecture"
name = "Architecture"
binding = "leverage"

[[technique]]
id = "technique:attention"
name = "Attention"
category = "method"
year = 2014

[[technique]]
id = "technique:transformer"
name = "Transformer"
category = "architecture"
year = 2017
aliases = ["transformers"]

[[edge]]
source = "technique:attention"
relation = "enables"
target = "technique:transformer"
note = "attention without recurrence"
year = 2017
"""

BIB = """
@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  year = {2017},
  eprint = {1706.03762},
  archiveprefix = {arXiv},
  introduces = {technique:transformer},
}
"""


def _dump(engine) -> list:
    """Every row of every table, for comparing a database before and after (any backend)."""
    from conftest import dump_rows

    return dump_rows(engine)


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "graph.toml").write_text(GOOD)
    (d / "papers.bib").write_text(BIB)
    return d


def _load(engine, path):
    with database.session_scope(engine) as s:
        return datafiles.load_data(s, path)


def test_load_then_reload_changes_nothing(engine, folder, tmp_path):
    first = _load(engine, folder)
    assert first.counts["technique"]["added"] == 2
    assert first.counts["paper"]["added"] == 1
    before = _dump(engine)
    second = _load(engine, folder)
    assert second.changed == 0
    assert _dump(engine) == before
    with database.session_scope(engine) as s:
        assert service.resolve_id(s, "Transformers") == "technique:transformer"
        assert service.resolve_id(s, "vaswani2017attention") == "paper:vaswani2017attention"
        edges = {(e.relation, e.other_id) for e in service.node_edges(s, "technique:transformer")}
        assert ("introduces", "paper:vaswani2017attention") in edges
        assert ("enables", "technique:attention") in edges


def test_changed_value_is_updated_not_duplicated(engine, folder):
    _load(engine, folder)
    (folder / "graph.toml").write_text(GOOD.replace("year = 2014", "year = 2015"))
    report = _load(engine, folder)
    assert report.counts["technique"]["updated"] == 1
    with database.session_scope(engine) as s:
        assert service.get_node(s, "technique:attention").year == 2015
        assert service.stats(s)["nodes"]["technique"] == 2


@pytest.mark.parametrize(
    "extra, error, fragments",
    [
        ('[[edge]]\nsource = "technique:nope"\nrelation = "enables"\ntarget = "technique:transformer"\nnote = "x"\n',
         NotFound, ["graph.toml:", "technique:nope"]),
        ('[[edge]]\nsource = "technique:attention"\nrelation = "relaxes"\ntarget = "technique:transformer"\nnote = "x"\n',
         ForbiddenRelation, ["graph.toml:", "technique:attention", "technique:transformer"]),
        ('[[technique]]\nid = "technique:Bad Slug"\nname = "x"\ncategory = "method"\n',
         InvalidInput, ["graph.toml:", "technique:Bad Slug"]),
        ('[[technique]]\nid = "technique:x"\nname = "x"\ncategory = "method"\ncolour = "red"\n',
         InvalidInput, ["graph.toml:", "colour"]),
    ],
)
def test_a_bad_entry_fails_with_its_place_and_leaves_the_database_as_it_was(engine, folder, extra, error, fragments):
    _load(engine, folder)
    before = _dump(engine)
    (folder / "graph.toml").write_text(GOOD.replace("year = 2014", "year = 2013") + "\n" + extra)
    with pytest.raises(error) as info:
        _load(engine, folder)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    line = int(message.split("graph.toml:")[1].split(":")[0])
    assert (folder / "graph.toml").read_text().splitlines()[line - 1].startswith("[[")
    assert _dump(engine) == before  # the year change in the same load was rolled back too


def test_a_dangling_reference_in_the_bib_file_fails(engine, folder):
    (folder / "papers.bib").write_text(BIB.replace("technique:transformer", "technique:missing"))
    with pytest.raises(InvalidInput, match="technique:missing"):
        _load(engine, folder)
    with database.session_scope(engine) as s:
        assert service.stats(s)["total_nodes"] == 0


def test_missing_path_and_bad_toml(engine, tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        _load(engine, tmp_path / "absent")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[technique]\nid=")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        _load(engine, bad)


def test_builtin_data_ships_with_the_package():
    folder = datafiles.builtin_data_dir()
    assert (folder / "papers.bib").is_file() and (folder / "edges.toml").is_file()
