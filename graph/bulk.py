"""Raw rows in and out, many per statement: the storage under graph/batch.py.

A 20,000-entry BibTeX file cannot afford the ORM's few round trips per row;
SQLAlchemy Core executemany (and on SQLite the driver itself) is about ten
times faster. These functions apply no rules: graph/batch.py checks and
merges rows (the one write rulebook) and then writes them here. Every write
marks the session so the revision counter moves on commit. Callers own the
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import json
import sqlite3
from operator import methodcaller

from sqlalchemy import JSON, Boolean, TypeDecorator, bindparam, insert, select, update
from sqlmodel import Session

from . import search, service, values
from .models import Alias, Edge, Node, NodeKind, Paper, PendingCitation

# Stay well under SQLite's limit on bound parameters per statement.
_CHUNK = 900

_node = Node.__table__
_paper = Paper.__table__
_alias = Alias.__table__
_edge = Edge.__table__

NODE_COLUMNS = tuple(c.name for c in _node.columns)
PAPER_COLUMNS = tuple(c.name for c in _paper.columns)
ALIAS_COLUMNS = tuple(c.name for c in _alias.columns)
EDGE_COLUMNS = tuple(c.name for c in _edge.columns if not c.primary_key)
_CITATION_COLUMNS = ("intents", "influential")
_pending = PendingCitation.__table__
_PENDING_COLUMNS = tuple(c.name for c in _pending.columns if not c.primary_key)
# What a paper write may change on an existing paper's node (not its id, kind or first provenance).
_PAPER_NODE_UPDATES = ("name", "description", "year")
_PAPER_NODE_READS = ("name", "description", "provenance")


def _json_columns(table: Any, columns: Sequence[str]) -> list[tuple[int, Any]]:
    """(position, the column's type) of the JSON columns among `columns`,
    a TypeDecorator over JSON (models.FieldSources) included."""
    out = []
    for i, c in enumerate(columns):
        kind = table.columns[c].type
        if isinstance(kind, JSON) or (isinstance(kind, TypeDecorator) and isinstance(kind.impl_instance, JSON)):
            out.append((i, kind))
    return out


def _dumps_encoder() -> Any:
    """json.dumps with its default settings, its C encoder made once.

    json.dumps builds that encoder again for every value: for the three JSON
    columns of each paper (authors, extra, field sources) this was more than
    half of their encoding time. Falls back to json.dumps where the C encoder
    is absent or gives another text."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    try:
        # The arguments json.JSONEncoder.iterencode passes for the defaults; no
        # circular check (these values come from parsed text, never cyclic: a
        # cycle would raise RecursionError instead of ValueError).
        encode = make(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
        sample = {"a": ["b", 1, 2.5, None, True, "é\x00\"\n"], "c": {}}
        if "".join(encode(sample, 0)) != json.dumps(sample):
            return json.dumps
    except Exception:  # another Python's signature: the plain path
        return json.dumps
    join = "".join

    def dumps(value: Any) -> str:
        if type(value) is str:  # the C encoder takes only containers and scalars other than str at the top
            return json.dumps(value)
        return join(encode(value, 0))

    return dumps


_dumps = _dumps_encoder()


def _to_json(kind: Any) -> Any:
    """value -> JSON text as SQLAlchemy would bind it to a column of this type."""
    if isinstance(kind, TypeDecorator):
        bind = kind.process_bind_param
        return lambda v: _dumps(bind(v, None))
    # An empty list (a pending citation's intents, nearly always) spelled as json.dumps would.
    return lambda v: "[]" if type(v) is list and not v else _dumps(v)


def _from_json(kind: Any) -> Any:
    if isinstance(kind, TypeDecorator):
        return lambda text: None if text is None else kind.process_result_value(json.loads(text), None)
    return lambda text: None if text is None else [] if text == "[]" else json.loads(text)


def _insert_many(session: Session, table: Any, columns: Sequence[str], rows: Sequence[dict[str, Any]], *, nul_checked: bool = False) -> None:
    """INSERT many rows. On SQLite the statement goes to the driver as is
    (`exec_driver_sql`): SQLAlchemy's per-row parameter processing would cost
    more than SQLite's own work. JSON columns are serialised here as
    SQLAlchemy's JSON type would (json.dumps). Elsewhere: Core executemany.
    `nul_checked`: the rows' text holds no NUL byte (values.NUL_CHECKED)."""
    if not rows:
        return
    connection = session.connection()
    options = {values.NUL_CHECKED: True} if nul_checked else {}
    if connection.dialect.paramstyle != "qmark":
        session.execute(insert(table), [{c: r.get(c) for c in columns} for r in rows], execution_options=options)
        return
    json_at = _json_columns(table, columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    if not json_at:
        connection.exec_driver_sql(sql, [tuple(map(r.get, columns)) for r in rows], execution_options=options)
        return
    params = [list(map(r.get, columns)) for r in rows]
    for i, kind in json_at:
        dumps = _to_json(kind)
        # None as the column's JSON type writes it: SQL NULL with none_as_null, else JSON 'null'.
        null = None if (kind.impl_instance if isinstance(kind, TypeDecorator) else kind).none_as_null else "null"
        for p in params:
            p[i] = null if p[i] is None else dumps(p[i])
    connection.exec_driver_sql(sql, list(map(tuple, params)), execution_options=options)


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _sqlite_chunk(connection: Any) -> int:
    """Parameters one SQLite statement may bind here (32,766 since SQLite 3.32;
    the driver says, from Python 3.11), at most 10,000: a batch's 2,000 keys
    are read in one statement instead of three."""
    try:
        return max(_CHUNK, min(10_000, connection.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)))
    except (AttributeError, TypeError):  # an older Python, or another driver
        return _CHUNK


# --- reads ----------------------------------------------------------------------


def _pairs_where_in(session: Session, table: Any, key: str, value: str, wanted: Iterable[str]) -> dict[str, str]:
    """{row[key]: row[value]} for the rows whose `key` is one of `wanted` (plain
    string columns). On SQLite the SELECT goes to the driver as is: compiling
    an IN list of hundreds of parameters cost SQLAlchemy more than the query."""
    out: dict[str, str] = {}
    connection = session.connection()
    raw = connection.dialect.paramstyle == "qmark"
    for chunk in _chunks(wanted, _sqlite_chunk(connection) if raw else _CHUNK):
        if raw:
            sql = f"SELECT {key}, {value} FROM {table.name} WHERE {key} IN ({', '.join('?' * len(chunk))})"
            out.update(connection.exec_driver_sql(sql, tuple(chunk)).all())
        else:
            out.update(session.execute(select(table.c[key], table.c[value]).where(table.c[key].in_(chunk))).all())
    return out


def aliases_of(session: Session, aliases: Iterable[str]) -> dict[str, str]:
    """alias (lower case) -> node id, for those of `aliases` that exist."""
    return _pairs_where_in(session, _alias, "alias", "node_id", {a.lower() for a in aliases if a})


def alias_targets(session: Session, aliases: Iterable[str]) -> dict[str, tuple[str, str]]:
    """alias (lower case) -> (node id, the node's kind), for those of
    `aliases` that exist: aliases_of and node_kinds in one query (a
    snapshot's references are found by alias, and their edges need the
    kinds of their ends)."""
    out: dict[str, tuple[str, str]] = {}
    connection = session.connection()
    raw = connection.dialect.paramstyle == "qmark"
    for chunk in _chunks({a.lower() for a in aliases if a}, _sqlite_chunk(connection) if raw else _CHUNK):
        if raw:  # as in _pairs_where_in
            sql = (f"SELECT alias.alias, alias.node_id, node.kind FROM alias JOIN node ON node.id = alias.node_id "
                   f"WHERE alias.alias IN ({', '.join('?' * len(chunk))})")
            rows = connection.exec_driver_sql(sql, tuple(chunk))
        else:
            rows = session.execute(select(_alias.c.alias, _alias.c.node_id, _node.c.kind)
                                   .join(_node, _node.c.id == _alias.c.node_id).where(_alias.c.alias.in_(chunk)))
        for alias, node_id, kind in rows:
            out[alias] = (node_id, kind)
    return out


def node_kinds(session: Session, node_ids: Iterable[str]) -> dict[str, str]:
    """node id -> kind, for those of `node_ids` that exist."""
    return _pairs_where_in(session, _node, "id", "kind", set(node_ids))


def papers_matching(
    session: Session,
    *,
    dois: Iterable[str] = (),
    arxiv_ids: Iterable[str] = (),
    title_keys: Iterable[str] = (),
    node_ids: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """node id -> the paper's node and paper columns, for every paper with one
    of these DOIs, arXiv ids, title keys or node ids."""
    wanted = [
        (_paper.c.doi, {d for d in dois if d}),
        (_paper.c.arxiv_id, {a for a in arxiv_ids if a}),
        (_paper.c.title_key, {t for t in title_keys if t}),
        (_paper.c.node_id, set(node_ids)),
    ]
    columns = [_paper, *(_node.c[c] for c in _PAPER_NODE_READS)]
    out: dict[str, dict[str, Any]] = {}
    connection = session.connection()
    if connection.dialect.paramstyle == "qmark":  # SQLite: as in _pairs_where_in, no IN-list compiling
        names = [*PAPER_COLUMNS, *_PAPER_NODE_READS]
        json_at = [(i, _from_json(kind)) for i, kind in _json_columns(_paper, PAPER_COLUMNS)]
        head = f"SELECT {', '.join(f'paper.{c}' for c in PAPER_COLUMNS)}, {', '.join(f'node.{c}' for c in _PAPER_NODE_READS)} FROM paper JOIN node ON node.id = paper.node_id WHERE paper."
        size = _sqlite_chunk(connection)
        for column, values in wanted:
            for chunk in _chunks(values, size):
                sql = f"{head}{column.name} IN ({', '.join('?' * len(chunk))})"
                for row in connection.exec_driver_sql(sql, tuple(chunk)):
                    row = list(row)
                    for i, loads in json_at:
                        row[i] = loads(row[i])
                    out.setdefault(row[0], dict(zip(names, row)))
        return out
    for column, values in wanted:
        for chunk in _chunks(values):
            stmt = select(*columns).join(_node, _node.c.id == _paper.c.node_id).where(column.in_(chunk))
            for row in session.execute(stmt).mappings():
                out.setdefault(row["node_id"], dict(row))
    return out


def technique_aliases(session: Session, words: Iterable[str]) -> dict[str, str]:
    """word (lower case) -> technique node id, by alias or by `technique:<slug>`."""
    words = {w.lower() for w in words if w}
    out: dict[str, str] = {}
    for chunk in _chunks(words):
        stmt = select(_alias.c.alias, _alias.c.node_id).join(_node, _node.c.id == _alias.c.node_id).where(
            _alias.c.alias.in_(chunk), _node.c.kind == NodeKind.technique.value
        )
        out.update(session.execute(stmt).all())
    by_slug = {f"technique:{service.slugify(w)}": w for w in words - set(out)}
    for node_id in node_kinds(session, by_slug):
        out[by_slug[node_id]] = node_id
    return out


def edges_from(session: Session, source_ids: Iterable[str]) -> set[tuple[str, str, str]]:
    """(source, relation, target) of every edge leaving these nodes."""
    out: set[tuple[str, str, str]] = set()
    for chunk in _chunks(set(source_ids)):
        stmt = select(_edge.c.source_id, _edge.c.relation, _edge.c.target_id).where(_edge.c.source_id.in_(chunk))
        out.update(tuple(r) for r in session.execute(stmt).all())
    return out


def edges_to(session: Session, target_ids: Iterable[str], relation: str) -> set[tuple[str, str, str]]:
    """(source, relation, target) of every `relation` edge reaching these nodes
    (by the target+relation index: cheap for works that have just arrived)."""
    out: set[tuple[str, str, str]] = set()
    for chunk in _chunks(set(target_ids)):
        stmt = select(_edge.c.source_id, _edge.c.relation, _edge.c.target_id).where(_edge.c.target_id.in_(chunk), _edge.c.relation == relation)
        out.update(tuple(r) for r in session.execute(stmt).all())
    return out


def pending_citations_matching(session: Session, column: str, values: Iterable[str], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The pending citations whose `column` is one of `values`: their
    `columns` (models.PendingCitation), as the ORM types give them. On SQLite
    the SELECT goes to the driver as is (as in _pairs_where_in): a work's
    arrival meets twenty citations waiting for it in a snapshot, and
    SQLAlchemy's compiling and per-row result processing cost more than the reads."""
    out: list[dict[str, Any]] = []
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        for chunk in _chunks(values):
            stmt = select(*(_pending.c[c] for c in columns)).where(_pending.c[column].in_(chunk))
            out.extend(dict(row) for row in session.execute(stmt).mappings())
        return out
    json_at = [(i, _from_json(kind)) for i, kind in _json_columns(_pending, columns)]
    flags = [i for i, c in enumerate(columns) if isinstance(_pending.c[c].type, Boolean)]
    head = f"SELECT {', '.join(columns)} FROM {_pending.name} WHERE {column} IN ("
    for chunk in _chunks(values):
        for row in connection.exec_driver_sql(f"{head}{', '.join('?' * len(chunk))})", tuple(chunk)):
            row = list(row)
            for i, loads in json_at:
                row[i] = loads(row[i])
            for i in flags:
                if row[i] is not None:
                    row[i] = bool(row[i])
            out.append(dict(zip(columns, row)))
    return out


def delete_pending_citations(session: Session, ids: Iterable[int]) -> None:
    """Delete pending citations by id (on SQLite through the driver, as the reads)."""
    connection = session.connection()
    for chunk in _chunks(ids):
        if connection.dialect.paramstyle == "qmark":
            connection.exec_driver_sql(f"DELETE FROM {_pending.name} WHERE id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
        else:
            session.execute(_pending.delete().where(_pending.c.id.in_(chunk)))


def insert_new_pending_citations(session: Session, rows: Sequence[tuple]) -> int:
    """Insert the pending citations not pending yet (same citing work, same
    reference), nor twice from `rows`: tuples of the models.PendingCitation
    columns in their order (id left out), `intents` a list. How many were new.

    On SQLite one INSERT ... ON CONFLICT DO NOTHING through the driver, its
    row count summing what each row added: reading the citing works' pending
    rows first, then a dict per row, cost more than the inserts (a snapshot's
    works are new, with nothing pending). Elsewhere: read, then insert."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.paramstyle == "qmark":
        at = _PENDING_COLUMNS.index("intents")
        params = [r[:at] + ("[]" if not r[at] else json.dumps(r[at]),) + r[at + 1:] for r in rows]
        sql = (f"INSERT INTO {_pending.name} ({', '.join(_PENDING_COLUMNS)}) VALUES ({', '.join('?' * len(_PENDING_COLUMNS))}) "
               "ON CONFLICT (citing_id, ref_key) DO NOTHING")
        return connection.exec_driver_sql(sql, params).rowcount
    have: set[tuple[str, str]] = set()
    for chunk in _chunks({r[0] for r in rows}):
        have.update(session.execute(select(_pending.c.citing_id, _pending.c.ref_key).where(_pending.c.citing_id.in_(chunk))).all())
    new = []
    for r in rows:
        if (r[0], r[1]) not in have:
            have.add((r[0], r[1]))
            new.append(dict(zip(_PENDING_COLUMNS, r)))
    _insert_many(session, _pending, _PENDING_COLUMNS, new)
    return len(new)


# --- writes ---------------------------------------------------------------------


def lock_for_loading(session: Session) -> None:
    """Make the caller's transaction the only loader writing until it ends
    (engine-specific), so that what a batch reads to decide "new or known"
    (a paper matched by title and year has no unique key to catch a race)
    still holds when it writes.

    SQLite: the write lock, taken now (BEGIN IMMEDIATE) rather than at the
    first insert; other writers wait (busy timeout) instead of failing later.
    PostgreSQL: a transaction-level advisory lock that loaders share."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOADER_LOCK})")


_LOADER_LOCK = 7_240_532  # any constant (db.py's schema lock is 7_240_531)


def insert_papers(session: Session, nodes: Sequence[dict[str, Any]], papers: Sequence[dict[str, Any]], *, papers_checked: bool = False) -> None:
    """Insert paper nodes and their paper rows (ids must be new); many of them
    are indexed for search in one statement (search.indexing_after).
    `papers_checked`: the paper rows' text was checked for NUL bytes
    (graph/batch.py), so the statement hook does not scan it again (their
    abstracts and JSON text were most of what it scanned)."""
    if not nodes and not papers:
        return
    with search.indexing_after(session.connection(), len(nodes)):
        _insert_many(session, _node, NODE_COLUMNS, nodes)
        _insert_many(session, _paper, PAPER_COLUMNS, papers, nul_checked=papers_checked)
    service.mark_changed(session)


def update_papers(session: Session, nodes: Sequence[dict[str, Any]], papers: Sequence[dict[str, Any]]) -> None:
    """Rewrite the name/description/year of existing paper nodes and all columns of their paper rows."""
    if nodes:
        stmt = update(_node).where(_node.c.id == bindparam("b_id")).values({c: bindparam(c) for c in _PAPER_NODE_UPDATES})
        session.execute(stmt, [{"b_id": n["id"], **{c: n.get(c) for c in _PAPER_NODE_UPDATES}} for n in nodes])
    if papers:
        columns = [c for c in PAPER_COLUMNS if c != "node_id"]
        stmt = update(_paper).where(_paper.c.node_id == bindparam("b_node_id")).values({c: bindparam(c) for c in columns})
        session.execute(stmt, [{"b_node_id": p["node_id"], **{c: p.get(c) for c in columns}} for p in papers])
    if nodes or papers:
        service.mark_changed(session)


def insert_aliases(session: Session, rows: Sequence[dict[str, str]]) -> None:
    """Insert aliases {alias, node_id, source}; `alias` is stored lower-cased and must be new."""
    if rows:
        rows = [{"alias": r["alias"].lower(), "node_id": r["node_id"], "source": r.get("source", "name")} for r in rows]
        _insert_many(session, _alias, ALIAS_COLUMNS, rows)
        service.mark_changed(session)


def insert_edges(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert edges already checked (batch.write_edges) and not yet present.
    The citation columns are left out when no row sets them (their NULL
    default): most edges carry none, and a store being filled at an earlier
    schema revision (to test its upgrade) has no such columns yet."""
    if rows:
        # Counted in C (a snapshot's rows, twenty a work, set none of them): a generator per column cost more.
        columns = [c for c in EDGE_COLUMNS if c not in _CITATION_COLUMNS or list(map(methodcaller("get", c), rows)).count(None) < len(rows)]
        _insert_many(session, _edge, columns, rows)
        service.mark_changed(session)


def set_edge_attributes(session: Session, values: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    """Set some columns of existing edges, by (source, relation, target)."""
    if not values:
        return
    columns = sorted({c for v in values.values() for c in v})
    stmt = (
        update(_edge)
        .where(_edge.c.source_id == bindparam("_s"), _edge.c.relation == bindparam("_r"), _edge.c.target_id == bindparam("_t"))
        .values({c: bindparam(c) for c in columns})
    )
    session.execute(stmt, [{"_s": s, "_r": r, "_t": t, **{c: v.get(c) for c in columns}} for (s, r, t), v in values.items()])


def paper_rows(session: Session, where: Any = None) -> Iterable[dict[str, Any]]:
    """Every paper with its node's name and year, in id order (for exports)."""
    stmt = select(_paper, _node.c.name, _node.c.provenance).join(_node, _node.c.id == _paper.c.node_id).order_by(_paper.c.node_id)
    if where is not None:
        stmt = stmt.where(where)
    for row in session.execute(stmt).mappings():
        yield dict(row)


__all__ = [
    "aliases_of", "alias_targets", "node_kinds", "papers_matching", "technique_aliases", "edges_from",
    "lock_for_loading", "insert_papers", "update_papers", "insert_aliases", "insert_edges", "set_edge_attributes", "paper_rows",
    "edges_to", "insert_new_pending_citations", "pending_citations_matching", "delete_pending_citations",
]
