"""GraphQL types of the graph, derived from graph/models.py.

Every stored field comes from the model declarations (`derive.fields_from`);
this module adds only what is not a column: a node's edges, neighbours,
aliases and measurements, an edge's two ends, and the page types. The root
object of a node type is a row of the `node` table; of an edge, an
`EdgeRecord` (loaders.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from enum import Enum
from typing import Any

import strawberry
from graphql import EnumValueNode, GraphQLEnumType

from ..graph import models
from ..graph.relations import KINDS, spelling
from ..graph.errors import InvalidInput, LimitExceeded
from .derive import MODEL_DEFAULTS, fields_from
from .execution import context_only

NodeKind = strawberry.enum(models.NodeKind, description="What a node is.")
# GraphQL enum values cannot hold a hyphen, so here the relation inspired-by
# is named `inspired_by` (the one place it is printed so); on input the enum
# also takes any case and, in variables, the hyphen (`accept_any_spelling`).
Relation = strawberry.enum(models.Relation, description="What an edge says; direction is always source -> target.")
TechniqueCategory = strawberry.enum(models.TechniqueCategory)
Binding = strawberry.enum(models.Binding, description="Hard constraints move slowly; leverage ones are tuned to get the most from them.")
Quantity = strawberry.enum(models.Quantity)


def accept_any_spelling(enum_type: GraphQLEnumType) -> None:
    """Let a built GraphQL enum take its values as users type them elsewhere:
    in any case, with a hyphen or an underscore (`INSPIRED_BY` as a literal;
    "inspired-by" or "Inspired_By" in variables). It still prints its own names."""
    by_spelling = {spelling(name): name for name in enum_type.values}
    coerce_value, coerce_literal = enum_type.coerce_input_value, enum_type.coerce_input_literal

    def coerce_input_value(value: Any, hide_suggestions: bool = False) -> Any:
        if isinstance(value, str):
            value = by_spelling.get(spelling(value), value)
        return coerce_value(value, hide_suggestions)

    def coerce_input_literal(node: Any, hide_suggestions: bool = False) -> Any:
        if isinstance(node, EnumValueNode):
            node = EnumValueNode(value=by_spelling.get(spelling(node.value), node.value), loc=node.loc)
        return coerce_literal(node, hide_suggestions)

    enum_type.coerce_input_value = coerce_input_value
    enum_type.coerce_input_literal = coerce_input_literal


@strawberry.enum(description="Which way an edge points, seen from the node it was reached from.")
class Direction(Enum):
    OUT = "out"
    IN = "in"


# Edges and neighbours of one node: the cost estimate's guess at their number
# when the query does not give a limit.
EDGE_FANOUT_ESTIMATE = 10


def page_size(info: strawberry.Info, first: int | None, *, argument: str = "first") -> int | None:
    """`first`/`limit` checked against the server's maximum page size."""
    if first is None:
        return None
    maximum = info.context.settings["max_page_size"]
    if first < 0:
        raise InvalidInput(f"{argument} must not be negative, got {first}")
    if first > maximum:
        raise LimitExceeded(f"{argument} is {first}; this server returns at most {maximum} items per page")
    return first


def _edge_filter(records: list[Any], relation: str | None, direction: str | None) -> list[Any]:
    """`records` with this relation and direction (values, as stored: "cites", "out")."""
    if relation is None and direction is None:
        return records
    return [r for r in records if (relation is None or r.relation == relation) and (direction is None or r.direction == direction)]


def _value(member: Enum | None) -> Any:
    return None if member is None else member.value


@context_only
def node_edges(source: Any, info: Any, relation: Enum | None = None, direction: Enum | None = None, limit: int | None = None) -> list[Any]:
    """`Node.edges` of one node."""
    loaders = info.context.loaders
    records = _edge_filter(loaders.edges.get(source.id), _value(relation), _value(direction))
    size = page_size(info, limit, argument="limit")
    records = records if size is None else records[:size]
    # The other ends, in the same batch as every other node's (one statement per level).
    missing = [r for r in records if r.other is None]
    if missing:
        # _other_end written out: one call fewer per edge of every node.
        ends = [r.target_id if r.direction == "out" else r.source_id for r in missing]
        for record, other in zip(missing, loaders.nodes(ends)):
            record.other = other
    return records


@context_only
def node_neighbours(
    source: Any, info: Any, relation: Enum | None = None, direction: Enum | None = None, kind: Enum | None = None, limit: int | None = None
) -> list[Any]:
    """`Node.neighbours` of one node."""
    loaders = info.context.loaders
    records = _edge_filter(loaders.edges.get(source.id), _value(relation), _value(direction))
    ids = list(dict.fromkeys(_other_end(r) for r in records))
    nodes = [n for n in loaders.nodes(ids) if n is not None]
    if kind is not None:
        nodes = [n for n in nodes if n.kind == kind.value]
    size = page_size(info, limit, argument="limit")
    return nodes if size is None else nodes[:size]


