"""Abuse limits: query depth, aliases, estimated cost, request body size.

The first three walk the document once, working out each fragment once:
strawberry's own depth and alias validators re-expand every fragment spread,
so twenty fragments that each spread the one before twice kept a core busy
for seconds before the query was refused. Every limit error carries
`extensions.code = "limit-exceeded"` and says what the limit is. Introspection (`__schema`, `__type`) is exempt from the depth
limit, so GraphiQL and code generators keep working.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules

from ..graph.errors import LimitExceeded

LIMIT_CODE = LimitExceeded.code
PAGE_ARGUMENTS = ("first", "limit")
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operations(document: Any) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _spread(name: str, fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str], memo: dict[str, int], measure: Any) -> int:
    """`measure` of a fragment's selections, worked out once per fragment;
    an unknown fragment or a cycle counts 0 (graphql's own rules report them)."""
    if name in seen or name not in fragments:
        return 0
    if name not in memo:
        memo[name] = measure(fragments[name].selection_set, seen | {name})
    return memo[name]


def operation_depth(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], memo: dict[str, int]) -> int:
    """How many fields deep the deepest leaf is (introspection fields count 0)."""

    def depth(selections: SelectionSetNode | None, seen: frozenset[str]) -> int:
        deepest = 0
        for selection in selections.selections if selections is not None else ():
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__") or selection.selection_set is None:
                    continue
                deepest = max(deepest, 1 + depth(selection.selection_set, seen))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, depth(selection.selection_set, seen))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, _spread(selection.name.value, fragments, seen, memo, depth))
        return deepest

    return depth(selection_set, frozenset())


def alias_count(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], memo: dict[str, int]) -> int:
    """Aliased fields, each fragment counted once per spread."""

    def count(selections: SelectionSetNode | None, seen: frozenset[str]) -> int:
        total = 0
        for selection in selections.selections if selections is not None else ():
            if isinstance(selection, FieldNode):
                total += (1 if selection.alias else 0) + count(selection.selection_set, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                total += _spread(selection.name.value, fragments, seen, memo, count)
        return total

    return count(selection_set, frozenset())


def depth_rule(max_depth: int) -> type[ValidationRule]:
    class MaxDepthValidator(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments, memo = _fragments(context.document), {}
            for operation in _operations(context.document):
                if operation_depth(operation.selection_set, fragments, memo) > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", [operation], extensions={"code": LIMIT_CODE})
                    )

    return MaxDepthValidator


def aliases_rule(max_aliases: int) -> type[ValidationRule]:
    class MaxAliasesValidator(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments, memo = _fragments(context.document), {}
            total = sum(alias_count(operation.selection_set, fragments, memo) for operation in _operations(context.document))
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}", extensions={"code": LIMIT_CODE}))

    return MaxAliasesValidator


def estimate_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    *,
    default_list_size: int,
    variable_list_size: int,
    seen: frozenset[str] = frozenset(),
    memo: dict[str, int] | None = None,
) -> int:
    """Each field costs 1, times the page it asks for: a field with a `first`
    or `limit` argument multiplies the cost of what it selects by that number
    (by `variable_list_size`, the largest page allowed, when it is a variable;
    by `default_list_size` when it is left out). Introspection costs nothing.

    A fragment's cost does not depend on where it is spread, so it is worked
    out once (`memo`): fragments that spread each other twice per level would
    otherwise cost time exponential in the length of the query."""
    if selection_set is None:
        return 0
    memo = {} if memo is None else memo
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in INTROSPECTION_FIELDS:
                continue
            multiplier = 1
            if selection.selection_set is not None:
                multiplier = _page_of(selection, default_list_size, variable_list_size)
            inner = estimate_cost(
                selection.selection_set, fragments,
                default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen, memo=memo,
            )
            total += 1 + multiplier * inner
        elif isinstance(selection, InlineFragmentNode):
            total += estimate_cost(
                selection.selection_set, fragments,
                default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen, memo=memo,
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:  # cycles are reported by graphql's own rules
                continue
            if name not in memo:
                memo[name] = estimate_cost(
                    fragments[name].selection_set, fragments,
                    default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen | {name}, memo=memo,
                )
            total += memo[name]
    return total


def _page_of(field: FieldNode, default_list_size: int, variable_list_size: int) -> int:
    for argument in field.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            if isinstance(argument.value, IntValueNode):
                return max(1, int(argument.value.value))
            return variable_list_size
    return default_list_size if _is_list_field(field) else 1


# Fields of a node that return lists without a page argument; the cost
# guesses their size. (The `nodes` and `hits` of a page are not here: the
# page's own `first` already multiplies them.)
_LIST_FIELDS = frozenset({"edges", "neighbours", "measurements"})


def _is_list_field(field: FieldNode) -> bool:
    return field.name.value in _LIST_FIELDS


def cost_rule(max_cost: int, *, default_list_size: int, variable_list_size: int) -> type[ValidationRule]:
    class MaxCostValidator(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = _fragments(document)
            memo: dict[str, int] = {}  # a fragment's cost, shared by every operation of the document
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                cost = estimate_cost(definition.selection_set, fragments, default_list_size=default_list_size, variable_list_size=variable_list_size, memo=memo)
                if cost > max_cost:
                    name = definition.name.value if definition.name else "the operation"
                    context.report_error(
                        GraphQLError(
                            f"{name} has an estimated cost of {cost}; this server accepts at most {max_cost}. "
                            "Ask for smaller pages (`first`, `limit`) or fewer nested lists.",
                            extensions={"code": LIMIT_CODE, "cost": cost, "maxCost": max_cost},
                        )
                    )

    return MaxCostValidator


def extensions_for(settings: dict[str, Any], *, list_size_estimate: int) -> list[Any]:
    """The schema extensions enforcing the limits in `settings`."""
    rules: list[type[ValidationRule]] = [
        depth_rule(settings["max_query_depth"]),
        aliases_rule(settings["max_aliases"]),
        cost_rule(settings["max_query_cost"], default_list_size=list_size_estimate, variable_list_size=settings["max_page_size"]),
    ]
    return [lambda: AddValidationRules(rules)]


# --------------------------------------------------------------------------
# Request body size: plain ASGI middleware, before any route reads the body.
# --------------------------------------------------------------------------


class BodyTooLarge(Exception):
    pass


def body_too_large_message(limit: int) -> str:
    return f"the request body is larger than this server's limit of {limit} bytes (setting max_upload_bytes)"


class BodySizeLimit:
    """Refuses request bodies over `limit` bytes with HTTP 413, whether the
    client announces the length (Content-Length) or streams it (chunked)."""

    def __init__(self, app: Any, limit: int, render: Any):
        self.app = app
        self.limit = limit
        self.render = render  # (status, code, message) -> (headers, body bytes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(send)
                return
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        headers, body = self.render(413, LIMIT_CODE, body_too_large_message(self.limit))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
