"""The SQL that reads the in-memory graph (graph/network.py) from the store:
its node and edge columns, the store's revision, and the evidence of chosen
edges. Every function runs in the caller's transaction (a Connection), so
what it reads is the state the caller sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select
from sqlalchemy.engine import Connection

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


def read_edge_columns(connection: Connection) -> Iterable[tuple[str, list[str], list[str]]]:
    """(relation, source ids, target ids) per relation, in matching order.

    On SQLite the ids of each relation come back as two group_concat strings
    split in C: materialising a million result rows as Python tuples costs
    about three times as long, and that is most of the load time. Elsewhere
    (PostgreSQL) plain rows."""
    c = Edge.__table__.c
    if connection.dialect.name == "sqlite":
        stmt = select(
            c.relation, func.count(), func.group_concat(c.source_id, literal(_SEP)), func.group_concat(c.target_id, literal(_SEP))
        ).group_by(c.relation)
        for relation, count, sources, targets in connection.execute(stmt):
            sources, targets = sources.split(_SEP), targets.split(_SEP)
            if len(sources) != count or len(targets) != count:
                raise InvalidInput(f"a node id of a {relation!r} edge holds the separator character U+001F")
            yield relation, sources, targets
        return
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for source, relation, target in connection.execute(select(c.source_id, c.relation, c.target_id)):
        sources, targets = grouped.setdefault(relation, ([], []))
        sources.append(source)
        targets.append(target)
    for relation, (sources, targets) in grouped.items():
        yield relation, sources, targets


def read_revision(connection: Connection) -> int:
    """The store's revision counter (absent = 0), as the service layer keeps it."""
    c = Meta.__table__.c
    value = connection.execute(select(c.value).where(c.key == "revision")).scalar()
    return int(value) if value is not None else 0


# Evidence is looked up by the edge's unique (source, relation, target) key.
# Written as OR'ed equalities, each term is one search of the unique index on
# SQLite and PostgreSQL alike; a row-value IN list was a full scan of the
# edge table on SQLite (182 ms for a path's evidence on a million edges).
# The statement is built once per size (1, 2, 4, 8, then multiples of 8 up
# to EVIDENCE_CHUNK; the keys padded by repeating the last) with bound parameters, so SQLAlchemy
# compiles it once: compiling a fresh OR of 20 terms per request was most of
# the cost of a path's or an origins answer's evidence.
EVIDENCE_CHUNK = 256
EVIDENCE_COLUMNS = ("source_id", "relation", "target_id", "id", "note", "provenance", "year", "confidence", "inferred", "intents", "influential")


@lru_cache(maxsize=None)
def _evidence_select(size: int):
    c = Edge.__table__.c
    return select(*(c[name] for name in EVIDENCE_COLUMNS)).where(
        or_(*(and_(c.source_id == bindparam(f"s{i}"), c.relation == bindparam(f"r{i}"), c.target_id == bindparam(f"t{i}")) for i in range(size)))
    )


def _evidence_size(count: int) -> int:
    """The statement size for `count` keys: 1, 2, 4, 8, then multiples of 8
    (few statements, few padded lookups)."""
    return 1 << max(count - 1, 0).bit_length() if count <= 8 else -(-count // 8) * 8


def _evidence_query(keys: Sequence[tuple[str, str, str]]) -> tuple[Any, dict[str, str]]:
    """The statement for up to EVIDENCE_CHUNK keys and its parameters."""
    size = _evidence_size(len(keys))
    params: dict[str, str] = {}
    for i in range(size):
        source, relation, target = keys[min(i, len(keys) - 1)]
        params[f"s{i}"], params[f"r{i}"], params[f"t{i}"] = source, relation, target
    return _evidence_select(size), params


def evidence_statement(keys: Sequence[tuple[str, str, str]]):
    """What `read_evidence` runs for these keys (at most EVIDENCE_CHUNK), with them bound."""
    statement, params = _evidence_query(keys)
    return statement.params(params)


_evidence_sql: dict[tuple[str, str, int], tuple[str, tuple[str, ...] | None, bool]] = {}


def _driver_query(connection: Connection, keys: Sequence[tuple[str, str, str]]) -> tuple[str, Any]:
    """`_evidence_query` as the driver's own SQL text and parameters, compiled
    once per dialect and size: SQLAlchemy's per-execution handling of a
    hundred bound parameters cost more than the index searches themselves."""
    size = _evidence_size(len(keys))
    dialect = connection.dialect
    cache_key = (dialect.name, dialect.paramstyle, size)
    if cache_key not in _evidence_sql:
        compiled = _evidence_select(size).compile(dialect=dialect)
        order = tuple(compiled.positiontup) if compiled.positional else None
        _evidence_sql[cache_key] = (str(compiled), order, order == tuple(f"{p}{i}" for i in range(size) for p in "srt"))
    sql, order, in_key_order = _evidence_sql[cache_key]
    if in_key_order:
        # Positional parameters in key order (SQLite's qmark): the padded keys
        # flattened, without a dict of names made and read back per call.
        padded = list(keys) + [keys[-1]] * (size - len(keys))
        return sql, tuple(value for key in padded for value in key)
    _, params = _evidence_query(keys)
    return sql, (tuple(params[name] for name in order) if order is not None else params)


def read_evidence(connection: Connection, keys: Iterable[tuple[str, str, str]] | None) -> dict[tuple[str, str, str], Any]:
    """The rows (EVIDENCE_COLUMNS) of the edges with these keys (None: every
    edge), by key; a key with no edge is absent."""
    found: dict[tuple[str, str, str], Any] = {}
    if keys is None:
        c = Edge.__table__.c
        for row in connection.execute(select(*(c[name] for name in EVIDENCE_COLUMNS))):
            found[(row[0], row[1], row[2])] = row
        return found
    keys = list(keys)
    for start in range(0, len(keys), EVIDENCE_CHUNK):
        sql, params = _driver_query(connection, keys[start : start + EVIDENCE_CHUNK])
        for row in connection.exec_driver_sql(sql, params).fetchall():
            found[(row[0], row[1], row[2])] = row
    return found


def read_keys_lacking_evidence(connection: Connection) -> list[tuple[str, str, str]]:
    """(source, relation, target) of every edge whose note or provenance is empty."""
    c = Edge.__table__.c
    stmt = select(c.source_id, c.relation, c.target_id).where(
        (c.note.is_(None)) | (c.note == "") | (c.provenance.is_(None)) | (c.provenance == "")
    )
    return [tuple(row) for row in connection.execute(stmt)]
