"""GraphQL fields derived from the SQLModel declarations in graph/models.py.

A field of the graph is declared once, in graph/models.py, with its type and
description; `fields_from` copies it onto a strawberry class, so the GraphQL
schema cannot fall out of step with the tables. Snake-case names become
camelCase in GraphQL (strawberry's default): `arxiv_id` -> `arxivId`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from sqlmodel import SQLModel
from strawberry.scalars import JSON

Reader = Callable[[Any, strawberry.Info], Any]
MODEL_DEFAULTS = "model"
_OUTPUT = object()


def graphql_annotation(annotation: Any) -> Any:
    """The strawberry annotation for a model field's annotation.

    `X | None` stays optional; dicts become the JSON scalar; lists, str, int,
    float and bool map as they are."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return typing.Optional[graphql_annotation(inner)]  # noqa: UP045 (built at run time)
    if annotation is dict or typing.get_origin(annotation) is dict or annotation is Any:
        return JSON
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return list[graphql_annotation(item)]
    return annotation


def declared_fields(model: type) -> dict[str, Any]:
    """name -> pydantic FieldInfo of a model, or a stand-in for a dataclass's fields."""
    if hasattr(model, "model_fields"):
        return dict(model.model_fields)
    hints = typing.get_type_hints(model)
    out = {}
    for f in dataclasses.fields(model):
        out[f.name] = _DataclassField(annotation=hints[f.name], description=f.metadata.get("description"))
    return out


@dataclasses.dataclass
class _DataclassField:
    annotation: Any
    description: str | None = None


def _reading_resolver(name: str, annotation: Any, read: Reader) -> Callable[..., Any]:
    def resolve(root: Any, info: strawberry.Info) -> Any:
        source = read(root, info)
        return None if source is None else getattr(source, name)

    resolve.__annotations__ = {"root": Any, "info": strawberry.Info, "return": annotation}
    resolve.__name__ = f"resolve_{name}"
    return resolve


def fields_from(
    model: type[SQLModel] | type,
    *,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    types_: dict[str, Any] | None = None,
    read: Reader | None = None,
    defaults: Any = _OUTPUT,
) -> Callable[[type], type]:
    """A class decorator adding `model`'s fields (a SQLModel, or a dataclass such as a report) (name, type, description) to a
    class about to become a strawberry type or interface.

    `types_` replaces the GraphQL type of named fields (an enum for a string
    column, `strawberry.ID` for a key). Without `read` the fields are read off
    the root object by attribute; with it, `read(root, info)` gives the
    object to read them from (e.g. a paper's bibliographic row, through a
    DataLoader).

    For input types, `defaults=MODEL_DEFAULTS` gives each field the model's
    default (None for an optional field without one) and leaves the others
    required; any other value (e.g. `strawberry.UNSET`) becomes the default
    of every field, so a client sends only what it wants to change."""
    types_ = types_ or {}
    skip = set(exclude)
    declared = declared_fields(model)
    names = [n for n in (only or declared) if n not in skip]

    def decorate(cls: type) -> type:
        annotations = dict(cls.__dict__.get("__annotations__", {}))
        for name in names:
            info = declared[name]
            annotation = types_.get(name, graphql_annotation(info.annotation))
            if defaults is not _OUTPUT:
                if defaults is MODEL_DEFAULTS:
                    default = _input_default(info, annotation)
                else:  # every field may be left out, so every field is optional
                    default = defaults
                    annotation = typing.Optional[annotation]  # noqa: UP045
                annotations[name] = annotation
                setattr(cls, name, strawberry.field(description=info.description, default=default))
            elif read is None:
                annotations[name] = annotation
                setattr(cls, name, strawberry.field(description=info.description))
            else:
                setattr(cls, name, strawberry.field(resolver=_reading_resolver(name, annotation, read), description=info.description))
        cls.__annotations__ = annotations
        return cls

    return decorate


def _input_default(info: Any, annotation: Any) -> Any:
    if not info.is_required():
        return info.get_default(call_default_factory=True)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation):
        return None
    return dataclasses.MISSING


