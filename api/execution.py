"""How GraphQL executes here: graphql-core's executor, with a short path for
plain attributes.

Most fields of an answer are leaves read straight off a record: a node's
id, kind and name, an edge's relation and direction. The general executor
spends several microseconds on each (a resolve-info object, argument
parsing, awaitable checks, value completion through four functions), which
for the reference query of issue 5 (100 papers, about 900 edges, each
neighbour's id, kind and title: some 5,600 fields) is most of the time.
`PlainAttributeExecutionContext` answers such a field directly, with the
same serialisation the executor would apply (`coerce_output_value` of the
field's scalar or enum type), and hands everything else to the general path
unchanged: fields with resolvers or arguments, objects and lists, and any
value that is missing, null where not allowed, or fails to serialise, so
errors keep their message, path and location.

"Plain" is what strawberry itself treats as a basic field (no resolver, no
permission classes, no field extensions: its resolver is marked
`_is_default`) with strawberry's default resolver (getattr), a leaf return
type, no arguments and no middleware. Should a strawberry release drop the
marker, no field counts as plain and every field takes the general path.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLObjectType, Undefined, is_leaf_type, is_non_null_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


class PlainAttributeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (parent type, id(field details list)) -> (the list, kept alive so its
        # id is not reused; (attribute, coerce, nullable) or None when not plain).
        # graphql-core memoizes sub-field collection, so every item of a list
        # passes the same field details list: one lookup per field and item.
        self._plain: dict[tuple[Any, int], tuple[Any, Any]] = {}
        manager = self.middleware_manager
        self._no_middleware = manager is None or not manager.middlewares

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Any, position_context: Any) -> Any:
        key = (parent_type, id(field_details_list))
        entry = self._plain.get(key)
        if entry is None:
            entry = self._plain[key] = (field_details_list, self._plain_leaf(parent_type, field_details_list))
        leaf = entry[1]
        if leaf is not None:
            attribute, coerce, nullable = leaf
            try:
                value = getattr(source, attribute)
                if value is None:
                    if nullable:
                        return None
                else:
                    coerced = coerce(value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
            except Exception:  # noqa: BLE001, S110 (the general path below reports it properly)
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _plain_leaf(self, parent_type: GraphQLObjectType, field_details_list: Any) -> tuple[str, Any, bool] | None:
        if not self._no_middleware:
            return None
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or field_def.args or node.arguments:
            return None
        if not getattr(field_def.resolve, "_is_default", False):
            return None
        definition = (field_def.extensions or {}).get(_DEFINITION)
        if definition is None or getattr(definition, "default_resolver", None) is not getattr:
            return None
        return_type = field_def.type
        nullable = not is_non_null_type(return_type)
        inner = return_type if nullable else return_type.of_type
        if not is_leaf_type(inner):
            return None
        coerce = _enum_coercion(inner) if isinstance(inner, GraphQLEnumType) else inner.coerce_output_value
        return definition.python_name, coerce, nullable


def _enum_coercion(enum_type: GraphQLEnumType) -> Any:
    """An enum's value -> name as one dict lookup, for stored values (plain
    strings) and Enum members alike; anything else (None here) sends the
    field down the general path, which reports it."""
    names: dict[Any, str] = {}
    wrapped = getattr(enum_type, "wrapped_cls", None)
    for name, value in enum_type.values.items():
        names[value.value] = name
        if wrapped is not None:
            names[wrapped(value.value)] = name
    return names.get
