"""CLI commands for interoperability: export, import-rdf, sparql, copy, migrate.

Each command opens the database, calls one library function and prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ...graph import db as database
from ...graph import export as exports
from .common import DbOption, JsonOption, console, print_json, session_for, table


def export_graph(
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=f"One of: {', '.join(exports.FORMATS)}.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE", help="File to write; standard output when absent.")] = None,
    db: DbOption = None,
) -> None:
    """Write the whole graph in one of the export formats (RDF, GraphML, GEXF, node-link JSON, CSV zip ...)."""
    fmt = exports.get_format(format)
    with session_for(db) as session:
        if out is None:
            exports.export(session, fmt.name, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return
        with open(out, "wb") as stream:
            exports.export(session, fmt.name, stream)
    console.print(f"Wrote {fmt.name} ({fmt.media_type}) to {out}")


def import_rdf(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="RDF in the aiprogress vocabulary (.ttl, .nt, .jsonld ...), e.g. from `export`.", show_default=False)],
    format: Annotated[str | None, typer.Option("--format", "-f", metavar="SYNTAX", help="RDF syntax for rdflib; guessed from the extension when absent.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Read an RDF file into the database in one transaction: all of it, or on the first error nothing."""
    from ...graph import rdf  # rdflib and pyoxigraph: imported only by the commands that use them

    graph = rdf.parse_file(str(path), format=format)
    with session_for(db, create=True, writes=True) as session:
        counts = rdf.from_rdf(session, graph, default_provenance=f"rdf:{path.name}")
    if json_out:
        print_json(counts)
    else:
        console.print(table("Imported", ["what", "count"], [[k, v] for k, v in counts.items()]))


def sparql_query(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="A SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query; prefixes aip:, dcterms:, bibo:, prov:, skos: are predeclared.", show_default=False)],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a read-only SPARQL query over the graph (updates are refused)."""
    from ...graph import sparql

    with session_for(db) as session:
        result = sparql.query(session, query)
    if json_out or result.kind != "SELECT":
        sys.stdout.buffer.write(result.to_json() + (b"" if result.triples is not None else b"\n"))
        return
    rows = [[row.get(v) for v in result.variables] for row in result.rows]
    console.print(table(None, result.variables, rows))
    console.print(f"{len(rows)} row(s)")


def copy_graph(
    source: Annotated[str, typer.Option("--from", metavar="PATH_OR_URL", help="Database URL or SQLite path to read.")],
    target: Annotated[str, typer.Option("--to", metavar="PATH_OR_URL", help="Database URL or SQLite path to write; must hold no graph yet.")],
    json_out: JsonOption = False,
) -> None:
    """Copy a whole graph between databases (e.g. SQLite -> PostgreSQL), in one transaction."""
    from ...graph import transfer

    counts = transfer.copy_graph(source, target)
    if json_out:
        print_json(counts)
    else:
        console.print(table("Copied", ["table", "rows"], [[k, v] for k, v in counts.items()]))


def migrate(db: DbOption = None) -> None:
    """Upgrade the database's schema in place to this version of aiprogress."""
    engine = database.open_engine(db)
    try:
        before, after = database.upgrade_schema(engine)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"Schema already at {after}.")
    else:
        console.print(f"Schema upgraded from {before or 'nothing'} to {after}.")


COMMANDS = {"export": export_graph, "import-rdf": import_rdf, "sparql": sparql_query, "copy": copy_graph, "migrate": migrate}
