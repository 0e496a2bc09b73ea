"""The schema is a contract: api/schema.graphql is committed, and the code's
schema must not drift from it. After an intended change, regenerate it with
`python -m aiprogress.api.schema` and commit the diff with the change."""

from __future__ import annotations

import difflib

from aiprogress.api.schema import SCHEMA_FILE, schema_text
from aiprogress.graph.models import Edge, Node, Paper


def test_schema_graphql_matches_the_code():
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    current = schema_text()
    if committed != current:
        diff = "".join(difflib.unified_diff(committed.splitlines(True), current.splitlines(True), "api/schema.graphql (committed)", "schema of the code"))
        raise AssertionError("the GraphQL schema drifted from api/schema.graphql; run `python -m aiprogress.api.schema` if intended:\n" + diff)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_model_field_is_in_the_schema_with_its_description():
    sdl = schema_text()
    for model, skip in ((Node, {"category", "binding"}), (Paper, {"node_id", "title_key", "year"}), (Edge, set())):
        for name, info in model.model_fields.items():
            if name in skip:
                continue
            assert f"  {_camel(name)}:" in sdl, f"{model.__name__}.{name} is missing from the schema"
            if info.description:
                assert info.description in sdl, f"description of {model.__name__}.{name} is missing"
