"""Schema migrations: upgrades in place keep every row; newer databases are refused."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import select
from sqlmodel import SQLModel

from aiprogress.graph import db as database
from aiprogress.graph import bulk, search, service
from aiprogress.graph.errors import SchemaVersionError
from aiprogress.graph.models import Node, Paper, unpack_field_sources
from aiprogress.ingest import datafiles
from conftest import dump_rows


_FIRST_RELATIONS = {"relaxes", "enables", "inspired-by", "introduces", "cites", "triggered"}


def _first_revision_data(folder: Path) -> Path:
    """The built-in history cut to what the first schema could hold: no
    proposals, statuses or edges of relations added later."""
    for path in datafiles.builtin_data_dir().iterdir():
        if path.suffix == ".bib" or path.name in {"constraints.toml", "techniques.toml", "fields.toml", "narratives.toml", "measurements.toml"}:
            text = path.read_text()
            if path.name == "techniques.toml":
                text = text.replace('category = "model"', 'category = "architecture"')
            (folder / path.name).write_text(text)
    head, *blocks = (datafiles.builtin_data_dir() / "edges.toml").read_text().split("\n[[edge]]\n")
    kept = [b for b in blocks if tomllib.loads("[[edge]]\n" + b)["edge"][0]["relation"] in _FIRST_RELATIONS]
    (folder / "edges.toml").write_text("\n[[edge]]\n".join([head, *kept]))
    return folder


def _fill(engine, data: Path | None = None) -> None:
    with database.session_scope(engine) as s:
        # What the first revisions can hold: no `mentions` links.
        if data is None:
            datafiles.load_builtin(s, link=False)
        else:
            datafiles.load_data(s, data, link=False)
        service.upsert_paper(s, "paper:smith2020x", title="A Title", year=2020, provenance="t", authors=["Smith, A"], extra={"k": "v"},
                             abstract="Wombats burrow.")


def _filled_at(engine, revision: str, data: Path | None = None) -> None:
    """A store at an earlier `revision` holding rows: filled at the newest
    revision (the code maps the newest tables), then downgraded. The data
    must be what that revision can hold (_first_revision_data)."""
    database.create_schema(engine)
    _fill(engine, data)
    with engine.begin() as conn:
        command.downgrade(database._alembic_config(conn), revision)
        assert database.schema_revision(conn) == revision


def _assert_kept(engine, before: list) -> None:
    """The rows now in the tables of `before` are those rows, cut to the
    columns the tables had then (a migration may add columns to existing
    rows), each paper's field sources compared as the {field: provenance}
    every reader sees (migration 0007 stores them grouped; a downgrade gives
    back the dict)."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    width = {name: len(eval(rows[0])) for name, rows in before if rows}  # noqa: S307 (our own reprs of tuples)
    at = [c.name for c in meta.tables["paper"].columns].index("field_sources")

    def shown(name: str, row: tuple) -> str:
        row = row[: width.get(name, len(row))]
        if name != "paper":
            return repr(row)
        sources = json.loads(row[at]) if isinstance(row[at], str) else row[at]
        return repr((*row[:at], unpack_field_sources(sources), *row[at + 1:]))

    with engine.connect() as conn:
        now = [(name, sorted(shown(name, tuple(row)) for row in conn.execute(meta.tables[name].select()))) for name, _ in before]
    assert now == [(name, sorted(shown(name, eval(r)) for r in rows)) for name, rows in before]  # noqa: S307


def _search_finds_the_rows_made_before(engine) -> None:
    """The full-text index of the upgraded store (SQLite's FTS5, PostgreSQL's
    node_search of migration 0002) holds every node, old rows included."""
    index = "node_fts" if engine.dialect.name == "sqlite" else "node_search"
    with database.session_scope(engine) as s:
        assert [h.node_id for h in search.search(s, "wombats")] == ["paper:smith2020x"]
        assert search.search(s, "transformer")[0].node_id == "technique:transformer"
        nodes = s.execute(text("SELECT count(*) FROM node")).scalar_one()
        assert s.execute(text(f"SELECT count(*) FROM {index}")).scalar_one() == nodes


def test_the_migrations_build_exactly_the_schema_of_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _declared_only})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert database.schema_revision(conn) == database.schema_head()


def _declared_only(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and reflected and compare_to is None)


