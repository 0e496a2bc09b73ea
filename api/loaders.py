"""Batched loaders: one SQL statement per kind of thing per level of a query.

GraphQL runs synchronously here (in a worker thread, see api/schema.py), so
there is no event-loop tick in which to gather keys, as a DataLoader would.
Instead every resolver that hands node rows to GraphQL announces them
(`Loaders.seen`): their ids are *expected* by the loaders of what a node can
be asked for next (its edges, aliases, measurements, bibliographic row).
The first miss of a loader fetches every key it expects in one statement,
so a query for 100 papers with their edges and each neighbour's fields runs
a fixed handful of statements, however many papers, edges and neighbours it
returns (tests/test_api_loaders.py counts them for every root field).
Nothing is fetched that the query does not ask for: expecting a key costs a
set insertion.

A resolver that forgets to announce what it hands over would make each
object fetch its own row (one statement per object: N+1). That is refused
loudly instead: asking a loader for a key that is neither loaded nor
expected raises `NotAnnounced`. A resolver that owns a whole batch (a root
field's own ids) announces and reads in one call, `load`.

Rows are read with SQLAlchemy Core (no ORM identity map): they are plain
read-only records, which is all a GraphQL answer needs, and several times
cheaper to build than ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import make_dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlmodel import Session

from ..graph.models import Alias, Edge, EdgeFact, Measurement, Node, Paper

# SQLite allows 32766 bound parameters per statement; stay well below.
CHUNK = 900

_node = Node.__table__
_paper = Paper.__table__
_edge = Edge.__table__
_alias = Alias.__table__
_measurement = Measurement.__table__

EDGE_COLUMNS = tuple(Edge.model_fields)
NODE_COLUMNS = tuple(c.name for c in _node.columns)

# A row of `node` as a plain record: GraphQL reads its fields with getattr,
# which on a SQLAlchemy Row is several times slower (and a missing attribute,
# as probed by the executor's awaitable check, raises through a fallback path).
NodeRecord = make_dataclass("NodeRecord", [(name, Any) for name in NODE_COLUMNS], slots=True)


def node_record(row: Any) -> Any:
    return NodeRecord(*(getattr(row, name) for name in NODE_COLUMNS))


# An edge as seen from one of its ends: graph.models.EdgeFact, every column
# of `edge` plus the direction and, once loaded, the row of the node at the
# other end. Plain attributes rather than resolvers: GraphQL reads them at
# the cost of a getattr.
EdgeRecord = EdgeFact


def edge_record(row: Any, direction: str | None = None) -> Any:
    return EdgeRecord(*(getattr(row, name) for name in EDGE_COLUMNS), direction)


# Rows selected with these columns, in this order, unpack straight into records.
_EDGE_SELECT = select(*(_edge.c[name] for name in EDGE_COLUMNS))
_NODE_SELECT = select(*(_node.c[name] for name in NODE_COLUMNS))
_SOURCE, _TARGET = EDGE_COLUMNS.index("source_id"), EDGE_COLUMNS.index("target_id")

# The statements, built once: each is compiled once per database (SQLAlchemy
# caches the compiled form under the statement's cache key, which a reused
# statement object keeps), and a list of keys of any length is bound to the
# one expanding parameter. Building and keying a select per request cost
# more than running it.
_KEYS = bindparam("keys", expanding=True)
_NODES_BY_ID = _NODE_SELECT.where(_node.c.id.in_(_KEYS))
_EDGES_OF = _EDGE_SELECT.where(or_(_edge.c.source_id.in_(_KEYS), _edge.c.target_id.in_(_KEYS))).order_by(_edge.c.relation, _edge.c.id)
_PAPERS_OF = select(_paper).where(_paper.c.node_id.in_(_KEYS))
_ALIASES_OF = select(_alias.c.node_id, _alias.c.alias).where(_alias.c.node_id.in_(_KEYS))
_MEASUREMENTS_OF = select(_measurement).where(_measurement.c.node_id.in_(_KEYS))


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


class NotAnnounced(RuntimeError):
    """A loader was asked for keys that no resolver announced: answering would
    cost one statement per object (N+1). A bug of the resolver that handed
    the objects over without `Loaders.seen` / `BatchLoader.expect`."""


class BatchLoader:
    """Values by key, fetched in batches: the first `get` of a key not yet
    loaded fetches it together with every key announced by `expect` since
    the last fetch. Answers are cached for the request."""

    def __init__(self, name: str, fetch: Callable[[list[Any]], Sequence[Any]]):
        self.name = name
        self._fetch = fetch
        self._cache: dict[Hashable, Any] = {}
        # Collections of expected keys, kept as given: most are never needed
        # (a level whose fields the query does not ask for), so they are only
        # looked at when a fetch happens.
        self._expected: list[Iterable[Hashable]] = []

    def expect(self, keys: Iterable[Hashable]) -> None:
        """Announce `keys` (a collection the caller no longer changes)."""
        self._expected.append(keys)

    def get(self, key: Hashable) -> Any:
        try:
            return self._cache[key]
        except KeyError:
            self._load([key])
            return self._cache[key]

    def get_many(self, keys: Sequence[Hashable]) -> list[Any]:
        cache = self._cache
        missing = [k for k in keys if k not in cache]
        if missing:
            self._load(missing)
        return [cache[k] for k in keys]

    def load(self, keys: Sequence[Hashable]) -> list[Any]:
        """Announce `keys` and read them: for a resolver that owns the whole
        batch (a root field's own ids), not for one object among many."""
        self.expect(keys)
        return self.get_many(keys)

    def prime(self, key: Hashable, value: Any) -> None:
        self._cache.setdefault(key, value)

    def _load(self, keys: list[Hashable]) -> None:
        cache = self._cache
        batch = dict.fromkeys(k for group in self._expected for k in group if k not in cache)
        self._expected.clear()
        unannounced = [k for k in keys if k not in batch]
        if unannounced:
            raise NotAnnounced(f"the {self.name} loader was asked for {unannounced[:3]!r} ({len(unannounced)} in all), which no resolver announced")
        keys = list(batch)
        cache.update(zip(keys, self._fetch(keys)))


class Loaders:
    """The loaders of one request. Each caches its answers for the request only."""

    def __init__(self, session: Callable[[], Session]):
        self._session = session
        self.node = BatchLoader("node", self._nodes)
        self.paper = BatchLoader("paper", self._papers)
        self.edges = BatchLoader("edges", self._edges)
        self.aliases = BatchLoader("aliases", self._aliases)
        self.measurements = BatchLoader("measurements", self._measurements)

    def seen(self, rows: Iterable[Any]) -> None:
        """Node rows about to be resolved: whatever is asked of one of them
        next (their edges, or the rows themselves at an edge's end) is
        fetched for all of them at once."""
        ids = []
        papers = []
        node = self.node
        for row in rows:
            if row is None:
                continue
            node.prime(row.id, row)
            ids.append(row.id)
            if row.kind == "paper":
                papers.append(row.id)
        self.edges.expect(ids)
        self.aliases.expect(ids)
        self.measurements.expect(ids)
        self.paper.expect(papers)

    def nodes(self, ids: Sequence[str]) -> list[Any]:
        """Rows of `ids`, announced before (None for an id not stored); every
        row the node loader fetches is announced as seen, a batch at a time."""
        return self.node.get_many(ids)

    def load_nodes(self, ids: Sequence[str]) -> list[Any]:
        """Rows of `ids`, announced here: for a root field's own nodes."""
        return self.node.load(ids)

    def _rows(self, statement: Any, keys: Sequence[Any]) -> Iterable[Any]:
        """Rows of one of the statements above, for every key, a chunk at a
        time; on the session's connection (its transaction), without the
        ORM's work per statement: these are plain rows."""
        connection = self._session().connection()
        for chunk in _chunks(keys):
            yield from connection.execute(statement, {"keys": chunk})

    def _nodes(self, keys: list[str]) -> list[Any]:
        found = {row.id: NodeRecord(*row) for row in self._rows(_NODES_BY_ID, keys)}
        self.seen(found.values())
        return [found.get(k) for k in keys]

    def _papers(self, keys: list[str]) -> list[Any]:
        found = {row.node_id: row for row in self._rows(_PAPERS_OF, keys)}
        return [found.get(k) for k in keys]

    def _edges(self, keys: list[str]) -> list[list[Any]]:
        seen: dict[str, list[Any]] = defaultdict(list)
        others: dict[str, None] = {}
        connection = self._session().connection()
        for chunk in _chunks(keys):
            members = set(chunk)
            for row in connection.execute(_EDGES_OF, {"keys": chunk}):
                source, target = row[_SOURCE], row[_TARGET]
                # With chunks, an edge between two chunks is read twice: keep it once per end.
                if source in members:
                    seen[source].append(EdgeRecord(*row, "out"))
                    others[target] = None
                if target in members:
                    seen[target].append(EdgeRecord(*row, "in"))
                    others[source] = None
        # The other ends are what a query asks for next: fetch them all together.
        self.node.expect(others)
        return [seen.get(k, []) for k in keys]

    def _aliases(self, keys: list[str]) -> list[list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for node_id, alias in self._rows(_ALIASES_OF, keys):
            found[node_id].append(alias)
        return [sorted(found.get(k, [])) for k in keys]

    def _measurements(self, keys: list[str]) -> list[list[Any]]:
        found: dict[str, list[Any]] = defaultdict(list)
        for row in self._rows(_MEASUREMENTS_OF, keys):
            found[row.node_id].append(row)
        return [sorted(found.get(k, []), key=lambda m: (m.quantity, m.source)) for k in keys]
