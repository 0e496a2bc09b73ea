"""The `aiprogress` command: a thin layer over graph/.

Each command opens the database, calls one service or graph.answers
function and prints the result: a table for people, `--json` for machines.
The commands live in modules by family (store, queries, ask, linking, ingest,
interop, serve, render), each listing them in COMMANDS; this module makes the one
app of them and turns errors from graph.errors into one line on stderr
and a non-zero exit code.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from ...graph.errors import AiprogressError
from . import ask, ingest, interop, linking, queries, render, serve, store
from .common import Command, err_console

app = typer.Typer(
    name="aiprogress",
    help="A knowledge-graph database of AI progress: papers, techniques and the constraints they relaxed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich's panels print a type beside every flag (`--json <bool>`).
    rich_markup_mode=None,
)

for _family in (store, queries, ask, linking, ingest, interop, serve, render):
    for _name, _command in _family.COMMANDS.items():
        app.command(_name, cls=Command)(_command)


def _version() -> str:
    try:
        return version("aiprogress")
    except PackageNotFoundError:  # run from a folder that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        print(f"aiprogress {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)] = False,
) -> None:
    pass


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
