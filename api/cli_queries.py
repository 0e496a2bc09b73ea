"""The query commands: origins, impact, path, timeline, narratives, topics,
frontier, gaps. Each opens the database, takes the cached in-memory graph
(graph.network.snapshot), calls one function of graph.queries and prints a
table, or JSON with --json."""

from __future__ import annotations

from typing import Annotated

import typer

from ..graph import citations, network, queries, service
from ..graph.queries import topics as topics_module
from .cli import DbOption, JsonOption, app, console, print_json, session_for, table

DepthOption = Annotated[int | None, typer.Option("--depth", min=0, help="Most steps walked (default: no limit).")]
RelationOption = Annotated[list[str] | None, typer.Option("--relation", help=f"Follow only these relations (repeatable; default {', '.join(network.LINEAGE_RELATIONS)}).")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="Most rows shown in the table (JSON holds them all).")]


def _fact(e) -> str:
    return f"{e.source} -{e.relation}-> {e.target}"


def _lineage(kind: str, node_id: str, db, depth, relation, limit: int, json_out: bool) -> None:
    with session_for(db) as session:
        g = network.snapshot(session)
        result = getattr(queries, kind)(g, service.resolve_id(session, node_id), depth=depth, relations=relation or None)
        data = result.to_dict() if json_out else None
        rows = [[r.distance, r.id, r.name, r.year, _fact(r.via), r.via.note] for r in result.reached(limit)]
    if json_out:
        print_json(data)
        return
    title = f"{kind.capitalize()} of {result.root['id']}: {result.count} node(s)" + (f", showing {limit}" if result.count > limit else "")
    console.print(table(title, ["distance", "id", "name", "year", "reached by", "note"], rows))
    if kind == "origins" and result.fields:
        console.print(table("Fields of inspiration reached", ["field", "distance", "drawn on by"], [[f["id"], f["distance"], ", ".join(f["inspired"])] for f in result.fields]))
    if kind == "impact" and result.blocked:
        console.print(table("Relaxes edges fed downstream, per constraint", ["constraint", "relaxes edges"], list(map(list, result.blocked.items()))))


@app.command()
def origins(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="A node id, alias or citation key.")],
    depth: DepthOption = None,
    relation: RelationOption = None,
    limit: LimitOption = 200,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Where an idea comes from: every ancestor with its distance and the fact it was reached by."""
    _lineage("origins", node_id, db, depth, relation, limit, json_out)


@app.command()
def impact(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="A node id, alias or citation key.")],
    depth: DepthOption = None,
    relation: RelationOption = None,
    limit: LimitOption = 200,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """What an idea led to, and per constraint how many relaxes edges depend on it."""
    _lineage("impact", node_id, db, depth, relation, limit, json_out)


@app.command()
def path(
    source: Annotated[str, typer.Argument(metavar="A", help="Start node (id, alias or citation key).")],
    target: Annotated[str, typer.Argument(metavar="B", help="End node.")],
    undirected: Annotated[bool, typer.Option("--undirected", help="Ignore the direction of lineage (A need not be an origin of B).")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The shortest chain of facts from A to B, each with its relation and note."""
    with session_for(db) as session:
        g = network.snapshot(session)
        result = queries.path(g, service.resolve_id(session, source), service.resolve_id(session, target), directed=not undirected)
        data = result.to_dict()
    if json_out:
        print_json(data)
        return
    rows = [[k + 1, s["source"], s["relation"], s["target"], s["year"], s["note"], s["provenance"]] for k, s in enumerate(data["steps"])]
    console.print(table(f"Path {data['source']} -> {data['target']}: {data['length']} step(s)", ["step", "source", "relation", "target", "year", "note", "provenance"], rows))


