"""The `aiprogress` command: a thin layer over graph.service.

Each command opens the database, calls one service or query function and
prints the result: a rich table for people, `--json` for machines. Errors
from graph.errors become one line on stderr and a non-zero exit code.
Commands of the other families register on `app` from their own modules
(imported at the bottom of this file).
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import Annotated, Any

import typer
from sqlalchemy.exc import DBAPIError
from rich.console import Console
from rich.table import Table

from ..graph import db as database
from ..graph import service, settings
from ..graph.errors import AiprogressError, InvalidInput
from ..ingest import datafiles

app = typer.Typer(
    name="aiprogress",
    help="A knowledge-graph database of AI progress: papers, techniques and the constraints they relaxed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=settings.BY_NAME["database_url"].help + f" Default: {settings.BY_NAME['database_url'].default}.", envvar=settings.BY_NAME["database_url"].env, show_envvar=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def open_engine(db: str | None, *, create: bool = False):
    """The engine for `--db`; unless `create`, the database must already hold a graph."""
    engine = database.open_engine(db)
    if create:
        database.create_schema(engine)
    elif not database.has_schema(engine):
        raise InvalidInput(f"no aiprogress database at {database.url_from(db)}: run `aiprogress init` first")
    return engine


@contextmanager
def session_for(db: str | None, *, create: bool = False):
    """One transaction on the database named by `--db`."""
    engine = open_engine(db, create=create)
    try:
        with database.session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def print_json(data: Any) -> None:
    """JSON for machines, on stdout, with nothing else."""
    sys.stdout.write(json.dumps(data, default=_plain, indent=2, ensure_ascii=False) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    """A rich table whose cells are shown as text (never as console markup)."""
    out = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*("" if cell is None else _escape(str(cell)) for cell in row))
    return out


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _print_load_report(report: datafiles.LoadReport) -> None:
    rows = [[what, c.get("added", 0), c.get("updated", 0), c.get("unchanged", 0)] for what, c in sorted(report.counts.items())]
    console.print(table("Loaded", ["what", "added", "updated", "unchanged"], rows))
    if report.changed == 0:
        console.print("Nothing changed: the database already held all of it.")


@app.command()
def init(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Create the database (if needed) and load the built-in history of deep learning."""
    with session_for(db, create=True) as session:
        report = datafiles.load_builtin(session)
    if json_out:
        print_json(report.to_dict())
    else:
        _print_load_report(report)
        console.print(f"Database: {database.url_from(db)}")


@app.command()
def load(
    path: Annotated[str, typer.Argument(help="A data folder or a .toml/.bib data file in the built-in history's format.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Load data files in one transaction: all of it, or on the first error nothing."""
    with session_for(db, create=True) as session:
        report = datafiles.load_data(session, path, provenance_prefix="data")
    if json_out:
        print_json(report.to_dict())
    else:
        _print_load_report(report)


@app.command()
def show(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="A node id (kind:slug), alias or citation key.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one node: its fields, aliases, measurements and its edges both ways."""
    with session_for(db) as session:
        detail = service.node_detail(session, service.resolve_id(session, node_id))
    if json_out:
        print_json(detail.to_dict())
        return
    fields = {k: v for k, v in detail.node.items() if v not in (None, "")}
    if detail.paper:
        paper = dict(detail.paper)
        paper["authors"] = "; ".join(paper.get("authors") or [])
        fields.update({k: v for k, v in paper.items() if v not in (None, "", [], {}) and k not in {"extra", "field_sources"}})
    if detail.aliases:
        fields["aliases"] = ", ".join(detail.aliases)
    console.print(table(detail.node["id"], ["field", "value"], [[k, v] for k, v in fields.items()]))
    if detail.measurements:
        console.print(table("Measurements", ["quantity", "value", "unit", "source"], [[m["quantity"], f"{m['value']:.4g}", m["unit"], m["source"]] for m in detail.measurements]))
    rows = []
    for e in detail.edges:
        fact = f"this -{e.relation}-> {e.other_id}" if e.direction == "out" else f"{e.other_id} -{e.relation}-> this"
        rows.append([fact, e.other_name, e.year, e.note, e.provenance])
    console.print(table("Edges", ["fact", "other end", "year", "note", "provenance"], rows))


@app.command()
def stats(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Count nodes by kind and edges by relation."""
    with session_for(db) as session:
        counts = service.stats(session)
    if json_out:
        print_json(counts)
        return
    console.print(table("Nodes", ["kind", "count"], [[k, n] for k, n in counts["nodes"].items()] + [["total", counts["total_nodes"]]]))
    console.print(table("Edges", ["relation", "count"], [[r, n] for r, n in counts["edges"].items()] + [["total", counts["total_edges"]]]))
    console.print(f"measurements: {counts['measurements']}   aliases: {counts['aliases']}   constraint statuses: {counts['constraint_statuses']}")


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    try:
        app()
    except AiprogressError as exc:
        _fail(str(exc), exc.exit_code)
    except DBAPIError as exc:
        # The database could not be reached or refused us: the driver's own words, not SQL.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        _fail(f"database error: {reason}", 7)
    except Exception as exc:  # noqa: BLE001  a bug: still one line for the user, the trace on request
        if os.environ.get("AIPROGRESS_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); run again with AIPROGRESS_DEBUG=1 for the traceback", 70)


def _fail(message: str, code: int) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False)
    sys.exit(code)


# Command families registered on `app` from their own modules.
from . import cli_interop  # noqa: E402,F401  (export, import-rdf, sparql, copy, migrate)
from . import cli_ingest  # noqa: E402,F401  (ingest)
from . import cli_serve  # noqa: E402,F401  (serve)
from . import cli_queries  # noqa: E402,F401  (origins, impact, path, timeline, narratives, topics, frontier, gaps)
from . import cli_render  # noqa: E402,F401  (render)
