"""The store's own commands: init, load, show, stats."""

from __future__ import annotations

from typing import Annotated

import typer

from ...graph import db as database
from ...graph import service
from ...ingest import datafiles
from .common import DbOption, IdArgument, JsonOption, citation_suffix, console, print_json, session_for, table


def _print_load_report(report: datafiles.LoadReport) -> None:
    rows = [[what, c.get("added", 0), c.get("updated", 0), c.get("unchanged", 0)] for what, c in sorted(report.counts.items())]
    console.print(table("Loaded", ["what", "added", "updated", "unchanged"], rows))
    if report.changed == 0:
        console.print("Nothing changed: the database already held all of it.")


def init(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Create the database (if needed) and load the built-in history of deep learning."""
    with session_for(db, create=True, writes=True) as session:
        report = datafiles.load_builtin(session)
    if json_out:
        print_json(report.to_dict())
    else:
        _print_load_report(report)
        console.print(f"Database: {database.url_from(db)}")


def load(
    path: Annotated[str, typer.Argument(metavar="PATH", help="A data folder or a .toml/.bib data file in the built-in history's format.", show_default=False)],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Load data files in one transaction: all of it, or on the first error nothing."""
    with session_for(db, create=True, writes=True) as session:
        report = datafiles.load_data(session, path, provenance_prefix="data")
    if json_out:
        print_json(report.to_dict())
    else:
        _print_load_report(report)


def show(
    node_id: IdArgument,
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
        fact += citation_suffix(e.intents, e.influential)
        rows.append([fact, e.other.name, e.year, e.note, e.provenance])
    console.print(table("Edges", ["fact", "other end", "year", "note", "provenance"], rows, whole=("fact",)))


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


COMMANDS = {"init": init, "load": load, "show": show, "stats": stats}
