"""Ranked full-text search over node names (a paper's title), descriptions
and paper abstracts.

On SQLite the index is an FTS5 table, `node_fts`, whose rowid is the rowid of
the `node` row. Triggers on `node` and `paper` (created by
`db.create_schema` through `create_index`) keep it in step with every write,
so there is no rebuild step and no stale result. A bulk insert of many new
nodes (graph/bulk.py) instead drops the SQLite insert triggers inside its
own transaction and indexes its new rows with one statement at the end
(`indexing_after`): the per-row triggers were a third of the writing time of
a BibTeX ingest. Every engine-specific statement lives in the functions
marked "engine-specific" below; PostgreSQL uses its
own text search (the table node_search of migration 0002); other engines
fall back to a case-insensitive substring match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, case, column, func, literal, literal_column, or_, select, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from sqlmodel import Session

from .errors import InvalidInput
from .models import Node, Paper

# Weights of the indexed columns in the ranking: a hit in a name counts most.
_WEIGHTS = {"name": 10.0, "description": 2.0, "abstract": 1.0}
_EXACT_NAME_BONUS = 100.0
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 32


@dataclass(frozen=True)
class Hit:
    node_id: str
    score: float  # larger is better


def words_of(query: str) -> list[str]:
    """The words of a user's query; FTS5 operators and quotes are not passed through."""
    if not isinstance(query, str):
        raise InvalidInput("the search text must be a string")
    words = _WORD.findall(query)
    if not words:
        raise InvalidInput(f"search text {query!r} has no words to look for")
    if len(words) > MAX_QUERY_WORDS:
        raise InvalidInput(f"search text has {len(words)} words; at most {MAX_QUERY_WORDS} are allowed")
    return words


# --------------------------------------------------------------------------
# Engine-specific: SQLite FTS5
# --------------------------------------------------------------------------

_FTS = table("node_fts", column("rowid"))
_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS node_fts USING fts5(name, description, abstract, tokenize='unicode61 remove_diacritics 2')",
    # A node's row is replaced whole; its paper's abstract is looked up so an
    # update of the node keeps the abstract indexed.
    """CREATE TRIGGER IF NOT EXISTS node_fts_ai AFTER INSERT ON node BEGIN
        INSERT INTO node_fts(rowid, name, description, abstract)
        VALUES (new.rowid, new.name, new.description, (SELECT abstract FROM paper WHERE node_id = new.id));
    END""",
    """CREATE TRIGGER IF NOT EXISTS node_fts_au AFTER UPDATE OF name, description ON node BEGIN
        UPDATE node_fts SET name = new.name, description = new.description WHERE rowid = new.rowid;
    END""",
    """CREATE TRIGGER IF NOT EXISTS node_fts_ad AFTER DELETE ON node BEGIN
        DELETE FROM node_fts WHERE rowid = old.rowid;
    END""",
    # A new paper with no abstract changes nothing the node's own trigger did not
    # already index; skipping it halves the index work of a bulk BibTeX ingest.
    """CREATE TRIGGER IF NOT EXISTS paper_fts_ai AFTER INSERT ON paper WHEN new.abstract IS NOT NULL BEGIN
        UPDATE node_fts SET abstract = new.abstract WHERE rowid = (SELECT rowid FROM node WHERE id = new.node_id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS paper_fts_au AFTER UPDATE OF abstract ON paper BEGIN
        UPDATE node_fts SET abstract = new.abstract WHERE rowid = (SELECT rowid FROM node WHERE id = new.node_id);
    END""",
    """CREATE TRIGGER IF NOT EXISTS paper_fts_ad AFTER DELETE ON paper BEGIN
        UPDATE node_fts SET abstract = NULL WHERE rowid = (SELECT rowid FROM node WHERE id = old.node_id);
    END""",
)


_TRIGGER_NAMES = tuple(re.search(r"CREATE TRIGGER IF NOT EXISTS (\w+)", ddl).group(1) for ddl in _FTS_DDL[1:])
_INSERT_TRIGGERS = {"node_fts_ai": _FTS_DDL[1], "paper_fts_ai": _FTS_DDL[4]}
_INDEX_ROWS = (
    "INSERT INTO node_fts(rowid, name, description, abstract) "
    "SELECT node.rowid, node.name, node.description, paper.abstract FROM node LEFT JOIN paper ON paper.node_id = node.id"
)
# Below this many new nodes the triggers are cheaper than changing the schema twice.
BULK_INDEX_THRESHOLD = 200


def create_index(connection: Connection) -> None:
    """Create the full-text index and its triggers (engine-specific; idempotent).

    A store made before the index existed is indexed once, here."""
    if connection.dialect.name != "sqlite":
        return
    existed = connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'node_fts'").first() is not None
    for statement in _FTS_DDL:
        connection.exec_driver_sql(statement)
    if not existed:
        connection.exec_driver_sql(_INDEX_ROWS)


