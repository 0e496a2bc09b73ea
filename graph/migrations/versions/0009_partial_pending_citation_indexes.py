"""pending_citation's identifier indexes made partial (WHERE column IS NOT
NULL). A reference names its work by one or two schemes (an OpenAlex one by
its id alone), so four of the five indexes took a NULL entry for every
pending row written and deleted; the lookups (`column IN (...)`) only ever
want rows with a value. An OpenAlex import of 8,000 works, 20 references
each: about 3% of its CPU (five interleaved pairs, 0.9-5.2%).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS = ("doi", "arxiv_id", "openalex_id", "s2_id", "mag_id")


def _present() -> set[str]:
    return {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("pending_citation")}


def upgrade() -> None:
    present = _present()
    for column in _COLUMNS:
        name = f"ix_pending_citation_{column}"
        if name in present:
            op.drop_index(name, table_name="pending_citation")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "pending_citation", [column], unique=False, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    present = _present()
    for column in reversed(_COLUMNS):
        name = f"ix_pending_citation_{column}"
        if name in present:
            op.drop_index(name, table_name="pending_citation")
        op.create_index(name, "pending_citation", [column], unique=False)
