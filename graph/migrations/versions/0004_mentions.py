"""The linker's links: the relation `mentions` (paper -> technique named in
its text) in the edge table's CHECK constraint, and the table link_verdict
holding people's rejections and confirmations of such links.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BEFORE = "relation IN ('relaxes', 'enables', 'inspired-by', 'introduces', 'cites', 'triggered', 'focuses-on', 'names', 'bears-on', 'embodies')"
_AFTER = "relation IN ('relaxes', 'enables', 'inspired-by', 'introduces', 'cites', 'mentions', 'triggered', 'focuses-on', 'names', 'bears-on', 'embodies')"


def _relations(check: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (the
    # constraint is named, so the copy is made with the new text).
    with op.batch_alter_table("edge", recreate="always" if op.get_context().dialect.name == "sqlite" else "auto") as batch:
        batch.drop_constraint("ck_edge_relation", type_="check")
        batch.create_check_constraint("ck_edge_relation", check)


def upgrade() -> None:
    _relations(_AFTER)
    op.create_table(
        "link_verdict",
        sa.Column("paper_id", sa.String(length=400), nullable=False),
        sa.Column("technique_id", sa.String(length=400), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("provenance", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.CheckConstraint("verdict IN ('rejected', 'confirmed')", name="ck_link_verdict"),
        sa.ForeignKeyConstraint(["paper_id"], ["node.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["technique_id"], ["node.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", "technique_id"),
    )


def downgrade() -> None:
    op.drop_table("link_verdict")
    op.execute("DELETE FROM edge WHERE relation = 'mentions'")
    _relations(_BEFORE)