def test_a_database_at_the_first_revision_upgrades_with_every_row(database_url, tmp_path):
    engine = database.open_engine(database_url)
    try:
        _filled_at(engine, database.FIRST_REVISION, _first_revision_data(tmp_path))
        before = dump_rows(engine)
        assert sum(len(rows) for _, rows in before) > 500
        database.create_schema(engine)
        _assert_kept(engine, before)
        with engine.connect() as conn:
            assert database.schema_revision(conn) == database.schema_head()
        _search_finds_the_rows_made_before(engine)
    finally:
        engine.dispose()


_ADDED_LATER = {"link_verdict"}


def test_a_database_made_before_migrations_is_adopted_in_place(database_url):
    engine = database.open_engine(database_url)
    try:
        # What create_schema did before Alembic: the tables of that time (later migrations add the others).
        SQLModel.metadata.create_all(engine, tables=[t for t in SQLModel.metadata.sorted_tables if t.name not in _ADDED_LATER])
        _fill(engine)
        before = dump_rows(engine)
        assert database.upgrade_schema(engine) == (database.FIRST_REVISION, database.schema_head())
        _assert_kept(engine, before)
        assert database.has_schema(engine)
        database.create_schema(engine)
        _search_finds_the_rows_made_before(engine)
    finally:
        engine.dispose()


def test_an_upgraded_database_takes_the_new_kinds_relations_and_statuses(database_url, tmp_path):
    """Migration 0003 loosens the CHECKs on node and edge in place and keeps
    every row; the built-in history, which needs them, then loads on top."""
    engine = database.open_engine(database_url)
    try:
        _filled_at(engine, "0002", _first_revision_data(tmp_path))
        before = dump_rows(engine)
        database.create_schema(engine)
        _assert_kept(engine, before)
        with database.session_scope(engine) as s:
            datafiles.load_builtin(s)
            assert s.get(Node, "proposal:return-to-first-principles").kind == "proposal"
            assert s.get(Node, "technique:gpt-3").category == "model"
            assert service.stats(s)["edges"]["focuses-on"] == 6 and service.stats(s)["constraint_statuses"] > 0
    finally:
        engine.dispose()


def test_a_newer_database_is_refused_with_a_clear_message(engine, cli):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    for call in (database.create_schema, database.has_schema, database.check_schema):
        with pytest.raises(SchemaVersionError, match="9999_from_the_future.*newer than this aiprogress"):
            call(engine)
    if engine.dialect.name == "sqlite":
        code, out, err = cli("stats", "--db", engine.url.database)
        assert code == SchemaVersionError.exit_code
        assert "newer than this aiprogress" in err and "Traceback" not in err


def test_migrate_command_reports_the_revision(cli, tmp_path):
    code, out, err = cli("migrate", "--db", tmp_path / "new.db")
    assert code == 0, err
    assert database.schema_head() in out
    code, out, err = cli("migrate", "--db", tmp_path / "new.db")
    assert code == 0 and "already at" in out


def test_citation_attributes_are_added_to_the_edges_of_an_earlier_store(database_url, tmp_path):
    """Migration 0006 adds `intents` and `influential` to every edge, NULL on
    the rows already there (nothing was stated), and the store then takes them."""
    from aiprogress.graph.models import Edge
    from aiprogress.ingest import load

    engine = database.open_engine(database_url)
    try:
        _filled_at(engine, "0005")
        before = dump_rows(engine)
        database.create_schema(engine)
        _assert_kept(engine, before)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM edge WHERE intents IS NOT NULL OR influential IS NOT NULL")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM edge")).scalar_one() > 100
        lines = "".join(f'{{"corpusid": {c}, "title": "Paper {c}", "externalids": {{"CorpusId": "{c}"}}}}\n' for c in (1, 2))
        lines += '{"citingcorpusid": "1", "citedcorpusid": "2", "isinfluential": true, "intents": ["result"], "contexts": null}\n'
        load.ingest_source(engine, "s2.jsonl", text=lines, format="semanticscholar")
        with database.session_scope(engine) as s:
            edge = s.exec(select(Edge).where(Edge.source_id == "paper:s2:1")).one()
            assert (edge.intents, edge.influential) == (["result"], True)
    finally:
        engine.dispose()