# Fields of every node type resolved per node, so once per item of a list:
# strawberry's way of calling a resolver (arguments converted to Python
# enums by name each call, the result checked for awaitables) cost more
# than the resolvers themselves (about 2 ms of the 15 ms of the reference
# query, tests/benchmarks/bench_api.py). graphql-core, through strawberry's
# own enum types, has already coerced the arguments to the enum members these
# functions take, so they are installed as the built schema's resolvers
# directly (`direct_resolvers`); the strawberry declarations below stay the
# schema's source and call the same functions. tests/test_api_execution.py
# holds both ways to the same answers and errors (strawberry is pinned).
# They read only `info.context`, so where a query gives them no arguments
# the short path of api/execution.py calls them itself, and a node whose
# other selected fields are plain is completed there whole.
DIRECT_NODE_RESOLVERS = {"edges": node_edges, "neighbours": node_neighbours}


def direct_resolvers(graphql_schema: Any) -> None:
    """Resolve the fields of DIRECT_NODE_RESOLVERS on every node type of a
    built schema with those functions."""
    # The schema's node types, not the kind table: a kind may have no type.
    for node_type in graphql_schema.get_possible_types(graphql_schema.type_map["Node"]):
        fields = node_type.fields
        for field_name, resolve in DIRECT_NODE_RESOLVERS.items():
            fields[field_name].resolve = resolve


def _other_end(record: Any) -> str:
    return record.target_id if record.direction == "out" else record.source_id


@strawberry.interface(description="A node of the graph: a paper, technique, constraint, narrative, field, proposal, problem or theme.")
@fields_from(models.Node, exclude=("category", "binding"), types_={"id": strawberry.ID, "kind": NodeKind})
class Node:
    @classmethod
    def resolve_type(cls, obj: Any, info: Any, abstract_type: Any) -> str:
        return TYPE_NAME_OF_KIND[obj.kind]

    @strawberry.field(description="Other names this node answers to (lower case): citation keys, abbreviations.")
    def aliases(self, info: strawberry.Info) -> list[str]:
        return info.context.loaders.aliases.get(self.id)

    @strawberry.field(description="Edges touching this node, both ways unless `direction` is given.")
    def edges(
        self,
        info: strawberry.Info,
        relation: Relation | None = None,
        direction: Direction | None = None,
        limit: int | None = None,
    ) -> list[Edge]:
        return node_edges(self, info, relation, direction, limit)

    @strawberry.field(description="The nodes at the other end of this node's edges (each once).")
    def neighbours(
        self,
        info: strawberry.Info,
        relation: Relation | None = None,
        direction: Direction | None = None,
        kind: NodeKind | None = None,
        limit: int | None = None,
    ) -> list[Node]:
        return node_neighbours(self, info, relation, direction, kind, limit)

    @strawberry.field(description="Numbers attached to this node: parameters, training compute, dataset size, energy.")
    def measurements(self, info: strawberry.Info) -> list[Measurement]:
        return info.context.loaders.measurements.get(self.id)


def _is_kind(kind: str):
    def is_type_of(cls: type, obj: Any, info: Any) -> bool:
        return getattr(obj, "kind", None) == kind

    return classmethod(is_type_of)


def _paper_row(root: Any, info: strawberry.Info) -> Any:
    return info.context.loaders.paper.get(root.id)


@strawberry.type(description="A paper: a node with bibliographic fields. Its `name` is its title.")
@fields_from(models.Paper, exclude=("node_id", "title_key", "year"), read=_paper_row)
class Paper(Node):
    is_type_of = _is_kind("paper")


@strawberry.type(description="A method, architecture, dataset, piece of hardware or software.")
@fields_from(models.Node, only=("category",), types_={"category": TechniqueCategory | None})
class Technique(Node):
    is_type_of = _is_kind("technique")


@strawberry.type(description="A limit on progress (data, parameters, compute, energy ...) that techniques relax.")
@fields_from(models.Node, only=("binding",), types_={"binding": Binding | None})
class Constraint(Node):
    is_type_of = _is_kind("constraint")


# Kinds with no fields of their own: one GraphQL type each, named from the
# kind table (graph/relations.py).
_PLAIN_KINDS = {
    "narrative": "A story the field told itself, set off by papers or techniques.",
    "field": "An older field of knowledge that ideas drew on.",
    "proposal": "One author's argument for where the field should go (not a shift the field went through), naming problems and themes.",
    "problem": "An open problem a proposal names; it bears on constraints.",
    "theme": "An idea a proposal argues for; existing techniques embody it.",
}


def _plain_kind(kind: str) -> type:
    cls = type(KINDS[kind].title, (Node,), {"is_type_of": _is_kind(kind), "__module__": __name__})
    return strawberry.type(cls, description=_PLAIN_KINDS[kind])


Narrative, Field, Proposal, Problem, Theme = (_plain_kind(kind) for kind in _PLAIN_KINDS)