def index_exists(connection: Connection) -> bool:
    """Whether the full-text index and all its triggers are in place
    (engine-specific; elsewhere than SQLite there is nothing to create)."""
    if connection.dialect.name != "sqlite":
        return True
    names = set(connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE name = 'node_fts' OR (type = 'trigger' AND name LIKE '%_fts_%')").scalars())
    return names >= {"node_fts", *_TRIGGER_NAMES}


@contextmanager
def indexing_after(connection: Connection, new_nodes: int) -> Iterator[None]:
    """Around an insert of `new_nodes` new nodes (and their papers) in the
    caller's transaction: index them in one statement at the end instead of
    row by row (engine-specific).

    On SQLite with `new_nodes` at or above BULK_INDEX_THRESHOLD the insert
    triggers are dropped and re-created inside the transaction (SQLite's DDL
    is transactional, so no other connection ever sees the store without
    them), and the rows inserted in between (rowid above the largest before;
    the write lock is held throughout) are indexed with one INSERT ... SELECT.
    Only inserts may happen in the block: updates and deletes keep their own
    triggers. Elsewhere, or for a few rows, the triggers do the work."""
    if connection.dialect.name != "sqlite" or new_nodes < BULK_INDEX_THRESHOLD:
        yield
        return
    present = set(connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ('node_fts_ai', 'paper_fts_ai')").scalars())
    if len(present) < len(_INSERT_TRIGGERS):
        yield  # no index here (or not ours): nothing to keep in step
        return
    if not connection.connection.driver_connection.in_transaction:
        # pysqlite begins a transaction only before DML: without this the
        # DROP TRIGGER below would be committed on its own.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    before = connection.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM node").scalar()
    for name in _INSERT_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
    except BaseException:
        # The caller rolls back, which restores the triggers; restore them
        # here too in case it commits what was written before the error.
        try:
            _restore(connection, before)
        except DBAPIError:
            pass
        raise
    _restore(connection, before)


def _restore(connection: Connection, before: int) -> None:
    connection.exec_driver_sql(f"{_INDEX_ROWS} WHERE node.rowid > ?", (before,))
    for statement in _INSERT_TRIGGERS.values():
        connection.exec_driver_sql(statement)


def _fts_query(words: list[str]) -> str:
    # Each word quoted (so no word is read as an operator), all required; the
    # last one as a prefix, so "transf" finds "Transformer" while typing.
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _matching_sqlite(words: list[str]) -> Select:
    # bm25() is smaller for better matches; negated so that larger is better.
    # A node whose whole name is the query (the technique "Transformer") comes
    # before the many titles that merely mention it.
    return _matching_sqlite_template().params(_query_params("sqlite", words))


@lru_cache(maxsize=None)
def _matching_sqlite_template() -> Select:
    """_matching_sqlite with the words left as parameters (fts_query, exact)."""
    bm25 = literal_column(f"-bm25(node_fts, {', '.join(str(w) for w in _WEIGHTS.values())})")
    score = bm25 + case((func.lower(Node.name) == bindparam("exact", type_=String), _EXACT_NAME_BONUS), else_=0.0)
    return (
        select(Node.id.label("node_id"), score.label("score"))
        .select_from(_FTS.join(Node, literal_column("node.rowid") == _FTS.c.rowid))
        .where(literal_column("node_fts").op("MATCH")(bindparam("fts_query", type_=String)))
    )


# --------------------------------------------------------------------------
# Engine-specific: PostgreSQL text search
# --------------------------------------------------------------------------
# The index is the table node_search (node_id, document tsvector with a GIN
# index): the name weighted A, the description B, a paper's abstract D, in
# the 'simple' configuration (no stemming, no stop words, like FTS5 here).
# Migration 0002 creates it and the triggers that keep it in step.

_NODE_SEARCH = table("node_search", column("node_id"), column("document"))
# ts_rank's weights in its order {D, C, B, A}, in the proportions of _WEIGHTS
# (C is unused); ts_rank takes weights up to 1.
_TOP = max(_WEIGHTS.values())
_TS_WEIGHTS = "'{%g, 0, %g, %g}'::float4[]" % (_WEIGHTS["abstract"] / _TOP, _WEIGHTS["description"] / _TOP, _WEIGHTS["name"] / _TOP)


def _tsquery(words: list[str]) -> str:
    # Each word a quoted lexeme (words are \w+, so no quote can end one early),
    # all required, the last one a prefix: "transf" finds "Transformer".
    lexemes = [f"'{w}'" for w in words]
    lexemes[-1] += ":*"
    return " & ".join(lexemes)


def _matching_postgresql(words: list[str]) -> Select:
    return _matching_postgresql_template().params(_query_params("postgresql", words))


@lru_cache(maxsize=None)
def _matching_postgresql_template() -> Select:
    """_matching_postgresql with the words left as parameters (ts_query, exact)."""
    query = func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("ts_query", type_=String))
    rank = func.ts_rank(literal_column(_TS_WEIGHTS), _NODE_SEARCH.c.document, query)
    score = rank + case((func.lower(Node.name) == bindparam("exact", type_=String), _EXACT_NAME_BONUS), else_=0.0)
    return (
        select(Node.id.label("node_id"), score.label("score"))
        .select_from(_NODE_SEARCH.join(Node, Node.id == _NODE_SEARCH.c.node_id))
        .where(_NODE_SEARCH.c.document.op("@@")(query))
    )


def _matching_fallback(words: list[str]) -> Select:
    conditions = []
    for word in words:
        pattern = f"%{word.lower()}%"
        conditions.append(or_(func.lower(Node.name).like(pattern), func.lower(Node.description).like(pattern), func.lower(Paper.abstract).like(pattern)))
    return (
        select(Node.id.label("node_id"), literal(0.0).label("score"))
        .select_from(Node)
        .outerjoin(Paper, Paper.node_id == Node.id)
        .where(*conditions)
    )


def matching(engine_or_session: Engine | Session | Connection, query: str) -> Select:
    """A select of (node_id, score) for the nodes matching `query` (engine-specific)."""
    words = words_of(query)
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    if bind.dialect.name == "sqlite":
        return _matching_sqlite(words)
    if bind.dialect.name == "postgresql":
        return _matching_postgresql(words)
    return _matching_fallback(words)


# --------------------------------------------------------------------------
# The service function
# --------------------------------------------------------------------------


def _narrowed(stmt: Select, kind: str | None, year_to: int | None) -> Select:
    if kind:
        stmt = stmt.where(Node.kind == bindparam("kind", kind, type_=String))
    if year_to is not None:
        # Undated nodes (constraints, fields) belong to every year.
        stmt = stmt.where(or_(Node.year.is_(None), Node.year <= bindparam("year_to", year_to, type_=Integer)))
    return stmt


# The search and count statements of SQLite and PostgreSQL are built once
# per shape (with or without a kind, a year) with the query's words, kind,
# year, limit and offset as parameters, and run through the session's
# connection: building and compiling them per call, through the ORM, was
# about ten times what FTS5 itself took on a corpus of a few hundred papers.
_TEMPLATES = {"sqlite": _matching_sqlite_template, "postgresql": _matching_postgresql_template}


def _query_params(dialect: str, words: list[str]) -> dict[str, str]:
    key = "fts_query" if dialect == "sqlite" else "ts_query"
    return {key: _fts_query(words) if dialect == "sqlite" else _tsquery(words), "exact": " ".join(words).lower()}


@lru_cache(maxsize=None)
def _search_statement(dialect: str, by_kind: bool, by_year: bool) -> Select:
    hits = _TEMPLATES[dialect]().subquery()
    stmt = _narrowed(select(hits.c.node_id, hits.c.score).join(Node, Node.id == hits.c.node_id), "" if not by_kind else "x", 0 if by_year else None)
    return stmt.order_by(hits.c.score.desc(), Node.year, Node.id).limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))


