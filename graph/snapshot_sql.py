"""The SQL that reads the in-memory graph (graph/network.py) from the store:
its node and edge columns, the store's revision, and the evidence of chosen
edges. Every function runs in the caller's transaction (a Connection), so
what it reads is the state the caller sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .errors import InvalidInput
from .models import Edge, Meta, Node

_SEP = "\x1f"  # ASCII unit separator: cannot occur in a node id (kind:slug)


def read_node_columns(connection: Connection):
    """ids, kinds, names, years, bindings {i: ..}, categories {i: ..} of every node.

    On SQLite one row of group_concat'ed columns in the table's order (see
    read_edge_columns; a scan in rowid order, where grouping by kind went
    through the kind index row by row); if a name holds the separator, or
    elsewhere, plain rows."""
    c = Node.__table__.c
    ids: list[str] = []
    kinds: list[str] = []
    names: list[str] = []
    years: list[int | None] = []
    if connection.dialect.name == "sqlite":
        stmt = select(
            func.count(),
            func.group_concat(c.id, literal(_SEP)),
            func.group_concat(c.kind, literal(_SEP)),
            func.group_concat(c.name, literal(_SEP)),
            func.group_concat(func.coalesce(c.year, ""), literal(_SEP)),
        )
        count, all_ids, all_kinds, all_names, all_years = connection.execute(stmt).one()
        columns = [(text or "").split(_SEP) if count else [] for text in (all_ids, all_kinds, all_names, all_years)]
        if all(len(column) == count for column in columns):
            ids, kinds, names, year_texts = columns
            pool: dict[str, str] = {}
            kinds = [pool.setdefault(kind, kind) for kind in kinds]  # one string per kind, not one per node
            years = [int(y) if y else None for y in year_texts]
            index = dict(zip(ids, range(len(ids))))
            extra = connection.execute(select(c.id, c.binding, c.category).where((c.binding.is_not(None)) | (c.category.is_not(None))))
            bindings, categories = {}, {}
            for node_id, binding, category in extra:
                if binding:
                    bindings[index[node_id]] = binding
                if category:
                    categories[index[node_id]] = category
            return ids, kinds, names, years, bindings, categories
        ids, kinds, names, years = [], [], [], []
    bindings, categories = {}, {}
    kind_pool: dict[str, str] = {}
    for i, (node_id, kind, name, year, binding, category) in enumerate(
        connection.execute(select(c.id, c.kind, c.name, c.year, c.binding, c.category))
    ):
        ids.append(node_id)
        kinds.append(kind_pool.setdefault(kind, kind))
        names.append(name)
        years.append(year)
        if binding:
            bindings[i] = binding
        if category:
            categories[i] = category
    return ids, kinds, names, years, bindings, categories


def read_edge_columns(connection: Connection) -> Iterable[tuple[str, list[str], list[str], np.ndarray]]:
    """(relation, source ids, target ids, edge row ids) per relation, in
    matching order. The row ids let the evidence of an edge be read by its
    primary key (read_evidence).

    On SQLite the ids of each relation come back as group_concat strings
    split in C: materialising a million result rows as Python tuples costs
    about three times as long, and that is most of the load time. Elsewhere
    (PostgreSQL) plain rows."""
    c = Edge.__table__.c
    if connection.dialect.name == "sqlite":
        stmt = select(
            c.relation,
            func.count(),
            func.group_concat(c.source_id, literal(_SEP)),
            func.group_concat(c.target_id, literal(_SEP)),
            func.group_concat(c.id, literal(",")),
        ).group_by(c.relation)
        for relation, count, sources, targets, row_ids in connection.execute(stmt):
            sources, targets = sources.split(_SEP), targets.split(_SEP)
            if len(sources) != count or len(targets) != count:
                raise InvalidInput(f"a node id of a {relation!r} edge holds the separator character U+001F")
            yield relation, sources, targets, np.fromstring(row_ids, dtype=np.int64, sep=",")
        return
    grouped: dict[str, tuple[list[str], list[str], list[int]]] = {}
    for row_id, source, relation, target in connection.execute(select(c.id, c.source_id, c.relation, c.target_id)):
        sources, targets, row_ids = grouped.setdefault(relation, ([], [], []))
        sources.append(source)
        targets.append(target)
        row_ids.append(row_id)
    for relation, (sources, targets, row_ids) in grouped.items():
        yield relation, sources, targets, np.asarray(row_ids, dtype=np.int64)


_revision_sql: dict[tuple[str, str], str] = {}


def read_revision(connection: Connection) -> int:
    """The store's revision counter (absent = 0), as the service layer keeps it.

    Every query reads it (graph/network.py: snapshot), so on SQLite it goes
    through the driver as the evidence does (see _driver_rows): through
    SQLAlchemy it was 70 of the 75 microseconds of the check."""
    cache_key = (connection.dialect.name, connection.dialect.paramstyle)
    sql = _revision_sql.get(cache_key)
    if sql is None:
        c = Meta.__table__.c
        statement = select(c.value).where(c.key == "revision")
        sql = _revision_sql[cache_key] = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    rows = _driver_rows(connection, sql, ())
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


# Evidence is read by the edges' primary keys, which the snapshot holds per
# edge position: one search of the table's own b-tree per edge, where the
# (source, relation, target) key took a search of the unique index and then
# one of the table (the 20 edges of an origins answer on a million edges:
# 82 -> 32 microseconds of SQLite's CPU). The snapshot and the caller's
# transaction are of the same revision (graph/network.py: snapshot), so a
# row id names the same fact in both.
#
# Two statement shapes only, `id IN` 8 or EVIDENCE_CHUNK parameters, the
# ids padded by repeating the last (a repeated IN value costs no second
# search): each is compiled once per dialect and prepared once per
# connection, where a shape per count was a fresh compile and prepare for
# most of the first answers of each size.
EVIDENCE_CHUNK = 64
EVIDENCE_COLUMNS = ("id", "note", "provenance", "year", "confidence", "inferred", "intents", "influential")
_SMALL = 8


def _evidence_select(size: int):
    c = Edge.__table__.c
    return select(*(c[name] for name in EVIDENCE_COLUMNS)).where(c.id.in_([bindparam(f"i{i}", type_=c.id.type) for i in range(size)]))


def _padded(edge_ids: Sequence[int]) -> list[int]:
    """Up to EVIDENCE_CHUNK ids padded to their statement's shape (8 or EVIDENCE_CHUNK) by repeating the last."""
    size = _SMALL if len(edge_ids) <= _SMALL else EVIDENCE_CHUNK
    return list(edge_ids) + [edge_ids[-1]] * (size - len(edge_ids))


