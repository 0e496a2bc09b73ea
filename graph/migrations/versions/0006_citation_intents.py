"""Semantic Scholar's citation attributes on the edge: `intents` (JSON list:
background, methodology, result) and `influential` (nullable boolean), so a
walk can follow influential citations only. Both NULL on existing rows.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = ("intents", "influential")


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("edge")}
    # ADD COLUMN of a nullable column: no table copy on SQLite, no rewrite on PostgreSQL.
    if "intents" not in have:  # made by create_all from these models before migrations were adopted (db.upgrade_schema)
        op.add_column("edge", sa.Column("intents", sa.JSON(), nullable=True))
    if "influential" not in have:
        op.add_column("edge", sa.Column("influential", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edge") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
