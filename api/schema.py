"""The GraphQL schema: queries and mutations over graph/service.py.

Resolvers are a few lines each: they read the arguments, call one service
or query function, and hand rows to the types of api/types.py. Errors are
raised as graph/errors.py errors and rendered in one place (api/app.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.permission import BasePermission
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from ..graph import answers, listing, service
from ..graph.errors import AiprogressError
from ..ingest import bibtex, importers, load
from . import limits
from .context import Context
from .derive import fields_from
from .graph_ask import AskQueries
from .graph_queries import GraphQueries
from .graph_linking import LinkingQueries, linking_mutations
from .types import (
    EDGE_FANOUT_ESTIMATE,
    NODE_TYPES,
    Edge,
    LinkInput,
    Node,
    NodeChanges,
    NodeConnection,
    NodeInput,
    NodeKind,
    PageInfo,
    Paper,
    Relation,
    SearchConnection,
    SearchHit,
    Stats,
    accept_any_spelling,
    decode_cursor,
    direct_resolvers,
    encode_cursor,
    input_values,
    page_size,
)
from .execution import PlainAttributeExecutionContext
from .loaders import edge_record, node_record

DEFAULT_PAGE = 50


def bibtex_limits(config: dict[str, Any]) -> bibtex.Limits:
    return bibtex.Limits(max_file_bytes=config["max_upload_bytes"], max_entries=config["max_entries"], max_field_chars=config["max_field_chars"])


class CanWrite(BasePermission):
    """Writes need the server's bearer token (see context.check_write_allowed)."""

    message = "writes need a bearer token"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        info.context.check_write_allowed()  # raises PermissionDenied with the reason
        return True


def _after_key(after: str | None) -> tuple[int, str] | None:
    if after is None:
        return None
    value = decode_cursor(after)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise service.InvalidInput(f"bad cursor {after!r}: it is not a cursor of `nodes`")
    return value[0], value[1]


def _seen(info: strawberry.Info, node: Any) -> Any:
    """A node handed to GraphQL by a resolver of its own: what is asked of it
    next is loaded through the loaders like any other node's."""
    info.context.loaders.seen([node])
    return node


@strawberry.type
class Query(GraphQueries, LinkingQueries, AskQueries):
    @strawberry.field(description="One node by id (kind:slug), alias or citation key.")
    def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        ctx = info.context
        (node,) = ctx.loaders.load_nodes([service.resolve_id(ctx.session(), id)])
        return node

    @strawberry.field(description="Nodes matching every filter given, in order of year (unknown last) then id, a page at a time.")
    def nodes(
        self,
        info: strawberry.Info,
        kind: NodeKind | None = None,
        search: Annotated[str | None, strawberry.argument(description="Words that must all occur in the name, description or abstract.")] = None,
        year_from: int | None = None,
        year_to: int | None = None,
        relation: Annotated[Relation | None, strawberry.argument(description="Only nodes with an edge of this relation (either way).")] = None,
        constraint: Annotated[str | None, strawberry.argument(description="Only nodes that relax this constraint (id or alias, e.g. constraint:compute).")] = None,
        first: int = DEFAULT_PAGE,
        after: Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")] = None,
    ) -> NodeConnection:
        ctx = info.context
        where = listing.NodeFilter(
            kind=kind.value if kind else None, text=search, year_from=year_from, year_to=year_to,
            relation=relation.value if relation else None, constraint=constraint,
        )
        rows, next_key = listing.list_nodes(ctx.session(), where, limit=page_size(info, first), after=_after_key(after))
        rows = [node_record(row) for row in rows]
        ctx.loaders.seen(rows)
        page = PageInfo(has_next_page=next_key is not None, end_cursor=encode_cursor(list(next_key)) if next_key else None)
        return NodeConnection(nodes=rows, page_info=page, _count=lambda: listing.count_nodes(ctx.session(), where))

    @strawberry.field(name="search", description="Full-text search over titles, abstracts, descriptions and names, best match first.")
    def search_nodes(
        self,
        info: strawberry.Info,
        text: str,
        kind: NodeKind | None = None,
        first: int = 20,
        after: str | None = None,
        as_of: Annotated[int | None, strawberry.argument(description="Only nodes dated this year or earlier (and undated ones).")] = None,
    ) -> SearchConnection:
        ctx = info.context
        offset = 0 if after is None else decode_cursor(after)
        if not isinstance(offset, int) or offset < 0:
            raise service.InvalidInput(f"bad cursor {after!r}: it is not a cursor of `search`")
        size = page_size(info, first)
        kind_value = kind.value if kind else None
        found = answers.search(ctx.session(), text, kind=kind_value, limit=size, offset=offset, as_of=as_of)
        nodes = ctx.loaders.load_nodes([h.node_id for h in found.hits])
        page = PageInfo(has_next_page=found.more, end_cursor=encode_cursor(offset + size) if found.more else None)
        return SearchConnection(
            hits=[SearchHit(score=h.score, node=n) for h, n in zip(found.hits, nodes) if n is not None],
            page_info=page,
            _count=lambda: answers.search_count(ctx.session(), text, kind=kind_value, as_of=as_of),
        )

    @strawberry.field(description="A paper by DOI (any common spelling: doi:, https://doi.org/ ...).")
    def paper_by_doi(self, info: strawberry.Info, doi: str) -> Paper | None:
        return _seen(info, service.find_paper(info.context.session(), doi=doi))

    @strawberry.field(description="A paper by arXiv id (with or without version, or its arxiv.org URL).")
    def paper_by_arxiv(self, info: strawberry.Info, arxiv_id: str) -> Paper | None:
        return _seen(info, service.find_paper(info.context.session(), arxiv_id=arxiv_id))

    @strawberry.field(description="Counts of nodes by kind and edges by relation.")
    def stats(self, info: strawberry.Info) -> Stats:
        return Stats.from_dict(service.stats(info.context.session()))