# Every concrete node type, for the schema's `types` (a kind missing here fails at query time).
NODE_TYPES = (Paper, Technique, Constraint, Narrative, Field, Proposal, Problem, Theme)

TYPE_NAME_OF_KIND = {kind.name: kind.title for kind in KINDS.values()}


@strawberry.type(description="A fact between two nodes (source -relation-> target), with its evidence.")
@fields_from(models.Edge, types_={"relation": Relation, "source_id": strawberry.ID, "target_id": strawberry.ID})
class Edge:
    direction: Direction | None = strawberry.field(description="OUT when reached from its source, IN when reached from its target; null otherwise.")
    other: Node | None = strawberry.field(description="The end that is not the node the edge was reached from (null when not reached from a node).")

    @strawberry.field(description="The node the edge starts from.")
    def source(self, info: strawberry.Info) -> Node:
        return _existing(info, self.source_id)

    @strawberry.field(description="The node the edge points to.")
    def target(self, info: strawberry.Info) -> Node:
        return _existing(info, self.target_id)


def _existing(info: strawberry.Info, node_id: str) -> Any:
    (node,) = info.context.loaders.nodes([node_id])
    if node is None:  # deleted while the query ran
        from ..graph.errors import NotFound

        raise NotFound(f"no node with id {node_id!r}")
    return node


@strawberry.type(description="A number published about a node.")
@fields_from(models.Measurement, exclude=("id", "node_id"), types_={"quantity": Quantity})
class Measurement:
    pass


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(["v1", value], separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    """The position a cursor names; InvalidInput for anything not made by `encode_cursor`."""
    try:
        tag, value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if tag != "v1":
            raise ValueError(tag)
        return value
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(f"bad cursor {cursor!r}: pass the endCursor of a previous page unchanged") from None


@strawberry.type(description="One page of nodes.")
class NodeConnection:
    nodes: list[Node]
    page_info: PageInfo
    _count: strawberry.Private[Any]

    @strawberry.field(description="How many nodes match the filters, on all pages.")
    def total_count(self) -> int:
        return self._count()


@strawberry.type(description="A node found by full-text search, with its relevance (larger is better).")
class SearchHit:
    score: float
    node: Node


@strawberry.type(description="One page of search results, best first.")
class SearchConnection:
    hits: list[SearchHit]
    page_info: PageInfo
    _count: strawberry.Private[Any]

    @strawberry.field(description="How many nodes match, on all pages.")
    def total_count(self) -> int:
        return self._count()


# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


@strawberry.type
class KindCount:
    kind: NodeKind
    count: int


@strawberry.type
class RelationCount:
    relation: Relation
    count: int


@strawberry.type(description="How big the graph is.")
class Stats:
    nodes: list[KindCount]
    edges: list[RelationCount]
    total_nodes: int
    total_edges: int
    measurements: int
    aliases: int
    constraint_statuses: int = strawberry.field(description="Recorded constraint statuses (binding, expected-to-bind, solved, open), each with its year and source.")

    @classmethod
    def from_dict(cls, counts: dict[str, Any]) -> Stats:
        return cls(
            nodes=[KindCount(kind=models.NodeKind(k), count=n) for k, n in counts["nodes"].items()],
            edges=[RelationCount(relation=models.Relation(r), count=n) for r, n in counts["edges"].items()],
            total_nodes=counts["total_nodes"],
            total_edges=counts["total_edges"],
            measurements=counts["measurements"],
            aliases=counts["aliases"],
            constraint_statuses=counts["constraint_statuses"],
        )


# --------------------------------------------------------------------------
# Inputs (also derived from the models)
# --------------------------------------------------------------------------


@strawberry.input(description="A new node. Its kind is the part of the id before the colon (technique:dropout).")
@fields_from(
    models.Node,
    exclude=("kind",),
    types_={"id": strawberry.ID, "category": TechniqueCategory | None, "binding": Binding | None},
    defaults=MODEL_DEFAULTS,
)
class NodeInput:
    pass


@strawberry.input(description="Fields of a node to change; the ones left out keep their value.")
@fields_from(
    models.Node,
    exclude=("id", "kind"),
    types_={"category": TechniqueCategory | None, "binding": Binding | None},
    defaults=strawberry.UNSET,
)
class NodeChanges:
    pass


@strawberry.input(description="A fact to add (or bring up to date): source -relation-> target, with its evidence.")
@fields_from(
    models.Edge,
    # Citation intents and influence come with imported citations, not hand-made facts.
    exclude=("id", "inferred", "intents", "influential"),
    types_={"relation": Relation, "source_id": strawberry.ID, "target_id": strawberry.ID},
    defaults=MODEL_DEFAULTS,
)
class LinkInput:
    pass


def plain(value: Any) -> Any:
    """An input's value as the service layer takes it: enums to their values, UNSET dropped."""
    if isinstance(value, Enum):
        return value.value
    return value


def input_values(data: Any) -> dict[str, Any]:
    return {k: plain(v) for k, v in vars(data).items() if v is not strawberry.UNSET}
