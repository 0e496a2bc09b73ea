"""How GraphQL executes here: graphql-core's executor, with a short path for
values that are plain data.

Most of an answer is read straight off records: a node's id, kind and name,
an edge's relation, direction and other end. The general executor spends
several microseconds on each field (a resolve-info object, a path entry,
argument parsing, awaitable checks, value completion through four or five
functions), which for the reference query (100 papers, about 900
edges, each other end's id, kind and title: some 5,600 fields) was most of
the time. `PlainAttributeExecutionContext` compiles, once per request and
selection, a function that builds the same answer directly:

- a *plain field* is what strawberry itself treats as a basic field (no
  resolver, permission classes or field extensions: its resolver is marked
  `_is_default`) read with strawberry's default resolver (getattr), without
  arguments or directives; or a field whose resolver is marked
  `context_only` (it reads only `info.context`), when the query gives it
  no arguments or directives: called with the context alone;
- a *plain value* is a scalar or enum (serialised by the type's own
  `coerce_output_value`, or for an enum the same value -> name table), a
  list of plain values, or an object (concrete, or an interface/union whose
  `resolve_type` names it) whose selected fields are all plain, `__typename`
  included.

A field or value that is not plain takes the general path, unchanged. So
does any plain value the short path cannot finish: a null where the schema
forbids one, a value that does not serialise, a failing `is_type_of` or
`resolve_type`, an exception while reading. Completing a plain value has no
side effects, so the general path can start it again from the beginning and
report the error with its message, path and location as it always would.
`resolve_type` and `is_type_of` get no resolve info on the short path (None):
one that needs it fails there and the value takes the general path.
Should a strawberry release drop the `_is_default` marker, nothing counts as
plain and every field takes the general path. Hooks and markers are not
public API, so pyproject.toml pins strawberry and graphql-core to the minor
versions tested, and tests/test_api_execution.py is the gate for moving a
pin: the same answers and errors as the general executor, and plain fields
actually taking the short path.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from functools import lru_cache
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    Undefined,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
TYPENAME = "__typename"

# value -> completed value; raises (anything) when it cannot finish.
Completer = Callable[[Any], Any]


# A resolver marked so (`context_only`) reads nothing of its resolve info
# but `.context` and has no side effects beyond the request's caches: when
# the query gives it no arguments, the short path calls it itself, with a
# `ContextInfo`, and the object it belongs to can still be plain.
CONTEXT_ONLY = "_reads_only_context"


def context_only(resolve: Callable[..., Any]) -> Callable[..., Any]:
    setattr(resolve, CONTEXT_ONLY, True)
    return resolve


class ContextInfo:
    __slots__ = ("context",)

    def __init__(self, context: Any):
        self.context = context


class _CannotFinish(Exception):
    pass


def _cannot_finish() -> None:
    raise _CannotFinish


class PlainAttributeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._no_middleware = manager is None or not manager.middlewares
        # Keyed by (type, id(field details list)). graphql-core memoizes the
        # collection of sub-fields, so every item of a list passes the same
        # field details list; the list is kept in the value so its id stays
        # unique while the request runs.
        self._plain_fields: dict[tuple[Any, int], tuple[Any, Any]] = {}
        self._completers: dict[tuple[Any, int], tuple[Any, Any]] = {}
        self._objects: dict[tuple[Any, int], tuple[Any, Any]] = {}

    # ---- the executor's hooks ---------------------------------------------

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Any, position_context: Any) -> Any:
        key = (parent_type, id(field_details_list))
        entry = self._plain_fields.get(key)
        if entry is None:
            entry = self._plain_fields[key] = (field_details_list, self._plain_field(parent_type, field_details_list))
        plain = entry[1]
        if plain is not None:
            read, complete = plain
            try:
                return complete(read(source))
            except Exception:  # noqa: BLE001, S110 (the general path reports it properly)
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any, position_context: Any) -> Any:
        complete = self._completer(return_type, field_details_list)
        if complete is not None:
            try:
                return complete(result)
            except Exception:  # noqa: BLE001, S110 (the general path reports it properly)
                pass
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    # ---- compiling -----------------------------------------------------------

    def _plain_field(self, parent_type: GraphQLObjectType, field_details_list: Any) -> tuple[Completer, Completer] | None:
        """(read, completer) of a plain field of `parent_type`, or None."""
        if not self._no_middleware:
            return None
        node = field_details_list[0].node
        if node.arguments or any(d.node.directives for d in field_details_list):
            return None
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None:
            return None
        read = self._reader(field_def)
        if read is None:
            return None
        complete = self._completer(field_def.type, field_details_list)
        return None if complete is None else (read, complete)

    def _reader(self, field_def: Any) -> Completer | None:
        """How the short path reads a field with no arguments given: the
        attribute, or a `context_only` resolver called with the context."""
        resolve = field_def.resolve
        if getattr(resolve, CONTEXT_ONLY, False):
            info = ContextInfo(self.context_value)
            return lambda source: resolve(source, info)
        if field_def.args or not getattr(resolve, "_is_default", False):
            return None
        definition = (field_def.extensions or {}).get(_DEFINITION)
        if definition is None or getattr(definition, "default_resolver", None) is not getattr:
            return None
        return attrgetter(definition.python_name)

    def _completer(self, return_type: Any, field_details_list: Any) -> Completer | None:
        key = (return_type, id(field_details_list))
        entry = self._completers.get(key)
        if entry is None:
            entry = self._completers[key] = (field_details_list, self._compile(return_type, field_details_list))
        return entry[1]

    def _compile(self, return_type: Any, field_details_list: Any) -> Completer | None:
        non_null = isinstance(return_type, GraphQLNonNull)
        inner_type = return_type.of_type if non_null else return_type
        if is_leaf_type(inner_type):  # most fields: one function, no wrappers
            return _leaf(inner_type, non_null)
        inner = self._compile_nullable(inner_type, field_details_list)
        if inner is None:
            return None
        if non_null:

            def required(value: Any) -> Any:
                if value is None:
                    _cannot_finish()
                return inner(value)

            setattr(required, WRAPS, (inner, True))
            return required

        def optional(value: Any) -> Any:
            return None if value is None else inner(value)

        setattr(optional, WRAPS, (inner, False))
        return optional

    def _compile_nullable(self, return_type: Any, field_details_list: Any) -> Completer | None:
        if isinstance(return_type, GraphQLList):
            item = self._completer(return_type.of_type, field_details_list)
            if item is None or any(d.node.directives for d in field_details_list):  # @stream
                return None

            wrapped = getattr(item, WRAPS, None)
            if wrapped is not None:  # the null check written into the loop: a call fewer per item
                inner, non_null = wrapped
                if non_null:

                    def items(value: Any) -> Any:
                        if isinstance(value, (str, bytes, dict)):
                            _cannot_finish()
                        return [_cannot_finish() if v is None else inner(v) for v in value]

                    return items

                def items(value: Any) -> Any:
                    if isinstance(value, (str, bytes, dict)):
                        _cannot_finish()
                    return [None if v is None else inner(v) for v in value]

                return items

            def items(value: Any) -> Any:
                if isinstance(value, (str, bytes, dict)):
                    _cannot_finish()
                return [item(v) for v in value]

            return items
        if is_object_type(return_type):
            return self._object(return_type, field_details_list)
        if is_abstract_type(return_type):
            return self._abstract(return_type, field_details_list)
        return None

    def _object(self, object_type: GraphQLObjectType, field_details_list: Any) -> Completer | None:
        key = (object_type, id(field_details_list))
        entry = self._objects.get(key)
        if entry is None:
            entry = self._objects[key] = (field_details_list, self._compile_object(object_type, field_details_list))
        return entry[1]

    def _compile_object(self, object_type: GraphQLObjectType, field_details_list: Any) -> Completer | None:
        grouped, defer_usages, *_ = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        fields: list[tuple[str, Completer | None, Completer | None]] = []
        for response_name, sub_fields in grouped.items():
            if sub_fields[0].node.name.value == TYPENAME:
                fields.append((response_name, None, None))
                continue
            plain = self._plain_field(object_type, sub_fields)
            if plain is None:
                return None
            fields.append((response_name, *plain))
        return _object_completer(object_type.name, object_type.is_type_of, fields)

    def _abstract(self, abstract_type: Any, field_details_list: Any) -> Completer | None:
        resolve_type = abstract_type.resolve_type
        if resolve_type is None:
            return None
        possible = {t.name: t for t in self.schema.get_possible_types(abstract_type)}
        # Compiled for the runtime types met, when first met: an interface of
        # many types (Node) whose objects select sub-objects of the interface
        # again (edges' other ends) would otherwise compile every pair of them.
        by_name: dict[str, Completer | None] = {}

        def complete_abstract(value: Any) -> Any:
            # A name that is not a possible type (or not a name) raises here, or
            # finds None: the general path reports it.
            name = resolve_type(value, None, abstract_type)
            try:
                complete = by_name[name]
            except KeyError:
                complete = by_name[name] = self._object(possible[name], field_details_list)
            return complete(value)

        return complete_abstract


def _object_completer(type_name: str, is_type_of: Any, fields: list[tuple[str, Completer | None, Completer | None]]) -> Completer:
    """One function completing an object's selected plain fields: Python
    source written for the selection and compiled once per request. It does
    what a loop over `fields` calling each reader and completer would
    (`{name: complete(read(value)) ...}`, in order, `__typename` where asked)
    without a call per field where none is needed: a reader that is
    getattr of an attribute becomes `value.<attribute>`, and a String or ID
    already a str is its own answer (what graphql-core's serialisers return
    for it) and an enum's name is one dict lookup, so only other values go
    through the completer. Most of an
    answer is such fields (ids, names, titles): a call or two fewer for each
    took the reference query's execution from about 7.0 to 6.4 ms (median
    CPU, on a loaded machine)."""
    names: dict[str, Any] = {"is_type_of": is_type_of, "_cannot_finish": _cannot_finish}
    lines = ["def complete_object(value):"]
    if is_type_of is not None:
        lines.append("    if is_type_of(value, None) is not True: _cannot_finish()")
    items = []
    for i, (response_name, read, complete) in enumerate(fields):
        if read is None:
            items.append(f"{response_name!r}: {type_name!r}")
            continue
        attribute = _attribute_of(read)
        if attribute is not None:
            source = f"value.{attribute}"
        else:
            names[f"read{i}"] = read
            source = f"read{i}(value)"
        wrapped = getattr(complete, WRAPS, None)
        enum_names = getattr(complete, ENUM_NAMES, None)
        if getattr(complete, STR_IS_ITS_OWN_ANSWER, False):
            names[f"complete{i}"] = complete
            lines.append(f"    v{i} = {source}")
            lines.append(f"    if v{i}.__class__ is not str: v{i} = complete{i}(v{i})")
        elif enum_names is not None:  # the name looked up here; a value without one (null too) goes to the completer
            names[f"complete{i}"], names[f"enum{i}"] = complete, enum_names
            lines.append(f"    r{i} = {source}")
            lines.append(f"    v{i} = enum{i}(r{i})")
            lines.append(f"    if v{i} is None: v{i} = complete{i}(r{i})")
        elif wrapped is not None:  # an object or list: its null check written here
            names[f"complete{i}"], non_null = wrapped
            lines.append(f"    v{i} = {source}")
            if non_null:
                lines.append(f"    if v{i} is None: _cannot_finish()")
                lines.append(f"    v{i} = complete{i}(v{i})")
            else:
                lines.append(f"    if v{i} is not None: v{i} = complete{i}(v{i})")
        else:
            names[f"complete{i}"] = complete
            lines.append(f"    v{i} = complete{i}({source})")
        items.append(f"{response_name!r}: v{i}")
    lines.append(f"    return {{{', '.join(items)}}}")
    exec(_compiled("\n".join(lines)), names)  # noqa: S102 (source made of names checked here)
    return names["complete_object"]


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    # Compiling costs more than completing a small answer: a client repeats
    # its queries, so each distinct source is compiled once (bounded, so
    # unique queries cannot grow memory). The code refers to its readers and
    # completers by name only; each request binds its own.
    return compile(source, "<complete object>", "exec")


# Marks a completer of a non-leaf type that checks for null and hands the
# rest to another: (that completer, whether null is refused). Where it is
# called for many values (a list's items, an object's fields) the check is
# written in place instead, a call fewer per value.
WRAPS = "_wraps"

# Marks an enum's leaf completer with its value -> name lookup (a dict's
# `get`): a value found there is completed without calling the completer.
ENUM_NAMES = "_enum_names"

# Marks a leaf completer for which a value of type str is already the
# completed value (String and ID: graphql-core returns such a value as is).
STR_IS_ITS_OWN_ANSWER = "_str_is_its_own_answer"
_STR_SERIALISERS = (GraphQLString.coerce_output_value, GraphQLID.coerce_output_value)


def _attribute_of(read: Any) -> str | None:
    """The attribute a reader made by `attrgetter` of one plain identifier
    reads, else None (a resolver, or a dotted path)."""
    if type(read) is not attrgetter:
        return None
    attribute = read.__reduce__()[1]
    if len(attribute) != 1 or not isinstance(attribute[0], str):
        return None
    name = attribute[0]
    return name if name.isidentifier() and not keyword.iskeyword(name) else None


def _leaf(leaf_type: Any, non_null: bool) -> Completer:
    coerce = _enum_coercion(leaf_type) if isinstance(leaf_type, GraphQLEnumType) else leaf_type.coerce_output_value

    def leaf(value: Any) -> Any:
        if value is None:
            if non_null:
                _cannot_finish()
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            _cannot_finish()
        return coerced

    if coerce in _STR_SERIALISERS:
        setattr(leaf, STR_IS_ITS_OWN_ANSWER, True)
    elif isinstance(leaf_type, GraphQLEnumType):
        setattr(leaf, ENUM_NAMES, coerce)
    return leaf


def _enum_coercion(enum_type: GraphQLEnumType) -> Callable[[Any], Any]:
    """An enum's value -> name as one dict lookup, for stored values (plain
    strings) and Enum members alike; anything else gives None, which sends
    the value down the general path to be reported."""
    names: dict[Any, str] = {}
    wrapped = getattr(enum_type, "wrapped_cls", None)
    for name, value in enum_type.values.items():
        names[value.value] = name
        if wrapped is not None:
            names[wrapped(value.value)] = name
    return names.get
