"""Open a database from a URL, create its schema, hand out sessions.

This is the only module that knows which database engine is underneath:
SQLite pragmas (foreign keys, WAL, busy timeout) live here, and so will any
PostgreSQL specifics. Everything else talks SQLAlchemy/SQLModel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, SQLModel, create_engine

from . import models, settings  # noqa: F401  (models registers the tables on SQLModel.metadata)
from .errors import InvalidInput
from .search import create_index as create_search_index

DEFAULT_DATABASE_URL = settings.BY_NAME["database_url"].default


def url_from(db: str | None) -> str:
    """Turn a `--db` value (a URL or a plain file path) into a database URL.

    Precedence: the explicit value, then AIPROGRESS_DATABASE_URL, then
    `aiprogress.db` in the working directory."""
    value = settings.get("database_url", db or None)
    if "://" not in value:
        value = f"sqlite:///{Path(value).expanduser()}"
    return value


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_engine(db: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for `db` (URL or path), with the engine's settings applied."""
    url = url_from(db)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise InvalidInput(f"folder for the database does not exist: {parent}")
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        if database and database != ":memory:":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet (idempotent)."""
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        create_search_index(connection)  # full-text index + triggers (SQLite only)


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("node")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