@app.command()
def timeline(
    constraint: Annotated[str, typer.Argument(metavar="CONSTRAINT", help="A constraint id or slug, e.g. compute or constraint:compute.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The breakthroughs that relaxed one constraint, by year, with their papers."""
    with session_for(db) as session:
        result = queries.constraint_timeline(network.snapshot(session), constraint)
    if json_out:
        print_json(result.to_dict())
        return
    rows = [[b.year, b.id, b.name, "; ".join(f"{p['name']} ({p['year']})" for p in b.papers), b.evidence.note] for b in result.entries]
    c = result.constraint
    console.print(table(f"{c['name']} ({c.get('binding') or 'binding unknown'}): {len(rows)} breakthrough(s)", ["year", "id", "name", "papers", "note"], rows))


@app.command()
def narratives(
    bucket_years: Annotated[int, typer.Option("--bucket-years", min=1, help="Length of a period in years.")] = 5,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """How the narratives shifted: the constraint in focus per period, and each narrative's triggers."""
    with session_for(db) as session:
        result = queries.narrative_shifts(network.snapshot(session), bucket_years=bucket_years)
    if json_out:
        print_json(result.to_dict())
        return
    rows = [
        [f"{p['start']}-{p['end']}", p["total"], ", ".join(p["focus"]), p["hard_share"], p["leverage_share"], ", ".join(f"{c}={k}" for c, k in p["relaxes"].items())]
        for p in result.periods
    ]
    console.print(table("Relaxes edges per period", ["period", "relaxes", "focus", "hard share", "leverage share", "per constraint"], rows))
    rows = [[n["year"], n["id"], n["name"], "; ".join(f"{t['id']} ({t['year']})" for t in n["triggers"]) or "(no trigger recorded)"] for n in result.narratives]
    console.print(table("Narratives", ["year", "id", "name", "triggered by"], rows))
    rows = [[c["period"], ", ".join(c["from"]), ", ".join(c["to"])] for c in result.focus_changes]
    console.print(table("Where the focus changed", ["period", "from", "to"], rows))


@app.command()
def topics(
    year_from: Annotated[int | None, typer.Option("--from", help="First year of the corpus.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year of the corpus.")] = None,
    window: Annotated[int, typer.Option("--window", min=1, help="Years before each year that form its baseline.")] = 3,
    threshold: Annotated[float, typer.Option("--threshold", help="Least |z| of a shift.")] = 3.0,
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Least papers carrying a rising topic in its year.")] = 3,
    source: Annotated[str | None, typer.Option("--source", help="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")] = None,
    limit: LimitOption = 50,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Title terms and techniques whose yearly share of papers rose or fell sharply (binomial z against the preceding years)."""
    with session_for(db) as session:
        ids = service.papers_from(session, source) if source else None
        papers = topics_module.corpus(network.snapshot(session), ids, year_from=year_from, year_to=year_to)
    shifts = queries.topic_shifts(papers, window=window, threshold=threshold, min_count=min_count, limit=limit)
    if json_out:
        print_json({"papers": len(papers), "shifts": [s.to_dict() for s in shifts]})
        return
    rows = [[s.year, s.direction, s.topic, s.source, f"{s.count}/{s.papers}", f"{s.share:.1%}", f"{s.baseline_share:.1%}", s.z] for s in shifts]
    console.print(table(f"Topic shifts over {len(papers)} dated paper(s)", ["year", "shift", "topic", "from", "papers", "share", "baseline", "z"], rows))


@app.command()
def frontier(
    now: Annotated[int | None, typer.Option("--now", help="The year counted as now (default: this year).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Which constraints bind now: latest breakthrough, how many in the last decade, hard or leverage."""
    with session_for(db) as session:
        result = queries.frontier(network.snapshot(session), now=now)
    if json_out:
        print_json([s.to_dict() for s in result])
        return
    rows = [
        [s.id, s.binding, s.latest_year if s.latest_year is not None else "no breakthrough", ", ".join(s.latest), s.last_decade, s.breakthroughs, "yes" if s.stalled else ""]
        for s in result
    ]
    console.print(table("Constraints, most stalled first", ["constraint", "binding", "latest", "latest breakthrough(s)", "last decade", "all", "stalled"], rows))


@app.command()
def gaps(
    limit: LimitOption = 50,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """What the graph does not know yet: unlinked papers, techniques leading to no constraint, edges without evidence, duplicates, narratives without a trigger."""
    with session_for(db) as session:
        full = queries.gaps(network.snapshot(session), unresolved=citations.unresolved_references(session))
    if json_out:
        print_json(full.to_dict())
        return
    counts = full.counts()
    rows = []
    for what, items in (
        ("paper linked to no technique", full.papers_without_technique),
        ("technique with no path to a constraint", full.techniques_without_constraint),
        ("edge without note or provenance", [f"{e['source']} -{e['relation']}-> {e['target']} (no {', '.join(e['missing'])})" for e in full.edges_without_evidence]),
        ("likely duplicate papers", [" = ".join(group) for group in full.duplicate_papers]),
        ("narrative without a trigger", full.narratives_without_trigger),
        ("reference to a work not in the store", full.unresolved_references),
    ):
        rows += [[what, item] for item in items[:limit]]
    console.print(table("Gaps: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()), ["gap", "where"], rows))
