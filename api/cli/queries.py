"""The questions: origins, impact, path, timeline, narratives, topics,
frontier, problems, gaps, search. Each opens the database, asks one function of
graph.answers and prints a table (nodes named as a person would name them,
ids beside) or, with --json, the answer as data."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ...graph import answers, network
from . import linking
from .common import AsOfOption, DbOption, IdArgument, JsonOption, LimitOption, citation_suffix, console, print_json, say, session_for, table

DepthOption = Annotated[int | None, typer.Option("--depth", metavar="N", help="Most steps walked (default: no limit).")]
RelationOption = Annotated[list[str] | None, typer.Option("--relation", metavar="RELATION", help=f"Follow only these relations (repeatable; default {', '.join(network.LINEAGE_RELATIONS)}).")]
InfluentialOption = Annotated[bool, typer.Option("--influential", help="Follow a cites fact only when Semantic Scholar flagged the citation influential.")]

# Columns holding node ids, kept whole in an 80-column terminal.
_NODE = ("node", "breakthrough", "constraint", "narrative", "problem", "theme")


def _named(names: dict[str, str], node_id: str) -> str:
    """A node's label with its id beneath it."""
    return f"{names.get(node_id, node_id)}\n{node_id}"


def _fact_from(names: dict[str, str], fact: Any, this: str) -> str:
    """A fact as seen from node `this`: `this -enables-> Transformer (2017)`."""
    if fact.source == this:
        return f"this -{fact.relation}-> {names.get(fact.target, fact.target)}{citation_suffix(fact.intents, fact.influential)}"
    return f"{names.get(fact.source, fact.source)} -{fact.relation}-> this{citation_suffix(fact.intents, fact.influential)}"


def _as_of(as_of: int | None) -> str:
    return f" (as of {as_of})" if as_of is not None else ""


def _lineage(direction: str, node_id: str, depth: int | None, relation: list[str] | None, limit: int, as_of: int | None, db: str | None, json_out: bool,
             influential: bool = False) -> None:
    with session_for(db) as session:
        answer = answers.lineage(session, direction, node_id, depth=depth, relations=relation, limit=None if json_out else limit, as_of=as_of, corpus=True,
                                 influential=influential)
        if json_out:
            print_json(answer.to_dict())
            return
        result = answer.lineage
        names = answers.labels(session, [answer.root["id"], *(r.id for r in answer.reached), *(r.via.source for r in answer.reached), *(r.via.target for r in answer.reached)])
        rows = [[r.distance, _named(names, r.id), _fact_from(names, r.via, r.id), r.via.note] for r in answer.reached]
    shown = f", showing {limit}" if result.count > limit else ""
    console.print(table(f"{direction.capitalize()} of {names[answer.root['id']]}{_as_of(as_of)}: {result.count} node(s){shown}", ["dist", "node", "reached by", "note"], rows, whole=_NODE))
    if direction == "origins" and result.fields:
        console.print(table("Fields of inspiration reached", ["field", "dist", "drawn on by"], [[f["name"], f["distance"], ", ".join(f["inspired"])] for f in result.fields]))
    if direction == "impact" and result.blocked:
        console.print(table("Relaxes facts fed downstream, per constraint", ["constraint", "relaxes facts"], list(map(list, result.blocked.items())), whole=_NODE))
    linking.print_corpus_lineage(answer.corpus)