@strawberry.type(description="What happened to a BibTeX text: papers new, merged, unchanged, failed, and each problem with its line.")
@fields_from(load.IngestReport, exclude=("skipped",))  # text sent here is never skipped as an unchanged file
class IngestReport:
    pass


@strawberry.type
class Mutation(linking_mutations(CanWrite)):
    # Each mutation hands its work to `Context.write`, which retries it whole
    # on a transient conflict: the work must not consume its inputs.

    @strawberry.mutation(permission_classes=[CanWrite], description="Create a node; its kind is the part of the id before the colon.")
    def create_node(self, info: strawberry.Info, input: NodeInput) -> Node:
        values = input_values(input)
        node_id = values.pop("id")
        return _seen(info, info.context.write(lambda session: service.create_node(session, node_id, **values)))

    @strawberry.mutation(permission_classes=[CanWrite], description="Change fields of a node; fields left out keep their value.")
    def update_node(self, info: strawberry.Info, id: strawberry.ID, changes: NodeChanges) -> Node:
        values = input_values(changes)
        return _seen(info, info.context.write(lambda session: service.update_node(session, id, **values)))

    @strawberry.mutation(permission_classes=[CanWrite], description="Delete a node with its edges, aliases and measurements. Returns its id.")
    def delete_node(self, info: strawberry.Info, id: strawberry.ID) -> strawberry.ID:
        info.context.write(lambda session: service.delete_node(session, id))
        return id

    @strawberry.mutation(permission_classes=[CanWrite], description="Add the fact source -relation-> target (or bring its evidence up to date). The relation must be allowed between the two kinds.")
    def link(self, info: strawberry.Info, input: LinkInput) -> Edge:
        values = input_values(input)
        source_id, relation, target_id = values.pop("source_id"), values.pop("relation"), values.pop("target_id")

        def work(session: Any) -> Any:
            edge, _ = service.link(session, source_id, relation, target_id, **values)
            return edge_record(edge)

        record = info.context.write(work)
        info.context.loaders.node.expect((record.source_id, record.target_id))
        return record

    @strawberry.mutation(permission_classes=[CanWrite], description="Remove the fact source -relation-> target. Returns true.")
    def unlink(self, info: strawberry.Info, source_id: strawberry.ID, relation: Relation, target_id: strawberry.ID) -> bool:
        info.context.write(lambda session: service.unlink(session, source_id, relation.value, target_id))
        return True

    @strawberry.mutation(permission_classes=[CanWrite], description="Read BibTeX text into the graph and report what happened to each entry. With strict, the first problem stops it and nothing is written.")
    def ingest_bibtex(self, info: strawberry.Info, text: str, file_name: str = "graphql.bib", strict: bool = False) -> IngestReport:
        limits_ = bibtex_limits(info.context.settings)
        return info.context.write(lambda session: load.ingest_text(session, text, source=file_name, strict=strict, limits=limits_, format="bibtex"))

    @strawberry.mutation(permission_classes=[CanWrite], description="Read a file's text in any import format (bibtex, openalex, semanticscholar, arxiv, csl-json, ris; by default found from the file name and content) into the graph and report what happened to each record.")
    def ingest(self, info: strawberry.Info, text: str, file_name: str = "graphql.bib", format: str | None = None, strict: bool = False) -> IngestReport:
        limits_ = bibtex_limits(info.context.settings)
        if format is not None:
            importers.pick("", name=format)
        return info.context.write(lambda session: load.ingest_text(session, text, source=file_name, strict=strict, limits=limits_, format=format))


class Schema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """The public async entry point (the one strawberry's HTTP views
        call), answered by `execute_sync` in a worker thread: resolvers read
        the database with blocking calls and batch their reads by level
        (api/loaders.py), so there is nothing to await, and the event loop
        stays free for other requests meanwhile. The request's session is
        closed in the thread that used it."""

        def run() -> ExecutionResult:
            try:
                return self.execute_sync(
                    query,
                    variable_values=variable_values,
                    context_value=context_value,
                    root_value=root_value,
                    operation_name=operation_name,
                    allowed_operation_types=allowed_operation_types,
                    operation_extensions=operation_extensions,
                )
            finally:
                if isinstance(context_value, Context):
                    context_value.close()

        return await run_in_threadpool(run)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Our own errors are answers, not faults: only unexpected ones are logged.
        unexpected = [e for e in errors if e.original_error is not None and not isinstance(e.original_error, AiprogressError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: dict[str, Any]) -> strawberry.Schema:
    """The schema with the limits of `settings` enforced."""
    schema = Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES),
        extensions=[
            *limits.extensions_for(settings, list_size_estimate=EDGE_FANOUT_ESTIMATE),
            # A client repeats its queries: parse and validate (limits included:
            # they depend on the document only) each distinct text once.
            # Bounded LRU caches, so unique texts cannot grow memory.
            ParserCache,
            ValidationCache,
        ],
        execution_context_class=PlainAttributeExecutionContext,
    )
    # A relation is typed the same way everywhere (CLI, data files, BibTeX, RDF).
    accept_any_spelling(schema._schema.type_map["Relation"])
    direct_resolvers(schema._schema)
    return schema


SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def schema_text() -> str:
    """The schema in GraphQL SDL, as committed in api/schema.graphql."""
    from ..graph import settings

    return build_schema(settings.resolve()).as_str() + "\n"


if __name__ == "__main__":  # python -m aiprogress.api.schema: rewrite api/schema.graphql
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
