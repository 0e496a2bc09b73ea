"""Fixtures shared by the test suite: real SQLite files, never mocks."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from aiprogress.graph import db as database
from aiprogress.ingest import datafiles

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/pg.py
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing external part skips the test; under CI=true it fails."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a run that collected no tests fails: a wrong path or a
    filter that matches nothing must not look like a green build, whatever
    the runner makes of pytest's exit code 5."""
    if IN_CI and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


CORPORA = Path(__file__).resolve().parent / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """Samples of the real corpora, kept in tests/corpora (its SOURCES.md says
    where each comes from, under which licence, and how it was cut): the tests
    carry what they read; the full corpora are for the benchmarks."""
    return CORPORA


def dump_rows(engine) -> list:
    """Every row of every table of the graph (any backend), for comparing a
    database before and after; Alembic's bookkeeping table is left out."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return [
            (name, sorted(map(repr, (tuple(row) for row in conn.execute(table.select())))))
            for name, table in sorted(meta.tables.items())
            if name != "alembic_version"
        ]


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the whole run (tests/pg.py); skips
    when the binaries are missing, fails under CI=true."""
    from pg import Cluster, find_bindir

    bindir = find_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) not found")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except (RuntimeError, OSError) as exc:
        cluster.stop()
        skip_or_fail(f"PostgreSQL could not start: {exc}")
    yield cluster
    cluster.stop()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of an empty database, once per backend: a SQLite file, and a
    fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def engine(database_url):
    """An empty store on each backend (SQLite file, PostgreSQL database)."""
    eng = database.open_engine(database_url)
    database.create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    """An empty store in a real SQLite file, for what only SQLite has."""
    eng = database.open_engine(str(tmp_path / "store.db"))
    database.create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with database.session_scope(engine) as s:
        yield s


@pytest.fixture(scope="session")
def builtin_db_file(tmp_path_factory) -> Path:
    """A SQLite file holding the built-in history, loaded once per test run."""
    path = tmp_path_factory.mktemp("builtin") / "builtin.db"
    eng = database.open_engine(str(path))
    database.create_schema(eng)
    with database.session_scope(eng) as s:
        datafiles.load_builtin(s)
    eng.dispose()
    return path


@pytest.fixture
def builtin_db(builtin_db_file, tmp_path) -> Path:
    """A private copy of the built-in history, free to change."""
    path = tmp_path / "history.db"
    shutil.copy(builtin_db_file, path)
    return path


@pytest.fixture
def builtin_engine(builtin_db):
    eng = database.open_engine(str(builtin_db))
    yield eng
    eng.dispose()


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the `aiprogress` command in-process: cli('stats', '--db', p) -> (exit code, stdout, stderr)."""
    from aiprogress.api import cli as cli_module

    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["aiprogress", *map(str, args)])
        code = 0
        try:
            cli_module.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
