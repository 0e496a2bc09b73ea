"""Pending citations: references to works not in the store yet
(models.PendingCitation), as the gaps query and the CLI show them."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from .models import PendingCitation


def unresolved_references(session: Session) -> list[str]:
    """'citing id -> scheme:id' for every pending citation."""
    table = PendingCitation.__table__
    rows = session.execute(select(table.c.citing_id, table.c.ref_key).order_by(table.c.citing_id, table.c.ref_key))
    return [f"{citing} -> {ref}" for citing, ref in rows]