def _lineage_command(direction: str, summary: str):
    """The origins or the impact command: the same flags, one direction."""

    def command(
        node_id: IdArgument,
        depth: DepthOption = None,
        relation: RelationOption = None,
        influential: InfluentialOption = False,
        limit: LimitOption = 200,
        as_of: AsOfOption = None,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        _lineage(direction, node_id, depth, relation, limit, as_of, db, json_out, influential)

    command.__name__ = direction
    command.__doc__ = summary
    return command


origins = _lineage_command("origins", "Where an idea comes from: every ancestor with its distance and the fact it was reached by (--json: all of them).")
impact = _lineage_command("impact", "What an idea led to, and per constraint how many relaxes facts depend on it (--json: all of them).")


def path(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="Start node: id, alias or citation key.", show_default=False)],
    target: Annotated[str, typer.Argument(metavar="TARGET", help="End node: id, alias or citation key.", show_default=False)],
    directed: Annotated[bool, typer.Option("--directed/--undirected", help="Follow the direction of lineage (SOURCE an origin of TARGET), or ignore it.")] = True,
    relation: Annotated[list[str] | None, typer.Option("--relation", metavar="RELATION", help="Follow only these relations (repeatable; default all).")] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The shortest chain of facts from SOURCE to TARGET, each with its relation and note."""
    with session_for(db) as session:
        result = answers.path(session, source, target, directed=directed, relations=relation, as_of=as_of)
        data = result.to_dict()
        names = answers.labels(session, data["nodes"])
    if json_out:
        print_json({**data, "as_of": as_of})
        return
    rows = [
        [k + 1, f"{names.get(s['source'], s['source'])} -{s['relation']}-> {names.get(s['target'], s['target'])}{citation_suffix(s['intents'], s['influential'])}",
         s["year"], f"{s['note']} [{s['provenance']}]"]
        for k, s in enumerate(data["steps"])
    ]
    title = f"Path from {names[data['source']]} to {names[data['target']]}{_as_of(as_of)}: {data['length']} step(s)"
    console.print(table(title, ["step", "fact", "year", "note [provenance]"], rows, whole=_NODE))


def timeline(
    constraint: Annotated[str, typer.Argument(metavar="CONSTRAINT", help="A constraint: id, slug or alias, e.g. compute or constraint:compute.", show_default=False)],
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The breakthroughs that relaxed one constraint, by year, with their papers; and the measurements of what bounds it."""
    with session_for(db) as session:
        result = answers.timeline(session, constraint, as_of=as_of)
        names = answers.labels(session, [p["id"] for b in result.entries for p in b.papers])
    if json_out:
        print_json(result.to_dict())
        return
    c = result.constraint
    rows = [[b.year, f"{b.name}\n{b.id}", "\n".join(names.get(p["id"], p["id"]) for p in b.papers), b.evidence.note] for b in result.entries]
    heading = f"{c['name']} ({c.get('binding') or 'binding unknown'}){_as_of(as_of)}"
    if result.why_empty:
        say(f"{heading}: {result.why_empty}")
    else:
        console.print(table(f"{heading}: {len(rows)} breakthrough(s)", ["year", "breakthrough", "papers", "note"], rows, whole=_NODE))
    if result.measurements:
        rows = [[m["year"], f"{m['name']}\n{m['node_id']}", f"{m['value']:,.4g} {m['unit']}", m["source"]] for m in result.measurements]
        console.print(table(f"Measurements of {result.measurements[0]['quantity']}", ["year", "node", "value", "source"], rows, whole=_NODE))
    elif result.why_empty:
        say("No measurement of it is recorded either.")


def _short(constraint_id: str) -> str:
    return constraint_id.split(":", 1)[-1]


