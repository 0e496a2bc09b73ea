"""Indexes that repeated the leading column of another dropped: edge.source_id
(uq_edge_triple leads with it), edge.target_id (ix_edge_target_relation) and
pending_citation.citing_id (uq_pending_citation). Every lookup they served
is served by the other; each edge or pending citation written cost one more
B-tree insert for nothing (an OpenAlex import of 10,000 works, 20 references
each: about 8% of its CPU).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_INDEXES = (("ix_edge_source_id", "edge", "source_id"), ("ix_edge_target_id", "edge", "target_id"),
            ("ix_pending_citation_citing_id", "pending_citation", "citing_id"))


def _present(table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    for name, table, _ in _INDEXES:
        # A store made by create_all from these models (db.upgrade_schema adopts it) never had them.
        if name in _present(table):
            op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in reversed(_INDEXES):
        if name not in _present(table):
            op.create_index(name, table, [column], unique=False)
