"""api/execution.py: the short path for plain data gives exactly the answer
(and the errors) of graphql-core's general executor."""

from __future__ import annotations

import asyncio
import threading
import tomllib
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import version

import pytest
import strawberry
from packaging.requirements import Requirement
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from aiprogress.api.context import Context
from aiprogress.api.execution import PlainAttributeExecutionContext
from aiprogress.api.schema import Mutation, Query, build_schema
from aiprogress.api.types import NODE_TYPES, node_edges, node_neighbours
from aiprogress.graph import db as database
from aiprogress.graph import settings
from conftest import REPO

QUERIES = [
    # The reference query of the benchmark, and variations on it.
    """{ nodes(kind: paper, first: 40) { totalCount nodes { id name
         edges { relation direction other { id kind name } } } } }""",
    """{ nodes(first: 60) { nodes { __typename id kind year ... on Paper { doi authors citationKey }
         ... on Technique { category } ... on Constraint { binding }
         aliases measurements { quantity value unit }
         out: edges(direction: OUT) { __typename relation provenance note year confidence inferred
           other { __typename id ... on Paper { venue } ... on Constraint { binding } } }
         neighbours(kind: technique) { id name } } pageInfo { hasNextPage endCursor } } }""",
    """fragment Ends on Edge { sourceId targetId source { id } target { name } }
       { node(id: "technique:transformer") { id ...on Technique { category }
         edges(relation: introduces) { ...Ends other { id } }
         neighbours { id neighbours(limit: 3) { id kind } } } }""",
    """{ origins(id: "transformer", limit: 15) { count reached { distance node { id name } via { relation sourceId targetId }
         chain { relation } } supportingEdges { relation note direction other { id } } root { id } } }""",
    """{ narrativeShifts { bucketYears narratives { year narrative { id name } triggers { id kind } }
         supportingEdges { relation sourceId targetId } } }""",
    """{ a: node(id: "transformer") { x: id y: name } b: node(id: "constraint:compute") { id name ... on Constraint { binding } } }""",
]


def _schemas():
    config = settings.resolve(max_query_cost=10**9)
    general = strawberry.Schema(query=Query, mutation=Mutation, types=list(NODE_TYPES), execution_context_class=StrawberryGraphQLCoreExecutionContext)
    return config, build_schema(config), general


@pytest.mark.parametrize("query", QUERIES)
def test_same_answer_as_the_general_executor(builtin_engine, query):
    config, short, general = _schemas()
    answers = []
    for schema in (short, general):
        context = Context(builtin_engine, config)
        try:
            result = schema.execute_sync(query, context_value=context)
        finally:
            context.close()
        assert not result.errors, result.errors
        answers.append(result.data)
    assert answers[0] == answers[1]
    assert answers[0]  # something was answered


PER_NODE_ARGUMENTS = """query($r: Relation, $d: Direction, $k: NodeKind, $n: Int) { node(id: "transformer") { id
    a: edges(relation: $r, direction: $d, limit: $n) { relation direction other { id } }
    b: neighbours(relation: $r, direction: $d, kind: $k, limit: $n) { id kind }
    c: edges(relation: cites, limit: 2) { relation } d: neighbours(direction: OUT, kind: technique) { id } } }"""


@pytest.mark.parametrize(
    "variables",
    [{}, {"r": "introduces", "d": "IN", "k": "paper", "n": 3}, {"r": "inspired_by"}, {"d": "OUT", "k": "technique", "n": 0}, {"n": -1}, {"n": 10**6}],
)
def test_per_node_list_fields_resolved_directly_answer_as_strawberry_does(builtin_engine, variables):
    # `edges` and `neighbours` are resolved per node without strawberry's
    # argument conversion (types.direct_resolvers): the same answers and
    # errors as the schema that resolves them through strawberry.
    config, short, general = _schemas()
    node_types = short._schema.get_possible_types(short._schema.type_map["Node"])
    assert {t.name for t in node_types} == {t.__name__ for t in NODE_TYPES}
    for node_type in node_types:
        fields = node_type.fields
        assert (fields["edges"].resolve, fields["neighbours"].resolve) == (node_edges, node_neighbours), node_type.name
    answers = []
    for schema in (short, general):
        context = Context(builtin_engine, config)
        try:
            result = schema.execute_sync(PER_NODE_ARGUMENTS, variable_values=variables, context_value=context)
        finally:
            context.close()
        answers.append((result.data, [(e.message, e.path) for e in result.errors or []]))
    assert answers[0] == answers[1]
    data, errors = answers[0]
    assert errors if variables.get("n", 0) < 0 or variables.get("n", 0) > config["max_page_size"] else data["node"]["d"]


# ---- errors on tiny schemas, no database -----------------------------------


class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Thing:
    name: str
    colour: Colour
    nickname: str | None = None


@strawberry.type
class Shelf:
    things: list[Thing]


@dataclass
class Row:  # a stored record, as the resolvers hand them over
    name: object
    colour: object
    nickname: object = None


