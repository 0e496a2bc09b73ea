"""Open a database from a URL, create its schema, hand out sessions.

This is the only module that knows which database engine is underneath:
SQLite pragmas (foreign keys, WAL, busy timeout) live here, and so will any
PostgreSQL specifics. Everything else talks SQLAlchemy/SQLModel.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from . import models, settings, values  # noqa: F401  (models registers the tables on SQLModel.metadata)
from .errors import InvalidInput, SchemaVersionError
from .search import create_index as create_search_index
from .search import index_exists as search_index_exists


def url_from(db: str | None) -> str:
    """Turn a `--db` value (a URL or a plain file path) into a database URL.

    Precedence: the explicit value, then AIPROGRESS_DATABASE_URL, then
    `aiprogress.db` in the working directory."""
    value = settings.get("database_url", db or None)
    if "://" not in value:
        value = f"sqlite:///{Path(value).expanduser()}"
    for bare in ("postgresql://", "postgres://"):
        # psycopg 3 is the driver we ship (extra `postgres`); SQLAlchemy's default would be psycopg2.
        if value.startswith(bare):
            value = "postgresql+psycopg://" + value[len(bare):]
    return value


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Reads through memory-mapped pages rather than a read() per page: the
    # evidence of an answer is a handful of random index searches in a large
    # file, each touching several pages (a path's 4 keys on a million edges:
    # 69 -> 38 microseconds). Address space only; SQLite caps it at 2 GB.
    cursor.execute("PRAGMA mmap_size=1073741824")
    # Persistent in the file, so a no-op after the first connection; set here
    # rather than when the engine is made, so that opening an engine creates
    # no file (a read command on a missing database leaves nothing behind).
    if cursor.execute("PRAGMA database_list").fetchone()[2]:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # pysqlite begins a transaction only before an INSERT/UPDATE/DELETE, so
    # the SELECTs of one read each saw the store as it was at that moment
    # (a node list and an edge list from two different states). SQLAlchemy's
    # "begin" event below issues a real BEGIN instead, for reads too.
    dbapi_connection.isolation_level = None


# An execution option marking a transaction that will write: on SQLite it
# takes the write lock at BEGIN (IMMEDIATE), waiting its turn behind other
# writers, instead of reading first and failing to upgrade once another
# writer has committed; on PostgreSQL it runs at READ COMMITTED.
WRITES = "aiprogress_writes"


def _sqlite_begin(connection) -> None:
    writes = connection.get_execution_options().get(WRITES)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


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
        event.listen(engine, "begin", _sqlite_begin)
        values.refuse_nul_in_statements(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # REPEATABLE READ: every statement of a transaction sees the snapshot
        # its first statement saw (READ COMMITTED takes a new one per
        # statement), so a read of several statements is one state of the
        # store. Writes through `write` run at READ COMMITTED instead.
        try:
            engine = create_engine(
                url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 10}, isolation_level="REPEATABLE READ"
            )
        except ImportError:
            raise InvalidInput(
                "the PostgreSQL driver (psycopg) is not installed: pip install 'aiprogress[postgres]'"
            ) from None
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    values.refuse_nul_in_statements(engine)
    return engine


# --------------------------------------------------------------------------
# Schema: created and upgraded through Alembic (graph/migrations/)
# --------------------------------------------------------------------------

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_SCHEMA_LOCK = 7_240_531  # any constant: serialises concurrent upgrades of one PostgreSQL database


def _alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def schema_head() -> str:
    """The revision of the schema this code writes (the newest migration)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def schema_revision(connection) -> str | None:
    """The database's schema revision (None when Alembic never stamped it)."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _refuse_newer(revision: str | None, url) -> None:
    if revision is not None and revision not in known_revisions():
        raise SchemaVersionError(
            f"the database at {url.render_as_string(hide_password=True)} has schema revision {revision!r}, "
            f"newer than this aiprogress knows (its newest is {schema_head()!r}): upgrade aiprogress, or use a copy made for this version"
        )


def upgrade_schema(engine: Engine) -> tuple[str | None, str]:
    """Bring the database's schema to this code's revision, keeping every row.

    Every migration from the database's revision to the newest runs in one
    transaction (an empty database runs them all; tests/test_migrations.py
    checks they build the schema of graph/models.py). A database made before
    Alembic is taken to be at the first revision; a newer one is refused with
    SchemaVersionError. Returns (revision before, revision after)."""
    from alembic import command

    head = schema_head()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
        before = schema_revision(connection)
        _refuse_newer(before, engine.url)
        config = _alembic_config(connection)
        if before is None and inspect(connection).has_table("node"):
            # Made by create_all before migrations existed: that was the first revision.
            command.stamp(config, FIRST_REVISION)
            before = FIRST_REVISION
        if before != head:
            command.upgrade(config, "head")
    return before, head


FIRST_REVISION = "0001"


def create_schema(engine: Engine) -> None:
    """Create or upgrade the schema (idempotent), then the full-text index.

    A store already at this code's revision with its index in place is only
    read (`schema_is_current`): no transaction that takes a lock, no DDL, so
    opening a large store costs a few milliseconds."""
    if schema_is_current(engine):
        return
    with_retries(lambda: upgrade_schema(engine))
    with engine.begin() as connection:
        create_search_index(connection)  # full-text index + triggers (SQLite only)


def schema_is_current(engine: Engine) -> bool:
    """True when the store is at this code's schema revision and holds its
    full-text index (on SQLite): `create_schema` would change nothing."""
    with engine.connect() as connection:
        if schema_revision(connection) != schema_head():
            return False
        return search_index_exists(connection)


def check_schema(engine: Engine) -> None:
    """Refuse a database this code cannot use: one with a newer schema
    (SchemaVersionError) or an older one not yet upgraded."""
    with engine.connect() as connection:
        revision = schema_revision(connection)
        _refuse_newer(revision, engine.url)
        head = schema_head()
        if revision is not None and revision != head:
            raise SchemaVersionError(
                f"the database at {engine.url.render_as_string(hide_password=True)} has schema revision {revision!r}, "
                f"older than this aiprogress ({head!r}): run `aiprogress migrate` to upgrade it in place"
            )


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (None for memory or another engine)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def has_schema(engine: Engine) -> bool:
    """True when the database holds a graph this code can use; SchemaVersionError
    when it holds one of another schema revision. A missing SQLite file is
    not created by asking."""
    path = sqlite_file(engine)
    if path is not None and not path.exists():
        return False
    if not inspect(engine).has_table("node"):
        return False
    check_schema(engine)
    return True


def reset_id_sequences(connection) -> None:
    """After rows were inserted with explicit integer ids (a copy), move
    PostgreSQL's id sequences past them; SQLite needs nothing."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("edge", "measurement"):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


