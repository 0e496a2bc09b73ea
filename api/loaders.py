"""DataLoaders: one SQL statement per kind of thing per level of a query.

Resolvers never query the database one node at a time: they ask a loader,
which gathers every key requested in the same tick of the event loop and
fetches them together. A query for 100 papers with their edges and each
neighbour's fields runs a fixed handful of statements, however many papers,
edges and neighbours it returns (tests/test_api_loaders.py counts them).

Rows are read with SQLAlchemy Core (no ORM identity map): they are plain
read-only records, which is all a GraphQL answer needs, and several times
cheaper to build than ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import make_dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session
from strawberry.dataloader import DataLoader

from ..graph.models import Alias, Edge, Measurement, Node, Paper

# SQLite allows 32766 bound parameters per statement; stay well below.
CHUNK = 900

_node = Node.__table__
_paper = Paper.__table__
_edge = Edge.__table__
_alias = Alias.__table__
_measurement = Measurement.__table__

# An edge as seen from one of its ends: every column of `edge`, plus the
# direction ("out" when the node is the source, "in" when it is the target;
# None when the edge is not seen from a node, e.g. a query's supporting edge)
# and, once loaded, the row of the node at the other end. Plain attributes
# rather than resolvers: GraphQL reads them at the cost of a getattr.
EdgeRecord = make_dataclass(
    "EdgeRecord",
    [*((name, Any) for name in Edge.model_fields), ("direction", Any, None), ("other", Any, None)],
    slots=True,
)


def edge_record(row: Any, direction: str | None = None) -> Any:
    return EdgeRecord(*(getattr(row, name) for name in Edge.model_fields), direction)


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


class Loaders:
    """The loaders of one request. Each caches its answers for the request only."""

    def __init__(self, session: Callable[[], Session]):
        self._session = session
        self.node = DataLoader(self._nodes)
        self.paper = DataLoader(self._papers)
        self.edges = DataLoader(self._edges)
        self.aliases = DataLoader(self._aliases)
        self.measurements = DataLoader(self._measurements)

    def _rows(self, table: Any, column: Any, keys: Sequence[Any]) -> list[Any]:
        rows: list[Any] = []
        for chunk in _chunks(keys):
            rows.extend(self._session().execute(select(table).where(column.in_(chunk))).all())
        return rows

    async def _nodes(self, keys: list[str]) -> list[Any]:
        found = {row.id: row for row in self._rows(_node, _node.c.id, keys)}
        return [found.get(k) for k in keys]

    async def _papers(self, keys: list[str]) -> list[Any]:
        found = {row.node_id: row for row in self._rows(_paper, _paper.c.node_id, keys)}
        return [found.get(k) for k in keys]

    async def _edges(self, keys: list[str]) -> list[list[Any]]:
        seen: dict[str, list[Any]] = defaultdict(list)
        for chunk in _chunks(keys):
            members = set(chunk)
            stmt = select(_edge).where(or_(_edge.c.source_id.in_(chunk), _edge.c.target_id.in_(chunk))).order_by(_edge.c.relation, _edge.c.id)
            for row in self._session().execute(stmt):
                # With chunks, an edge between two chunks is read twice: keep it once per end.
                if row.source_id in members:
                    seen[row.source_id].append(edge_record(row, "out"))
                if row.target_id in members:
                    seen[row.target_id].append(edge_record(row, "in"))
        return [seen.get(k, []) for k in keys]

    async def _aliases(self, keys: list[str]) -> list[list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for row in self._rows(_alias, _alias.c.node_id, keys):
            found[row.node_id].append(row.alias)
        return [sorted(found.get(k, [])) for k in keys]

    async def _measurements(self, keys: list[str]) -> list[list[Any]]:
        found: dict[str, list[Any]] = defaultdict(list)
        for row in self._rows(_measurement, _measurement.c.node_id, keys):
            found[row.node_id].append(row)
        return [sorted(found.get(k, []), key=lambda m: (m.quantity, m.source)) for k in keys]