@lru_cache(maxsize=None)
def _count_statement(dialect: str, by_kind: bool, by_year: bool) -> Select:
    hits = _TEMPLATES[dialect]().subquery()
    return _narrowed(select(func.count()).select_from(hits).join(Node, Node.id == hits.c.node_id), "" if not by_kind else "x", 0 if by_year else None)


def _run(session: Session, build, query: str, kind: str | None, year_to: int | None, **extra: int):
    words = words_of(query)
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in _TEMPLATES:
        hits = _matching_fallback(words).subquery()
        return None, hits
    params = {**_query_params(dialect, words), **extra}
    if kind:
        params["kind"] = kind
    if year_to is not None:
        params["year_to"] = year_to
    return connection.execute(build(dialect, bool(kind), year_to is not None), params), None


def search(session: Session, query: str, *, kind: str | None = None, limit: int = 20, offset: int = 0, year_to: int | None = None) -> list[Hit]:
    """Nodes matching every word of `query`, best first (ties by year, then
    id); only those dated `year_to` or earlier (or undated) when it is given."""
    rows, hits = _run(session, _search_statement, query, kind, year_to, limit=limit, offset=offset)
    if rows is None:
        stmt = _narrowed(select(hits.c.node_id, hits.c.score).join(Node, Node.id == hits.c.node_id), kind, year_to)
        rows = session.execute(stmt.order_by(hits.c.score.desc(), Node.year, Node.id).limit(limit).offset(offset))
    return [Hit(node_id, float(score or 0)) for node_id, score in rows]


def count(session: Session, query: str, *, kind: str | None = None, year_to: int | None = None) -> int:
    rows, hits = _run(session, _count_statement, query, kind, year_to)
    if rows is None:
        rows = session.execute(_narrowed(select(func.count()).select_from(hits).join(Node, Node.id == hits.c.node_id), kind, year_to))
    return int(rows.scalar_one())
