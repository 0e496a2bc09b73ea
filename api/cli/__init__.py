"""The `aiprogress` command: a thin layer over graph/.

Each command opens the database, calls one service or graph.answers
function and prints the result: a table for people, `--json` for machines.
The commands live in modules by family (store, queries, ask, linking, ingest,
interop, serve, render), each listing them in COMMANDS; this module makes the one
app of them and turns errors from graph.errors into one line on stderr
and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from ...graph.errors import AiprogressError
from .common import Command, err_console

# The command families, each a module listing its commands in COMMANDS.
FAMILIES = ("store", "queries", "ask", "linking", "ingest", "interop", "serve", "render")
# Which family holds each command, so that running one command imports its
# family alone (SQLAlchemy, numpy, the BibTeX parser, the web stack ... only
# where they are used): `serve` answers sooner, `stats` starts sooner. A
# command missing here still runs, with every family imported;
# tests/test_cli_imports.py checks each entry against the families' COMMANDS.
FAMILY_OF = {
    **dict.fromkeys(("init", "load", "show", "stats"), "store"),
    **dict.fromkeys(("origins", "impact", "path", "timeline", "narratives", "topics", "frontier", "problems", "gaps", "search"), "queries"),
    **dict.fromkeys(("link", "links", "reject-link", "confirm-link", "adoption", "promote"), "linking"),
    "ask": "ask",
    "ingest": "ingest",
    **dict.fromkeys(("export", "import-rdf", "sparql", "copy", "migrate"), "interop"),
    "serve": "serve",
    "render": "render",
}


def _version() -> str:
    try:
        return version("aiprogress")
    except PackageNotFoundError:  # run from a folder that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        print(f"aiprogress {_version()}")
        raise typer.Exit()


def _options(
    show_version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)] = False,
) -> None:
    pass


def build_app(families: tuple[str, ...] = FAMILIES) -> typer.Typer:
    """The `aiprogress` command with the commands of these families."""
    application = typer.Typer(
        name="aiprogress",
        help="A knowledge-graph database of AI progress: papers, techniques and the constraints they relaxed.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain help: rich's panels print a type beside every flag (`--json <bool>`).
        rich_markup_mode=None,
    )
    for family in families:
        module = importlib.import_module(f"{__name__}.{family}")
        for name, command in module.COMMANDS.items():
            application.command(name, cls=Command)(command)
    application.callback()(_options)
    return application


def __getattr__(name: str):
    # `app`, the whole command (for tests and documentation), is built on first use.
    if name == "app":
        globals()["app"] = build_app()
        return globals()["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    arguments = sys.argv[1:]
    family = FAMILY_OF.get(arguments[0]) if arguments else None
    families = (family,) if family else () if arguments == ["--version"] else FAMILIES
    try:
        build_app(families)()
    except AiprogressError as exc:
        _fail(str(exc), exc.exit_code)
    except Exception as exc:  # noqa: BLE001  a bug: still one line for the user, the trace on request
        if _is_database_error(exc):
            # The database could not be reached or refused us: the driver's own words, not SQL.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            _fail(f"database error: {reason}", 7)
        if os.environ.get("AIPROGRESS_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {exc}); run again with AIPROGRESS_DEBUG=1 for the traceback", 70)


def _is_database_error(exc: Exception) -> bool:
    # SQLAlchemy is imported only by commands that open a database: an error of it means it was.
    exceptions = sys.modules.get("sqlalchemy.exc")
    return exceptions is not None and isinstance(exc, exceptions.DBAPIError)


def _fail(message: str, code: int) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False)
    sys.exit(code)