def test_field_sources_are_regrouped_in_place_and_read_as_before(database_url):
    """Migration 0007 rewrites each paper's {field: provenance} (as 0005 stored
    it) into groups holding each provenance once; every read sees the same
    dict, and a downgrade gives back the rows as they were."""
    engine = database.open_engine(database_url)
    old = {"name": "bibtex:a.bib#k", "year": "bibtex:a.bib#k", "abstract": "openalex:w.json#W1", "extra.pages": "bibtex:a.bib#k"}
    try:
        with engine.begin() as conn:
            command.upgrade(database._alembic_config(conn), "0006")
            conn.execute(text("INSERT INTO node (id, kind, name, provenance) VALUES ('paper:k', 'paper', 'T', 'bibtex:a.bib')"))
            conn.execute(text("INSERT INTO paper (node_id, authors, entry_type, citation_key, title_key, extra, field_sources) "
                              "VALUES ('paper:k', '[]', 'article', 'k', 't', '{}', :sources)"), {"sources": json.dumps(old)})
        database.create_schema(engine)
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT field_sources FROM paper")).scalar_one()
        assert (json.loads(raw) if isinstance(raw, str) else raw) == [
            ["bibtex:a.bib#k", "name", "year"], ["openalex:w.json#W1", "abstract"], ["bibtex:a.bib#k", "extra.pages"]]
        with database.session_scope(engine) as s:
            assert list(s.get(Paper, "paper:k").field_sources.items()) == list(old.items())
            assert [dict(r)["field_sources"] for r in bulk.paper_rows(s)] == [old]  # what the exports read
        with engine.begin() as conn:
            command.downgrade(database._alembic_config(conn), "0006")
            raw = conn.execute(text("SELECT field_sources FROM paper")).scalar_one()
            assert (json.loads(raw) if isinstance(raw, str) else raw) == old
    finally:
        engine.dispose()


def test_edges_and_pending_citations_are_found_by_index_without_their_single_column_ones(sqlite_engine):
    # 0008 dropped edge.source_id, edge.target_id and pending_citation.citing_id's
    # own indexes: the indexes leading with those columns still serve every lookup.
    lookups = {
        "SELECT source_id, relation, target_id FROM edge WHERE source_id IN ('a', 'b')": "uq_edge_triple",
        "SELECT source_id, relation, target_id FROM edge WHERE target_id IN ('a', 'b') AND relation = 'cites'": "ix_edge_target_relation",
        "SELECT id FROM edge WHERE target_id = 'a'": "ix_edge_target_relation",
        "SELECT citing_id, ref_key FROM pending_citation WHERE citing_id IN ('a', 'b')": "uq_pending_citation",
    }
    with sqlite_engine.connect() as c:
        names = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not names & {"ix_edge_source_id", "ix_edge_target_id", "ix_pending_citation_citing_id"}
        for sql, index in lookups.items():
            plan = " ".join(r[-1] for r in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            expected = {"uq_edge_triple": "sqlite_autoindex_edge_1", "uq_pending_citation": "sqlite_autoindex_pending_citation_1"}.get(index, index)
            assert f"INDEX {expected}" in plan, (sql, plan)


def _pending_index_definitions(engine) -> dict[str, str]:
    """index name -> its definition, for pending_citation's identifier indexes."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pending_citation'")
        else:
            rows = conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'pending_citation'")
        return {name: sql for name, sql in rows if name.startswith("ix_pending_citation_")}


def test_pending_citation_identifier_indexes_hold_only_rows_with_a_value(database_url):
    """Migration 0009 makes the five identifier indexes partial (a reference
    names its work by one or two schemes); a store at 0008 upgrades in place,
    keeps its pending rows, and still finds them by index."""
    from aiprogress.ingest import load

    engine = database.open_engine(database_url)
    try:
        _filled_at(engine, "0008")
        lines = '{"id": "https://openalex.org/W1", "title": "One", "referenced_works": ["https://openalex.org/W2"]}\n'
        load.ingest_source(engine, "a.jsonl", text=lines, format="openalex")
        assert all("WHERE" not in sql.upper() for sql in _pending_index_definitions(engine).values())
        before = dump_rows(engine)
        database.create_schema(engine)
        _assert_kept(engine, before)
        definitions = _pending_index_definitions(engine)
        assert sorted(definitions) == [f"ix_pending_citation_{c}" for c in ("arxiv_id", "doi", "mag_id", "openalex_id", "s2_id")]
        for name, sql in definitions.items():
            assert "IS NOT NULL" in sql.upper(), sql
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT id FROM pending_citation WHERE openalex_id IN ('w2', 'w3')"))
            assert "INDEX ix_pending_citation_openalex_id" in plan, plan
        # The pending citation still becomes an edge when its work arrives.
        load.ingest_source(engine, "b.jsonl", text='{"id": "https://openalex.org/W2", "title": "Two"}\n', format="openalex")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pending_citation")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM edge WHERE relation = 'cites' AND target_id IN "
                                     "(SELECT node_id FROM alias WHERE alias = 'openalex:w2')")).scalar_one() == 1
    finally:
        engine.dispose()
