"""`aiprogress ingest FILE|DIR|- ...`: BibTeX (or OpenAlex, Semantic Scholar,
arXiv, CSL-JSON, RIS: ingest/importers) into the graph, with a report.

The work is ingest.load's; this
module only draws the progress bar and the summary, and writes --report.
(`aiprogress export --format bibtex` is the export registry's `bibtex`
format, graph/export_bibtex.py.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ...graph import settings
from ...graph.errors import AiprogressError
from ...ingest import bibtex, importers, load
from .common import DbOption, JsonOption, console, err_console, open_engine, print_json, setting_option, table

# Files with fewer entries finish before a bar would be worth drawing.
_PROGRESS_MIN_ENTRIES = 2_000
# Up to this many columns (files and the total), the summary lists its counts
# down the side.
_FILES_AS_COLUMNS = 3


def ingest(
    paths: Annotated[list[str], typer.Argument(metavar="FILE|DIR|-", help="Files, folders (every .bib below them, or every file of --format) or - for standard input.", show_default=False)],
    format: Annotated[str | None, typer.Option("--format", metavar="NAME", help=f"Read the files as this format ({', '.join(importers.IMPORTERS)}); by default it is found from each file's extension and content.", show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Any problem in a file aborts that file with nothing of it written.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and match everything, report what would happen, write nothing.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Let these files replace values that came from elsewhere (by default they only fill empty fields).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Read every file, even one ingested before as it is now (by default skipped: same bytes, same settings, its papers all still in the store).")] = False,
    report_path: Annotated[Path | None, typer.Option("--report", metavar="FILE.json", help="Write the full report (every problem with file, line and reason) as JSON.")] = None,
    max_file_bytes: Annotated[int | None, setting_option("max_file_bytes")] = None,
    max_entries: Annotated[int | None, setting_option("max_entries")] = None,
    max_field_chars: Annotated[int | None, setting_option("max_field_chars")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Pour BibTeX, OpenAlex, Semantic Scholar, arXiv, CSL-JSON or RIS files into the graph: one node per work, every key and id an alias, references as `cites` edges."""
    limits = bibtex.Limits(
        max_file_bytes=settings.get("max_file_bytes", max_file_bytes),
        max_entries=settings.get("max_entries", max_entries),
        max_field_chars=settings.get("max_field_chars", max_field_chars),
    )
    if format is not None:
        importers.pick("", name=format)  # an unknown name fails before anything is read
    sources = load.bib_files(paths, importers.folder_extensions(format))
    engine = open_engine(db, create=True)
    reports = []
    failure: AiprogressError | None = None
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console, transient=True, disable=json_out) as bar:
            task = bar.add_task("", total=None, visible=False)

            def progress(phase: str, done: int, total: int) -> None:
                # total 0: a file read as it is written (JSON Lines), its length unknown.
                bar.update(task, description=phase, completed=done, total=total or None,
                           visible=max(total, done) >= _PROGRESS_MIN_ENTRIES)

            for report in load.ingest_sources(engine, sources, limits=limits, strict=strict, dry_run=dry_run,
                                              overwrite=overwrite, progress=progress, format=format, force=force):
                reports.append(report)
    except AiprogressError as exc:
        # The file that failed outright still gets its line in --report.
        failure = exc
        reports.append(load.IngestReport(source=sources[min(len(reports), len(sources) - 1)], dry_run=dry_run, aborted=str(exc)))
    finally:
        engine.dispose()

    data = {"dry_run": dry_run, "files": [r.to_dict() for r in reports]}
    if report_path is not None:
        report_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    if failure is not None:
        raise failure
    if json_out:
        print_json(data)
    else:
        _print_summary(reports, dry_run, report_path)
    if any(r.aborted for r in reports):
        raise typer.Exit(3)


def _print_summary(reports: list[load.IngestReport], dry_run: bool, report_path: Path | None) -> None:
    columns = ["file", "entries", "new", "merged", "unchanged", "failed", "duplicates", "edges added", "inferred", "cited", "pending", "problems"]
    rows = [[Path(r.source).name if r.source != "-" else "stdin", r.entries, r.new, r.merged, r.unchanged, r.failed, r.duplicates, r.edges_added, r.edges_inferred,
             r.citations_resolved, r.citations_pending, len(r.errors)] for r in reports]
    if len(reports) > 1:
        rows.append(["total", *(sum(row[i] for row in rows) for i in range(1, len(columns)))])
    title = "Dry run: nothing written" if dry_run else "Ingested"
    if len(rows) <= _FILES_AS_COLUMNS:
        # A dozen counts side by side do not fit 80 columns: for a few files
        # each count is a row and each file a column.
        console.print(table(title, ["", *(row[0] for row in rows)], [[name, *(row[k] for row in rows)] for k, name in enumerate(columns[1:], 1)]))
    else:
        console.print(table(title, columns, rows))
    for r in reports:
        if r.skipped:
            console.print(f"{r.source}: skipped, {r.skipped}", markup=False, highlight=False)
        if r.aborted:
            err_console.print(f"{r.source}: aborted, nothing written (--strict): {r.aborted}", markup=False, highlight=False)
        kinds: dict[str, int] = {}
        for p in r.errors:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        if kinds:
            shown = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            console.print(f"{r.source}: {shown}", markup=False, highlight=False)
            for p in r.errors[:5]:
                console.print(f"  {p['source']}:{p['line']} {p['key'] or ''} [{p['kind']}] {p['message']}", markup=False, highlight=False)
            if len(r.errors) > 5:
                more = "see the --report file" if report_path else "use --report FILE.json for all of them"
                console.print(f"  ... and {len(r.errors) - 5} more ({more})", markup=False, highlight=False)


COMMANDS = {"ingest": ingest}