def _both(rows, query):
    @strawberry.type
    class TinyQuery:
        @strawberry.field
        def shelf(self) -> Shelf:
            return Shelf(things=rows)  # type: ignore[arg-type]

    out = []
    for cls in (PlainAttributeExecutionContext, StrawberryGraphQLCoreExecutionContext):
        result = strawberry.Schema(query=TinyQuery, execution_context_class=cls).execute_sync(query)
        out.append((result.data, [(e.message, e.path) for e in result.errors or []]))
    return out


def test_plain_values_stored_as_strings_or_members_serialise_alike():
    rows = [Row("a", "red"), Row("b", Colour.GREEN, "bee")]
    short, general = _both(rows, "{ shelf { things { name colour nickname __typename } } }")
    assert short == general
    assert short[0] == {"shelf": {"things": [
        {"name": "a", "colour": "RED", "nickname": None, "__typename": "Thing"},
        {"name": "b", "colour": "GREEN", "nickname": "bee", "__typename": "Thing"},
    ]}}


@pytest.mark.parametrize("bad", [Row(None, "red"), Row("c", "purple"), Row("d", None)])
def test_a_value_the_short_path_cannot_finish_gets_the_general_error(bad):
    rows = [Row("a", "red"), bad, Row("b", "green")]
    short, general = _both(rows, "{ shelf { things { name colour } } }")
    assert short == general
    data, errors = short
    assert data is None and len(errors) == 1  # non-null all the way up: the whole answer is null
    message, path = errors[0]
    assert path == ["shelf", "things", 1, "name" if bad.name is None else "colour"]
    assert message


def test_strings_held_as_other_values_serialise_as_the_general_executor_does():
    # A String that is already a str is passed through unchanged on the
    # short path; anything else must still go through graphql-core's
    # serialiser: numbers and booleans become strings, a builtin container
    # is an error, whether the field is aliased or not.
    rows = [Row(7, "red", True), Row(2.5, "green", 0), Row("ok", "red", "x")]
    for query in ("{ shelf { things { name nickname } } }", "{ shelf { things { n: name c: colour k: nickname t: __typename } } }"):
        short, general = _both(rows, query)
        assert short == general
        assert list(short[0]["shelf"]["things"][0].values())[:1] == ["7"]
    short, general = _both([*rows, Row(["no"], "red")], "{ shelf { things { name } } }")
    assert short == general and short[1]


@strawberry.type
class Cupboard:
    maybe: list[Thing | None]
    required: list[Thing]
    best: Thing | None
    first: Thing


@pytest.mark.parametrize(
    "cupboard",
    [
        Cupboard(maybe=[Row("a", "red"), None], required=[Row("b", "green")], best=None, first=Row("c", "red")),  # type: ignore[arg-type]
        Cupboard(maybe=[], required=[Row("b", "green"), None], best=Row("d", "red"), first=Row("c", "red")),  # type: ignore[arg-type]
        Cupboard(maybe=[None], required=[], best=Row("d", "red"), first=None),  # type: ignore[arg-type]
    ],
)
def test_nulls_in_lists_and_objects_answer_as_the_general_executor_does(cupboard):
    # The null checks of list items and object fields are written into the
    # short path's loops and functions: null where allowed, else the
    # general path's error at the right path.
    @strawberry.type
    class TinyQuery:
        @strawberry.field
        def cupboard(self) -> Cupboard | None:
            return cupboard

    query = "{ cupboard { maybe { name } required { name colour } best { name } first { colour } } }"
    out = []
    for cls in (PlainAttributeExecutionContext, StrawberryGraphQLCoreExecutionContext):
        result = strawberry.Schema(query=TinyQuery, execution_context_class=cls).execute_sync(query)
        out.append((result.data, [(e.message, e.path) for e in result.errors or []]))
    assert out[0] == out[1]


def _calls_to_complete(count: int, query: str) -> int:
    """Python calls made while the short path answers `query` over `count` rows."""
    import sys

    @strawberry.type
    class TinyQuery:
        @strawberry.field
        def shelf(self) -> Shelf:
            return Shelf(things=[Row(f"n{i}", "red", f"k{i}") for i in range(count)])  # type: ignore[arg-type]

    schema = strawberry.Schema(query=TinyQuery, execution_context_class=PlainAttributeExecutionContext)
    schema.execute_sync(query)  # compiled once per distinct selection: not what is counted
    made = [0]

    def profile(_frame, event, _arg):
        if event == "call":
            made[0] += 1

    sys.setprofile(profile)
    try:
        result = schema.execute_sync(query)
    finally:
        sys.setprofile(None)
    assert not result.errors and len(result.data["shelf"]["things"]) == count
    return made[0]


def test_completing_plain_objects_costs_no_call_per_string_field():
    # The short path writes one function per selected object: no call per
    # field read off an attribute, none for a String already a str or an
    # enum's stored value, none for the null check of a list's item, so a
    # row costs the same two calls (the object, its type check) however
    # many such fields are asked of it: 15 before.
    query = "{ shelf { things { name nickname a: name b: nickname c: name colour } } }"
    per_row = (_calls_to_complete(300, query) - _calls_to_complete(100, query)) / 200
    assert per_row <= 2, per_row


