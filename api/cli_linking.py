"""The linker's commands: link (relink the store), links (a paper's links),
reject-link / confirm-link (a person's verdict), adoption (how a corpus took
up a technique, or the techniques relaxing each constraint) and promote (a
candidate phrase becomes a technique); and what origins, impact and gaps
print from the linker's links (called from api/cli_queries.py). Each opens the database, calls
graph/linking.py or graph/queries/adoption.py, and prints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..graph import linking, network, service
from ..graph.models import TechniqueCategory
from ..graph.queries import adoption as adoption_module
from ..graph.queries import candidates as candidates_module
from ..graph.queries import topics as topics_module
from .cli import DbOption, JsonOption, app, console, err_console, open_engine, print_json, session_for, table


@app.command()
def link(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Papers per transaction.")] = 5000,
    examples: Annotated[int, typer.Option("--examples", min=0, help="Changes listed per kind (added, removed, updated).")] = 10,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """(Re)link every paper to the techniques its title, abstract and keywords name (idempotent; rejected links stay away)."""
    engine = open_engine(db)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console, transient=True, disable=json_out) as bar:
            task = bar.add_task("linking", total=None)
            plan = linking.relink(engine, batch_size=batch_size, dry_run=dry_run,
                                  progress=lambda phase, done, total: bar.update(task, completed=done, total=total))
    finally:
        engine.dispose()
    summary = {"dry_run": dry_run, "papers": plan.papers, "linked_papers": plan.linked_papers,
               "added": len(plan.add), "removed": len(plan.remove), "updated": len(plan.update)}
    shown = {kind: [{"paper": l.paper, "technique": l.technique, "note": l.note, "confidence": l.confidence} for l in links[:examples]]
             for kind, links in (("added", plan.add), ("removed", plan.remove), ("updated", plan.update))}
    if json_out:
        print_json({**summary, "examples": shown})
        return
    verb = "would change" if dry_run else "changed"
    console.print(f"{plan.papers} papers, {plan.linked_papers} linked; {verb}: {len(plan.add)} added, "
                  f"{len(plan.remove)} removed, {len(plan.update)} updated.")
    rows = [[kind, r["paper"], r["technique"], r["note"], r["confidence"]] for kind, items in shown.items() for r in items]
    if rows:
        console.print(table("Examples", ["change", "paper", "technique", "matched", "confidence"], rows))


@app.command()
def links(
    paper: Annotated[str, typer.Argument(help="The paper (id, alias or citation key).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """A paper's `mentions` links with their evidence and any verdict on them."""
    with session_for(db) as session:
        found = linking.links_of(session, paper)
    if json_out:
        print_json(found)
        return
    console.print(table(f"Links of {paper}", ["technique", "matched", "confidence", "provenance", "verdict"],
                        [[r["technique"], r["note"], r["confidence"], r["provenance"], r["verdict"] or ""] for r in found]))


def _judge(verdict: str, paper: str, technique: str, by: str, note: str, db: str | None) -> None:
    with session_for(db) as session:
        result = linking.judge(session, paper, technique, verdict, by=by, note=note)
    if result is None:
        console.print(f"Rejected: {paper} -mentions-> {technique} is removed and will not be linked again.")
    else:
        console.print(f"Confirmed: {result.paper} -mentions-> {result.technique} at confidence {result.confidence}.")


ByOption = Annotated[str, typer.Option("--by", help="Who gives the verdict (recorded as user:NAME).")]
NoteOption = Annotated[str, typer.Option("--note", help="Why.")]


@app.command("reject-link")
def reject_link(
    paper: Annotated[str, typer.Argument(help="The paper (id, alias or citation key).")],
    technique: Annotated[str, typer.Argument(help="The technique (id or alias).")],
    by: ByOption = "user", note: NoteOption = "", db: DbOption = None,
) -> None:
    """Reject a link the linker made: it is removed, and relinking never makes it again."""
    _judge(linking.REJECTED, paper, technique, by, note, db)


@app.command("confirm-link")
def confirm_link(
    paper: Annotated[str, typer.Argument(help="The paper (id, alias or citation key).")],
    technique: Annotated[str, typer.Argument(help="The technique (id or alias).")],
    by: ByOption = "user", note: NoteOption = "", db: DbOption = None,
) -> None:
    """Confirm a link (or make one the linker missed): confidence 1, kept by every relink."""
    _judge(linking.CONFIRMED, paper, technique, by, note, db)


