"""Abuse limits: query depth, aliases, estimated cost, request body size.

Depth and aliases use strawberry's own validators; the cost estimate is ours.
Every limit error carries `extensions.code = "limit-exceeded"` and says what
the limit is. Introspection (`__schema`, `__type`) is exempt from the depth
limit, so GraphiQL and code generators keep working.
"""

from __future__ import annotations

from collections.abc import Iterable
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
from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter
from strawberry.extensions.query_depth_limiter import IgnoreContext

from ..graph.errors import LimitExceeded

LIMIT_CODE = LimitExceeded.code
PAGE_ARGUMENTS = ("first", "limit")
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _with_code(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    """The same validation rule, its errors tagged with `extensions.code`."""

    class Coded(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: ValidationContext) -> None:
            report = context.report_error

            def report_with_code(error: GraphQLError) -> None:
                error.extensions = {**(error.extensions or {}), "code": code}
                report(error)

            context.report_error = report_with_code  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                context.report_error = report  # type: ignore[method-assign]

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


def _is_introspection(context: IgnoreContext) -> bool:
    return context.field_name in INTROSPECTION_FIELDS


def estimate_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    *,
    default_list_size: int,
    variable_list_size: int,
    seen: frozenset[str] = frozenset(),
) -> int:
    """Each field costs 1, times the page it asks for: a field with a `first`
    or `limit` argument multiplies the cost of what it selects by that number
    (by `variable_list_size`, the largest page allowed, when it is a variable;
    by `default_list_size` when it is left out). Introspection costs nothing."""
    if selection_set is None:
        return 0
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
                default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen,
            )
            total += 1 + multiplier * inner
        elif isinstance(selection, InlineFragmentNode):
            total += estimate_cost(selection.selection_set, fragments, default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:  # cycles are reported by graphql's own rules
                continue
            total += estimate_cost(fragments[name].selection_set, fragments, default_list_size=default_list_size, variable_list_size=variable_list_size, seen=seen | {name})
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
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                cost = estimate_cost(definition.selection_set, fragments, default_list_size=default_list_size, variable_list_size=variable_list_size)
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
    depth = QueryDepthLimiter(max_depth=settings["max_query_depth"], should_ignore=_is_introspection)
    aliases = MaxAliasesLimiter(max_alias_count=settings["max_aliases"])
    rules: list[type[ValidationRule]] = [_with_code(rule, LIMIT_CODE) for rule in (*depth.validation_rules, *aliases.validation_rules)]
    rules.append(cost_rule(settings["max_query_cost"], default_list_size=list_size_estimate, variable_list_size=settings["max_page_size"]))
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
