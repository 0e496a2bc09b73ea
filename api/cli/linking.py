"""The linker's commands: link (relink the store), links (a paper's links),
reject-link / confirm-link (a person's verdict), adoption (how a corpus took
up a technique, or the techniques relaxing each constraint) and promote (a
candidate phrase becomes a technique); and the tables origins, impact and
gaps add from the linker's links (called from queries.py). Each opens the
database, calls graph/linking.py or graph.answers, and prints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ...graph import answers, linking
from ...graph.models import TechniqueCategory
from ...graph.queries.candidates import Candidate
from .common import AsOfOption, DbOption, JsonOption, console, err_console, open_engine, print_json, say, session_for, table

# Columns holding node ids, kept whole in an 80-column terminal.
_IDS = ("paper", "technique", "id")


def link(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", metavar="N", min=1, help="Papers per transaction.")] = 5000,
    examples: Annotated[int, typer.Option("--examples", metavar="N", min=0, help="Changes listed per kind (added, removed, updated).")] = 10,
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
    say(f"{plan.papers} papers, {plan.linked_papers} linked; {verb}: {len(plan.add)} added, "
                  f"{len(plan.remove)} removed, {len(plan.update)} updated.")
    rows = [[kind, r["paper"], r["technique"], r["note"], r["confidence"]] for kind, items in shown.items() for r in items]
    if rows:
        console.print(table("Examples", ["change", "paper", "technique", "matched", "confidence"], rows, whole=_IDS))


PaperArgument = Annotated[str, typer.Argument(metavar="PAPER", help="The paper (id, alias or citation key).", show_default=False)]
TechniqueArgument = Annotated[str, typer.Argument(metavar="TECHNIQUE", help="The technique (id or alias).", show_default=False)]


def links(
    paper: PaperArgument,
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
                        [[r["technique"], r["note"], r["confidence"], r["provenance"], r["verdict"] or ""] for r in found], whole=_IDS))


def _judge(verdict: str, paper: str, technique: str, by: str, note: str, db: str | None) -> None:
    with session_for(db, writes=True) as session:
        result = linking.judge(session, paper, technique, verdict, by=by, note=note)
    if result is None:
        say(f"Rejected: {paper} -mentions-> {technique} is removed and will not be linked again.")
    else:
        say(f"Confirmed: {result.paper} -mentions-> {result.technique} at confidence {result.confidence}.")


ByOption = Annotated[str, typer.Option("--by", metavar="NAME", help="Who gives the verdict (recorded as user:NAME).")]
NoteOption = Annotated[str, typer.Option("--note", metavar="TEXT", help="Why.")]


def _verdict_command(verdict: str, summary: str):
    """The reject-link or the confirm-link command: the same arguments, one verdict."""

    def command(
        paper: PaperArgument,
        technique: TechniqueArgument,
        by: ByOption = "user", note: NoteOption = "", db: DbOption = None,
    ) -> None:
        _judge(verdict, paper, technique, by, note, db)

    command.__name__ = f"{verdict[:-2]}_link"
    command.__doc__ = summary
    return command


reject_link = _verdict_command(linking.REJECTED, "Reject a link the linker made: it is removed, and relinking never makes it again.")
confirm_link = _verdict_command(linking.CONFIRMED, "Confirm a link (or make one the linker missed): confidence 1, kept by every relink.")


def adoption(
    technique: Annotated[str | None, typer.Argument(metavar="[TECHNIQUE]", help="The technique (id or alias); leave out with --by constraint.", show_default=False)] = None,
    by: Annotated[str | None, typer.Option("--by", metavar="constraint", help="'constraint': per year, the share of papers using techniques that relax each constraint.")] = None,
    source: Annotated[str | None, typer.Option("--source", metavar="FILE", help="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")] = None,
    year_from: Annotated[int | None, typer.Option("--from", metavar="YEAR", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", metavar="YEAR", help="Last year.")] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Per year, how many papers (and what share) use a technique: the linker's mentions and curated introduces facts."""
    if (technique is None) == (by is None) or by not in (None, "constraint"):
        raise typer.BadParameter("give a TECHNIQUE, or --by constraint")
    with session_for(db) as session:
        if by:
            result = answers.adoption_by_constraint(session, source=source, year_from=year_from, year_to=year_to, as_of=as_of)
        else:
            result = answers.adoption(session, technique, source=source, year_from=year_from, year_to=year_to, as_of=as_of)
    if json_out:
        print_json({**result.to_dict(), "as_of": as_of})
        return
    if by:
        _print_by_constraint(result)
        return
    rows = [[r.year, r.papers, r.using, f"{r.share:.1%}"] for r in result.years]
    # The heading is a line of its own: a table's title wraps at the table's width.
    say(f"{result.technique['name']} ({result.technique['id']}): used by {result.using} of {result.papers} dated papers")
    console.print(table(None, ["year", "papers", "using", "share"], rows))


# Constraints per table in `adoption --by constraint`: with the year and
# paper columns, as many as fit an 80-column terminal.
_CONSTRAINTS_PER_TABLE = 5


