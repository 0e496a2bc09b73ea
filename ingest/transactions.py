"""How a file's batches meet the database: each batch its own transaction
(retried whole when another writer got in the way), or the whole file in one
(strict: rolled back on the first problem; dry run: always rolled back).

With batches committed one by one, a kill at any moment leaves whole batches,
and a re-run finds the papers already written by their citation keys and
completes the file without duplicates. What other writers cause (busy,
serialization failures, a key taken first) retries the batch (db.write),
with its report counts rolled back first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..graph import db as database
from ..graph.db import session_scope
from .report import IngestReport, Run

InBatch = Callable[[Run, Callable[[Session], None]], None]


def in_session(session: Session) -> InBatch:
    """Every batch in the caller's transaction."""
    return lambda run, work: work(session)


def committed_batches(engine: Engine, report: IngestReport) -> InBatch:
    """Run each batch in its own transaction, retried whole when another writer
    got in the way (database.write); a retry first rolls the report back to
    where the batch started, so nothing is counted twice."""

    def in_batch(run: Run, work: Callable[[Session], None]) -> None:
        saved = {k: v for k, v in vars(report).items() if k != "problems"}
        n_problems, n_placed = len(report.problems), len(run.placed)

        def attempt(session: Session) -> None:
            vars(report).update(saved)
            del report.problems[n_problems:]
            del run.placed[n_placed:]
            work(session)

        database.write(engine, attempt)

    return in_batch


@contextmanager
def one_transaction(engine: Engine, *, rollback: bool) -> Iterator[Session]:
    if not rollback:
        with session_scope(engine, writes=True) as session:
            yield session
        return
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.info.pop("graph_changed", None)
            session.rollback()
