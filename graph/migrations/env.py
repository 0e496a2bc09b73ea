"""Alembic's environment: runs migrations on the connection db.py hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from aiprogress.graph import models  # noqa: F401  (registers the tables)


def include_object(obj, name, type_, reflected, compare_to):
    # Tables the models do not declare (SQLite's FTS5 index node_fts and its
    # shadow tables, created by graph/search.py) are not Alembic's to manage.
    if type_ == "table" and reflected and compare_to is None:
        return False
    return True


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("aiprogress migrations run through aiprogress.graph.db (upgrade_schema), not alembic's CLI")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        include_object=include_object,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
