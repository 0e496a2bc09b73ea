"""Pending citations: references to works not in the store yet
(models.PendingCitation), as the gaps query and the CLI show them."""

from __future__ import annotations

from collections.abc import Container

from sqlalchemy import select
from sqlmodel import Session

from .models import PendingCitation


def unresolved_references(session: Session, citing: Container[str] | None = None) -> list[str]:
    """'citing id -> scheme:id' for every pending citation, or for those of
    the citing works in `citing` when given (the nodes a graph of an earlier
    year still holds)."""
    table = PendingCitation.__table__
    rows = session.execute(select(table.c.citing_id, table.c.ref_key).order_by(table.c.citing_id, table.c.ref_key))
    return [f"{source} -> {ref}" for source, ref in rows if citing is None or source in citing]
