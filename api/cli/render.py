"""`aiprogress render`: the graph page as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...graph import view
from .common import AsOfOption, DbOption, console, session_for


def render(
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="The HTML file to write.")],
    db: DbOption = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", metavar="KIND", help="Only these node kinds (repeatable).")] = None,
    relation: Annotated[list[str] | None, typer.Option("--relation", metavar="RELATION", help="Only these relations (repeatable).")] = None,
    year_from: Annotated[int | None, typer.Option("--from", metavar="YEAR", help="First year drawn.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", metavar="YEAR", help="Last year drawn.")] = None,
    constraint: Annotated[str | None, typer.Option("--constraint", metavar="CONSTRAINT", help="Only what relaxed this constraint (e.g. constraint:compute).")] = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="Most nodes drawn; the best connected are kept.")] = view.DEFAULT_LIMIT,
    as_of: AsOfOption = None,
) -> None:
    """Write the interactive graph page as one HTML file: data embedded, every script and style inlined, no network needed."""
    from ..page import page_bundle, page_html  # pyvis (and IPython behind it) costs 0.3 s: only when rendering

    wanted = view.ViewFilter.parse(kinds=kind, relations=relation, year_from=year_from, year_to=year_to, constraint=constraint, limit=limit, as_of=as_of)
    with session_for(db) as session:
        bundle = page_bundle(session, wanted)
    html = page_html(bundle)
    out.write_text(html, encoding="utf-8")
    meta = bundle["view"]["meta"]
    console.print(f"Wrote {out}: {meta['shown_nodes']} nodes, {meta['shown_edges']} edges, {len(html.encode()):,} bytes.", markup=False, highlight=False)


COMMANDS = {"render": render}