@app.command()
def adoption(
    technique: Annotated[str | None, typer.Argument(help="The technique (id or alias); leave out with --by constraint.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="'constraint': per year, the share of papers using techniques that relax each constraint.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")] = None,
    year_from: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Per year, how many papers (and what share) use a technique: the linker's mentions and curated introduces facts."""
    if (technique is None) == (by is None) or by not in (None, "constraint"):
        raise typer.BadParameter("give a TECHNIQUE, or --by constraint")
    with session_for(db) as session:
        ids = service.papers_from(session, source) if source else None
        g = network.snapshot(session)
        if by:
            result = adoption_module.adoption_by_constraint(g, papers=ids, year_from=year_from, year_to=year_to)
        else:
            result = adoption_module.adoption(g, service.resolve_id(session, technique), papers=ids, year_from=year_from, year_to=year_to)
    if json_out:
        print_json(result.to_dict())
        return
    if by:
        names = [c["id"].split(":", 1)[1] for c in result.constraints]
        rows = [[y["year"], y["papers"], *(f"{y['shares'][c['id']]:.1%}" for c in result.constraints)] for y in result.years]
        console.print(table(f"Share of {result.papers} dated papers using techniques that relax each constraint", ["year", "papers", *names], rows))
        return
    rows = [[r.year, r.papers, r.using, f"{r.share:.1%}"] for r in result.years]
    console.print(table(f"{result.technique['name']}: used by {result.using} of {result.papers} dated papers", ["year", "papers", "using", "share"], rows))


def corpus_lineage(session, g: network.Snapshot, kind: str, root: dict, depth: int | None) -> dict:
    """What `origins` and `impact` add from the linker's links: the papers
    using a technique (impact), the techniques a paper uses and their origins (origins)."""
    if kind == "impact" and root["kind"] == "technique":
        found = adoption_module.users(g, root["id"])
        return {"corpus_use": adoption_module.corpus_use(g, root["id"], linking.paper_sources(session, (g.ids[p] for p in found)))}
    if kind == "origins" and root["kind"] == "paper":
        return {"techniques_used": adoption_module.techniques_used(g, root["id"], depth=depth)}
    return {}


def print_corpus_lineage(corpus: dict) -> None:
    use = corpus.get("corpus_use")
    if use and use["papers"]:
        console.print(f"Papers using {use['technique']}: {use['papers']}")
        console.print(table("Per year", ["year", "papers"], [[y, n] for y, n in use["by_year"].items()]))
        console.print(table("Per source", ["source", "papers"], [[s, n] for s, n in use["by_source"].items()]))
        console.print(table("Latest examples", ["id", "year", "title"], [[e["id"], e["year"], e["name"]] for e in use["examples"]]))
    used = corpus.get("techniques_used")
    if used:
        rows = [[t["id"], t["relation"], len(t["origins"]), ", ".join(o["id"] for o in t["origins"][:6])] for t in used]
        console.print(table("Techniques it uses and their origins", ["technique", "how", "origins", "nearest origins"], rows))


@app.command()
def promote(
    phrase: Annotated[str, typer.Argument(help="The phrase (e.g. a candidate listed by `gaps`).")],
    node_id: Annotated[str, typer.Option("--id", help="The new technique's id, technique:SLUG.")],
    category: Annotated[TechniqueCategory, typer.Option("--category", help="What kind of technique.")],
    name: Annotated[str | None, typer.Option("--name", help="Its name as written (default: the phrase).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Its first year (papers older by more than a year are not linked to it).")] = None,
    form: Annotated[list[str] | None, typer.Option("--form", help="Another surface form the linker should find (repeatable).")] = None,
    by: Annotated[str, typer.Option("--by", help="Who promotes it (recorded as user:NAME).")] = "user",
    db: DbOption = None,
) -> None:
    """Add a phrase as a technique, with its surface forms, and link the corpus to it."""
    with session_for(db) as session:
        linking.promote(session, phrase, node_id, category=category.value, name=name, year=year, forms=form or (), by=by)
    engine = open_engine(db)
    try:
        plan = linking.relink(engine)
    finally:
        engine.dispose()
    linked = sum(1 for l in plan.add if l.technique == node_id)
    console.print(f"Added {node_id}; {linked} paper(s) now mention it ({len(plan.add)} link(s) added, {len(plan.remove)} removed in all).")


def candidates(session, g: network.Snapshot, source: str | None, limit: int) -> list[candidates_module.Candidate]:
    """Rising title phrases no lexicon form names, over the corpus (or one source's papers)."""
    ids = service.papers_from(session, source) if source else None
    return candidates_module.candidate_techniques(topics_module.corpus(g, ids), linking.lexicon(session), limit=limit)


def print_candidates(found: list[candidates_module.Candidate]) -> None:
    if found:
        rows = [[c.phrase, c.first_year, f"{c.peak_year} ({c.peak_share:.1%})", f"{c.rise_year} (z {c.z})", c.papers,
                 "; ".join(f"{e['id']} {e['title'][:50]}" for e in c.examples)] for c in found]
        console.print(table("Candidate techniques: rising title phrases no technique names (aiprogress promote PHRASE --id ... --category ...)",
                            ["phrase", "first", "peak (share)", "rise (z)", "papers", "examples"], rows))
