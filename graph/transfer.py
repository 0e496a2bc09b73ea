"""Move a whole graph from one database to another (SQLite <-> PostgreSQL).

Rows are copied table by table, parents first, in batches, keeping every
key (edge and measurement ids included), inside one transaction on the
target: it holds the whole graph or, on any error, nothing new.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select

from . import db as database
from .errors import Conflict
from .models import TABLES, Node

BATCH = 2000


def copy_graph(source: str, target: str) -> dict[str, int]:
    """Copy every row of the graph at `source` into the empty store at
    `target` (URLs or SQLite paths). Returns rows copied per table."""
    source_engine = database.open_engine(source)
    target_engine = database.open_engine(target)
    try:
        database.check_schema(source_engine)
        if not database.has_schema(source_engine):
            raise Conflict(f"no aiprogress graph at {database.url_from(source)}")
        database.create_schema(target_engine)
        counts: dict[str, int] = {}
        with source_engine.connect() as reader, target_engine.begin() as writer:
            if writer.execute(select(func.count()).select_from(Node.__table__)).scalar():
                raise Conflict(f"{database.url_from(target)} already holds a graph: copy into an empty database")
            for table in TABLES:
                counts[table.name] = 0
                rows = reader.execution_options(yield_per=BATCH).execute(select(table))
                for batch in rows.partitions(BATCH):
                    writer.execute(insert(table), [dict(row._mapping) for row in batch])
                    counts[table.name] += len(batch)
            database.reset_id_sequences(writer)
        return counts
    finally:
        source_engine.dispose()
        target_engine.dispose()
