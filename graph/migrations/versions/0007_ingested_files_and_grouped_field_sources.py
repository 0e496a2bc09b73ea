"""Files ingested whole, recorded so the same bytes are skipped next time
(ingested_file); each paper's field sources stored grouped by provenance,
the provenance once per paper instead of once per field (models.FieldSources).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 2000


def _pack(sources: dict) -> list:
    # models.pack_field_sources as of this revision (a migration does not follow later code).
    groups: list[list[str]] = []
    for name, provenance in sources.items():
        if groups and groups[-1][0] == provenance:
            groups[-1].append(name)
        else:
            groups.append([provenance, name])
    return groups


def _unpack(stored) -> dict:
    if isinstance(stored, dict):
        return stored
    return {name: group[0] for group in stored or () for name in group[1:]}


def _rewrite_field_sources(convert) -> None:
    paper = sa.table("paper", sa.column("node_id", sa.String), sa.column("field_sources", sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(paper.c.node_id, paper.c.field_sources).order_by(paper.c.node_id)).all()
    update = paper.update().where(paper.c.node_id == sa.bindparam("b_node_id")).values(field_sources=sa.bindparam("b_sources"))
    changed = [{"b_node_id": node_id, "b_sources": convert(stored)} for node_id, stored in rows]
    changed = [c for c, (_, stored) in zip(changed, rows) if c["b_sources"] != stored]
    for i in range(0, len(changed), _BATCH):
        bind.execute(update, changed[i:i + _BATCH])


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("ingested_file"):
        op.create_table(
            "ingested_file",
            sa.Column("name", sa.String(length=400), nullable=False),
            sa.Column("sha256", sa.String(length=64), nullable=False),
            sa.Column("settings", sa.String(), nullable=False),
            sa.Column("papers", sa.LargeBinary(), nullable=False),
            sa.Column("ingested_at", sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint("name"),
        )
    # Rows already grouped (a store made by create_all from these models) are left as they are.
    _rewrite_field_sources(lambda stored: _pack(stored) if isinstance(stored, dict) else stored)


def downgrade() -> None:
    _rewrite_field_sources(_unpack)
    op.drop_table("ingested_file")