# --------------------------------------------------------------------------
# Concurrent writers: transient conflicts are retried, not surfaced
# --------------------------------------------------------------------------

_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database schema has changed", "busy")
# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available,
# and a unique violation, which under the service layer's check-then-insert
# means another transaction inserted the same key first.
_PG_TRANSIENT = {"40001", "40P01", "55P03", "23505"}


def is_transient(exc: BaseException) -> bool:
    """True for errors another writer caused, that a fresh attempt can get past."""
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _PG_TRANSIENT
    message = str(exc.orig).lower()
    if isinstance(exc, OperationalError):
        return any(fragment in message for fragment in _SQLITE_TRANSIENT)
    # pysqlite reads outside a transaction until the first write, so a key
    # checked as free may be taken by another writer before the insert.
    return isinstance(exc, IntegrityError) and message.startswith("unique constraint failed")


T = TypeVar("T")


def with_retries(attempt: Callable[[], T], *, attempts: int = 12, first_delay: float = 0.02, max_delay: float = 2.0) -> T:
    """Call `attempt` until it gets past transient conflicts with other
    writers (SQLite busy/locked, PostgreSQL serialization failures, deadlocks
    and concurrent inserts of the same key), with jittered exponential
    back-off. `attempt` must run its own whole transaction."""
    delay = first_delay
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except DBAPIError as exc:
            if number == attempts or not is_transient(exc):
                raise
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")


def write(engine: Engine, work: Callable[[Session], T], **retry: Any) -> T:
    """Run `work(session)` in one transaction, retried whole on transient conflicts.

    What every writer that may meet another (ingests, GraphQL mutations, the
    CLI) goes through: `work` must be safe to run again from the start."""

    def attempt() -> T:
        with session_scope(engine, writes=True) as session:
            return work(session)

    return with_retries(attempt, **retry)


def _write_options(engine: Engine) -> dict[str, Any]:
    if engine.dialect.name == "postgresql":
        return {WRITES: True, "isolation_level": "READ COMMITTED"}
    return {WRITES: True}


def new_session(engine: Engine, *, writes: bool = False) -> Session:
    """A session whose transaction sees one state of the store throughout
    (SQLite: a real BEGIN; PostgreSQL: REPEATABLE READ). With `writes`, one
    that will write: SQLite takes the write lock at its start, PostgreSQL
    runs it at READ COMMITTED (a concurrent writer's commit makes it wait
    rather than fail), since `write` retries it whole when it must."""
    return Session(engine, expire_on_commit=False, execution_options=_write_options(engine) if writes else None)


@contextmanager
def session_scope(engine: Engine, *, writes: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error.
    Reads in it see one state of the store; see `new_session` for `writes`."""
    with new_session(engine, writes=writes) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