def narratives(
    bucket_years: Annotated[int, typer.Option("--bucket-years", metavar="N", help="Length of a period in years.")] = 5,
    source: Annotated[str | None, typer.Option("--source", metavar="FILE", help="Also what this file's papers (e.g. all_P_acl.bib) worked on, per period and around each narrative.")] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """How the narratives shifted: each narrative's triggers and focus, and per period the relaxes facts as evidence."""
    with session_for(db) as session:
        result = answers.narratives(session, bucket_years=bucket_years, source=source, as_of=as_of)
        names = answers.labels(session, [t["id"] for n in result.narratives for t in n["triggers"]])
    if json_out:
        print_json({**result.to_dict(), "as_of": as_of})
        return
    rows = [
        [n["year"], f"{n['name']}\n{n['id']}", ", ".join(_short(f["id"]) for f in n["focus"]) or "(no focus recorded)",
         "\n".join(names.get(t["id"], t["id"]) for t in n["triggers"]) or "(no trigger recorded)"]
        for n in result.narratives
    ]
    console.print(table(f"Narratives and the constraints they focus on (source framework){_as_of(as_of)}", ["year", "narrative", "focus", "triggered by"], rows, whole=_NODE))
    rows = [[c["year"], c["narrative"], ", ".join(map(_short, c["from"])), ", ".join(map(_short, c["to"]))] for c in result.focus_changes]
    console.print(table("Where the focus changed", ["year", "narrative", "from", "to"], rows, whole=_NODE))
    rows = [
        [f"{p['start']}-{p['end']}", ", ".join(map(_short, p["focus"])) or "-", p["total"], ", ".join(map(_short, p["most_relaxed"])), p["hard_share"],
         ", ".join(f"{_short(c)} {k}" for c, k in p["relaxes"].items())]
        for p in result.periods
    ]
    console.print(table("Evidence: relaxes facts per period", ["period", "focus", "relaxes", "most relaxed", "hard share", "per constraint"], rows))
    if result.corpus_papers is not None:
        linking.print_corpus_narratives(result, source)


def topics(
    year_from: Annotated[int | None, typer.Option("--from", metavar="YEAR", help="First year of the corpus.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", metavar="YEAR", help="Last year of the corpus.")] = None,
    window: Annotated[int, typer.Option("--window", metavar="YEARS", help="Years before each year that form its baseline.")] = 3,
    threshold: Annotated[float, typer.Option("--threshold", metavar="Z", help="Least |z| of a shift.")] = 3.0,
    min_count: Annotated[int, typer.Option("--min-count", metavar="N", help="Least papers carrying a rising topic in its year.")] = 3,
    min_papers: Annotated[int, typer.Option("--min-papers", metavar="N", help="Least papers in a year, and in its baseline, to test it.")] = 10,
    source: Annotated[str | None, typer.Option("--source", metavar="FILE", help="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")] = None,
    limit: LimitOption = 50,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Title terms and techniques whose yearly share of papers rose or fell sharply (binomial z against the preceding years)."""
    with session_for(db) as session:
        result = answers.topics(session, year_from=year_from, year_to=year_to, window=window, threshold=threshold, min_count=min_count,
                                min_papers=min_papers, source=source, limit=limit, as_of=as_of)
    if json_out:
        print_json(result.to_dict())
        return
    if result.too_few:
        say(result.too_few)
        return
    if not result.shifts:
        say(f"No topic shift of |z| >= {threshold} among {result.papers} dated paper(s).")
        return
    rows = [[s.year, s.direction, s.topic, f"{s.count}/{s.papers}", f"{s.share:.1%}", f"{s.baseline_share:.1%}", s.z] for s in result.shifts]
    console.print(table(f"Topic shifts over {result.papers} dated paper(s){_as_of(as_of)}", ["year", "shift", "topic", "papers", "share", "baseline", "z"], rows))


def frontier(
    now: Annotated[int | None, typer.Option("--now", metavar="YEAR", help="The year the pace is counted back from (default: --as-of, else this year).")] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """What binds: each constraint's recorded status with its year and source, and the pace of its breakthroughs as evidence."""
    with session_for(db) as session:
        result = answers.frontier(session, now=now, as_of=as_of)
        names = answers.labels(session, [i for s in result for i in s.latest])
    if json_out:
        print_json([s.to_dict() for s in result])
        return
    rows = [
        [f"{s.name}\n{s.kind or 'binding unknown'}",
         # Spaced (`expected to bind`) so that a narrow column wraps between words.
         f"{s.status.replace('-', ' ')} ({s.status_year})\n{s.status_source}" if s.status else "not recorded",
         f"{s.latest_year}: " + ", ".join(names.get(i, i) for i in s.latest) if s.latest else "no breakthrough",
         f"{s.last_decade} / {s.breakthroughs}"]
        for s in result
    ]
    console.print(table(f"What binds (recorded status), with the pace of breakthroughs as evidence{_as_of(as_of)}",
                        ["constraint", "status (year), source", "latest breakthrough", "last decade / all"], rows, whole=_NODE))


def problems(
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Beside frontier: the open problems proposals name, with the constraints each bears on, and the themes they argue for."""
    with session_for(db) as session:
        result = answers.open_problems(session, as_of=as_of)
    if json_out:
        print_json({**result.to_dict(), "as_of": as_of})
        return
    rows = [[f"{p['name']}\n{p['id']}", ", ".join(_short(c["id"]) for c in p["bears_on"]), "\n".join(n["name"] for n in p["named_by"])] for p in result.problems]
    console.print(table(f"Open problems{_as_of(as_of)}", ["problem", "bears on", "named by"], rows, whole=_NODE))
    rows = [[f"{t['name']}\n{t['id']}", "\n".join(e["name"] for e in t["embodied_by"]), "\n".join(n["name"] for n in t["named_by"])] for t in result.themes]
    console.print(table("Themes argued for, and what already embodies them", ["theme", "embodied by", "named by"], rows, whole=_NODE))


def gaps(
    limit: LimitOption = 50,
    source: Annotated[str | None, typer.Option("--source", metavar="FILE", help="Candidate techniques from this file's papers only (e.g. all_P_acl.bib).")] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """What the graph does not know yet: unlinked papers, techniques leading to no constraint, facts without evidence, duplicates, narratives without a trigger, references to works not in the store, candidate techniques."""
    with session_for(db) as session:
        full = answers.gaps(session, as_of=as_of)
        found = answers.candidates(session, source=source, limit=limit, as_of=as_of)
    if json_out:
        print_json({**full.to_dict(), "candidate_techniques": [c.to_dict() for c in found]})
        return
    counts = full.counts()
    rows = []
    for what, items in (
        ("paper linked to no technique", full.papers_without_technique),
        ("technique with no path to a constraint", full.techniques_without_constraint),
        ("fact without note or provenance", [f"{e['source']} -{e['relation']}-> {e['target']} (no {', '.join(e['missing'])})" for e in full.edges_without_evidence]),
        ("likely duplicate papers", [" = ".join(group) for group in full.duplicate_papers]),
        ("narrative without a trigger", full.narratives_without_trigger),
        ("reference to a work not in the store", full.unresolved_references),
    ):
        rows += [[what, item] for item in items[:limit]]
    console.print(table("Gaps: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()), ["gap", "where"], rows, whole=("where",)))
    linking.print_candidates(found)


def search(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Words that must all occur in a name, description or abstract.", show_default=False)],
    kind: Annotated[str | None, typer.Option("--kind", metavar="KIND", help="Only nodes of this kind.")] = None,
    limit: LimitOption = 20,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Ranked full-text search over titles, abstracts, descriptions and names, best match first."""
    with session_for(db) as session:
        result = answers.search(session, text, kind=kind, limit=limit, as_of=as_of)
        names = answers.labels(session, [h.node_id for h in result.hits])
    if json_out:
        print_json(result.to_dict())
        return
    rows = [[f"{h.score:.1f}", _named(names, h.node_id)] for h in result.hits]
    more = " (more: raise --limit)" if result.more else ""
    console.print(table(f"{len(rows)} match(es) for {text!r}{_as_of(as_of)}{more}", ["score", "node"], rows, whole=_NODE))


COMMANDS = {
    "origins": origins, "impact": impact, "path": path, "timeline": timeline, "narratives": narratives,
    "topics": topics, "frontier": frontier, "problems": problems, "gaps": gaps, "search": search,
}