def evidence_statement(edge_ids: Sequence[int]):
    """What `read_evidence` runs for these row ids (at most EVIDENCE_CHUNK), with them bound."""
    padded = _padded(edge_ids)
    return _evidence_select(len(padded)).params({f"i{i}": value for i, value in enumerate(padded)})


_evidence_sql: dict[tuple[str, str, int], tuple[str, bool]] = {}


def evidence_sql(dialect: Any, size: int) -> tuple[str, bool]:
    """The driver's SQL text of the `size` shape for `dialect`, and whether
    its parameters are positional; compiled once per dialect and shape."""
    cache_key = (dialect.name, dialect.paramstyle, size)
    found = _evidence_sql.get(cache_key)
    if found is None:
        compiled = _evidence_select(size).compile(dialect=dialect)
        if compiled.positional:
            assert tuple(compiled.positiontup) == tuple(f"i{i}" for i in range(size)), compiled.positiontup
        found = _evidence_sql[cache_key] = (str(compiled), bool(compiled.positional))
    return found


def read_evidence(connection: Connection, edge_ids: Sequence[int] | None) -> dict[int, Any]:
    """The rows (EVIDENCE_COLUMNS) of the edges with these row ids (None:
    every edge), by row id; an id with no edge is absent."""
    found: dict[int, Any] = {}
    if edge_ids is None:
        c = Edge.__table__.c
        for row in connection.execute(select(*(c[name] for name in EVIDENCE_COLUMNS))):
            found[row[0]] = row
        return found
    for start in range(0, len(edge_ids), EVIDENCE_CHUNK):
        padded = _padded(edge_ids[start : start + EVIDENCE_CHUNK])
        sql, positional = evidence_sql(connection.dialect, len(padded))
        params = tuple(padded) if positional else {f"i{i}": value for i, value in enumerate(padded)}
        for row in _driver_rows(connection, sql, params):
            found[row[0]] = row
    return found


def _driver_rows(connection: Connection, sql: str, params: Any) -> list[Any]:
    """The rows of one statement of the caller's (the evidence of an answer,
    the revision), in the caller's transaction.

    On SQLite through the driver's own connection: SQLAlchemy's execution
    context, result object and row processing around a statement took longer
    than the statement itself (an answer's evidence is one statement of a
    few microseconds of index searches). The engine's before/after cursor
    events are fired all the same, so its listeners (the NUL guard, the
    statement counts tests and benchmarks take) see it as any other; with
    no execution context, for there is none. Driver errors are raised as
    SQLAlchemy's, as they would be through it."""
    if connection.dialect.name != "sqlite":
        return connection.exec_driver_sql(sql, params).fetchall()
    if not connection.in_transaction():
        connection.begin()  # what exec_driver_sql would do first: the read is in a transaction (db.py begins it)
    dispatch = connection.dispatch
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, sql, params, None, False)
        rows = cursor.execute(sql, params).fetchall()
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, params, None, False)
        return rows
    except connection.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def read_keys_lacking_evidence(connection: Connection) -> list[tuple[str, str, str]]:
    """(source, relation, target) of every edge whose note or provenance is empty."""
    c = Edge.__table__.c
    stmt = select(c.source_id, c.relation, c.target_id).where(
        (c.note.is_(None)) | (c.note == "") | (c.provenance.is_(None)) | (c.provenance == "")
    )
    return [tuple(row) for row in connection.execute(stmt)]