# ---- requests /graphql cannot take: the one JSON error shape ---------------


@pytest.mark.parametrize(
    ("send", "message"),
    [
        (lambda c: c.post("/graphql", content=b"{not json", headers={"content-type": "application/json"}), "Unable to parse request body as JSON"),
        (lambda c: c.post("/graphql", json={"variables": {}}), "No GraphQL query found"),
        (lambda c: c.get("/graphql", params={"query": 'mutation { deleteNode(id: "x") }'}), "mutations are not allowed when using GET"),
        (lambda c: c.post("/graphql", json=[{"query": "{ __typename }"}]), "Batching is not enabled"),
    ],
)
def test_a_request_graphql_cannot_take_gets_the_json_error_shape(builtin_db, send, message):
    from api_support import make_api

    response = send(make_api(builtin_db).client)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid-query", "message": response.json()["error"]["message"], "status": 400}}
    assert message in response.json()["error"]["message"]


# ---- the fences around the library internals used here --------------------


def test_the_graphql_libraries_installed_are_the_pinned_ones():
    # The short path overrides graphql-core's executor hooks and reads
    # strawberry's private markers: both are pinned to tested minor
    # versions, and these tests are the gate for moving a pin.
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {r.name: r.specifier for r in map(Requirement, dependencies)}
    for name in ("strawberry-graphql", "graphql-core"):
        assert any(s.operator == "<" for s in pins[name]), f"{name} has no upper bound"
        assert pins[name].contains(version(name)), (name, version(name), str(pins[name]))


def test_plain_fields_take_the_short_path():
    # Were a release to rename the markers the short path reads, every field
    # would quietly take the general path: the executor would be asked for
    # `things` and each item's fields (8 in all), not only for the one
    # field with a resolver.
    asked = []

    class Counting(PlainAttributeExecutionContext):
        def execute_field(self, parent_type, source, field_details_list, path, position_context):
            asked.append(field_details_list[0].node.name.value)
            return super().execute_field(parent_type, source, field_details_list, path, position_context)

    @strawberry.type
    class TinyQuery:
        @strawberry.field
        def shelf(self) -> Shelf:
            return Shelf(things=[Row("a", "red"), Row("b", "green"), Row("c", "red")])  # type: ignore[arg-type]

    result = strawberry.Schema(query=TinyQuery, execution_context_class=Counting).execute_sync("{ shelf { things { name colour } } }")
    assert not result.errors and len(result.data["shelf"]["things"]) == 3
    assert asked == ["shelf"]


def test_an_operation_runs_in_a_worker_thread_and_closes_its_session(builtin_engine):
    config = settings.resolve()
    used = []

    class Recording(Context):
        def session(self):
            used.append(threading.get_ident())
            return super().session()

    context = Recording(builtin_engine, config)

    async def run():
        return threading.get_ident(), await build_schema(config).execute("{ stats { totalNodes } }", context_value=context)

    # In a thread of its own: a test before this one may have left an event
    # loop running in this thread (Playwright's sync API does).
    answers = []
    runner = threading.Thread(target=lambda: answers.append(asyncio.run(run())))
    runner.start()
    runner.join(timeout=60)
    loop_thread, result = answers[0]
    assert not result.errors and result.data["stats"]["totalNodes"] > 0
    assert used and loop_thread not in used  # the event loop stayed free
    assert context._session is None  # closed, in the thread that used it


def test_nodes_with_their_edges_complete_on_the_short_path(builtin_engine):
    # `edges` given no arguments is read by the short path like an attribute
    # (its resolver needs only the context), so a page of nodes with their
    # edges is completed without asking the executor for each node's fields;
    # with an argument, `edges` takes the general path for each node.
    asked = []

    class Counting(PlainAttributeExecutionContext):
        def execute_field(self, parent_type, source, field_details_list, path, position_context):
            asked.append(field_details_list[0].node.name.value)
            return super().execute_field(parent_type, source, field_details_list, path, position_context)

    config, schema, _ = _schemas()
    schema.execution_context_class = Counting
    answers = {}
    for edges in ("edges", "edges(limit: 100)"):
        asked.clear()
        context = Context(builtin_engine, config)
        try:
            result = schema.execute_sync(f"{{ nodes(first: 30) {{ nodes {{ id {edges} {{ relation other {{ id }} }} }} }} }}", context_value=context)
        finally:
            context.close()
        assert not result.errors, result.errors
        answers[edges] = (result.data, list(asked))
    data, asked_plain = answers["edges"]
    assert asked_plain == ["nodes"]
    assert sum(len(n["edges"]) for n in data["nodes"]["nodes"]) > 30
    data_limited, asked_general = answers["edges(limit: 100)"]
    assert data_limited == data
    assert asked_general.count("edges") == 30