def _print_by_constraint(result) -> None:
    """One table per group of constraints, so that each fits 80 columns."""
    say(f"Share of {result.papers} dated papers using techniques that relax each constraint")
    names = {c["id"]: c["name"] for c in result.constraints}
    order = list(names)
    for start in range(0, len(order), _CONSTRAINTS_PER_TABLE):
        group = order[start : start + _CONSTRAINTS_PER_TABLE]
        rows = [[y["year"], y["papers"], *(f"{y['shares'][c]:.1%}" for c in group)] for y in result.years]
        console.print(table(None, ["year", "papers", *(names[c] for c in group)], rows))


def print_corpus_lineage(corpus: dict) -> None:
    """The tables origins and impact add from the linker's links."""
    use = corpus.get("corpus_use")
    if use and use["papers"]:
        say(f"Papers using {use['technique']}: {use['papers']}")
        console.print(table("Per year", ["year", "papers"], [[y, n] for y, n in use["by_year"].items()]))
        console.print(table("Per source", ["source", "papers"], [[s, n] for s, n in use["by_source"].items()]))
        console.print(table("Latest examples", ["paper", "year", "title"], [[e["id"], e["year"], e["name"]] for e in use["examples"]], whole=_IDS))
    used = corpus.get("techniques_used")
    if used:
        # One id a line, whole: the nearest origins of each technique and how many it has in all.
        rows = [[t["id"], t["relation"], len(t["origins"]), "\n".join(o["id"] for o in t["origins"][:4])] for t in used]
        console.print(table("Techniques it uses and their origins", ["technique", "how", "all", "nearest origins"], rows, whole=(*_IDS, "nearest origins")))


def _short(constraint_id: str) -> str:
    return constraint_id.split(":", 1)[-1]


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def print_corpus_narratives(result, source: str | None) -> None:
    """The tables `narratives --source` adds: what the corpus worked on per
    period, and around each narrative the share of its papers using a
    technique that relaxes a constraint the narrative focuses on."""
    say(f"The corpus ({source}): {result.corpus_papers} dated paper(s), through the techniques they use")
    rows = [[f"{p['start']}-{p['end']}", p["corpus"]["papers"], _pct(p["corpus"]["focus_share"]), ", ".join(map(_short, p["corpus"]["most_used"])) or "-",
             ", ".join(f"{_short(c)} {_pct(v)}" for c, v in p["corpus"]["shares"].items())]
            for p in result.periods if p["corpus"]["papers"]]
    console.print(table("Per period: share using a technique that relaxes the focus, the most used, per constraint",
                        ["period", "papers", "focus", "most used", "per constraint"], rows))
    rows = [[n["year"], n["id"], ", ".join(_short(f["id"]) for f in n["focus"]),
             f"{_pct(n['corpus']['before']['share'])} of {n['corpus']['before']['papers']}", f"{_pct(n['corpus']['after']['share'])} of {n['corpus']['after']['papers']}"]
            for n in result.narratives if n.get("corpus")]
    console.print(table(f"Around each narrative: share using a technique that relaxes its focus, {result.bucket_years} years before and from its year",
                        ["year", "narrative", "focus", "before", "from then"], rows, whole=("narrative",)))


def promote(
    phrase: Annotated[str, typer.Argument(metavar="PHRASE", help="The phrase (e.g. a candidate listed by `gaps`).", show_default=False)],
    node_id: Annotated[str, typer.Option("--id", metavar="ID", help="The new technique's id, technique:SLUG.")],
    category: Annotated[TechniqueCategory, typer.Option("--category", metavar="CATEGORY", help=f"What kind of technique: {', '.join(c.value for c in TechniqueCategory)}.")],
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Its name as written (default: the phrase).")] = None,
    year: Annotated[int | None, typer.Option("--year", metavar="YEAR", help="Its first year (papers older by more than a year are not linked to it).")] = None,
    form: Annotated[list[str] | None, typer.Option("--form", metavar="FORM", help="Another surface form the linker should find (repeatable).")] = None,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who promotes it (recorded as user:NAME).")] = "user",
    db: DbOption = None,
) -> None:
    """Add a phrase as a technique, with its surface forms, and link the corpus to it."""
    engine = open_engine(db)
    try:
        done = linking.promote_and_link(engine, phrase, node_id, category=category.value, name=name, year=year, forms=form or (), by=by)
    finally:
        engine.dispose()
    say(f"Added {node_id}; {done.linked} paper(s) now mention it ({len(done.plan.add)} link(s) added, {len(done.plan.remove)} removed in all).")


def print_candidates(found: list[Candidate]) -> None:
    """The candidate techniques `gaps` ends with."""
    if found:
        rows = [[c.phrase, c.first_year, f"{c.peak_year}\n{c.peak_share:.1%}", f"{c.rise_year}\nz {c.z}", c.papers,
                 "\n".join(f"{e['id']} {e['title'][:40]}" for e in c.examples)] for c in found]
        say("Candidate techniques: rising title phrases no technique names (aiprogress promote PHRASE --id ... --category ...)")
        console.print(table(None, ["phrase", "first", "peak", "rise", "papers", "examples"], rows))


COMMANDS = {
    "link": link, "links": links, "reject-link": reject_link, "confirm-link": confirm_link, "adoption": adoption, "promote": promote,
}
