"""References to works not yet in the store (pending_citation), kept until
the work arrives and the reference becomes a `cites` edge.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("pending_citation"):
        return  # made by create_all from these models before migrations were adopted (db.upgrade_schema)
    op.create_table(
        "pending_citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citing_id", sa.String(length=400), nullable=False),
        sa.Column("ref_key", sa.String(length=400), nullable=False),
        sa.Column("doi", sa.String(length=400), nullable=True),
        sa.Column("arxiv_id", sa.String(length=100), nullable=True),
        sa.Column("openalex_id", sa.String(length=40), nullable=True),
        sa.Column("s2_id", sa.String(length=40), nullable=True),
        sa.Column("mag_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("influential", sa.Boolean(), nullable=True),
        sa.Column("provenance", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["citing_id"], ["node.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("citing_id", "ref_key", name="uq_pending_citation"),
    )
    for column in ("citing_id", "doi", "arxiv_id", "openalex_id", "s2_id", "mag_id"):
        op.create_index(f"ix_pending_citation_{column}", "pending_citation", [column])


def downgrade() -> None:
    op.drop_table("pending_citation")
