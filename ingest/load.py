"""BibTeX into the store: the entry points (a file, text, parsed records, many files).

A file is written in two passes over its records, each in batches of
`ingest_batch_size`: papers (ingest/placing.py: each record placed on the
paper it describes and merged under the one write rulebook of
graph/batch.py) and then relations (ingest/linking.py). Records become rows
in ingest/bibtex_rows.py; how batches meet transactions is
ingest/transactions.py; files ahead are parsed in worker processes by
ingest/parse_ahead.py; the report is ingest/report.py.
"""

from __future__ import annotations

import functools
import gc
import itertools
import time
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..graph import settings
from ..graph.errors import InvalidInput
from . import bibtex, importers, unchanged
from .bibtex_rows import RELATION_FIELDS, paper_values  # noqa: F401  (public names)
from .citations import link_citations
from .linking import link_mentions, link_relations
from .parse_ahead import default_workers, gc_paused, parse_source, parsed_ahead
from .placing import place_papers
from .report import NOTE_KINDS, IngestReport, Progress, Run, StrictAbort  # noqa: F401  (public names)
from .transactions import InBatch, committed_batches, in_session, one_transaction

BATCH_SIZE = settings.BY_NAME["ingest_batch_size"].default


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _write(parsed: bibtex.ParseResult, in_batch: InBatch, report: IngestReport, *,
           file_label: str, strict: bool, overwrite: bool, batch_size: int, progress: Progress | None,
           link: bool = True, placed_ids: set[str] | None = None, across_files: dict | None = None) -> IngestReport:
    """The passes over the parsed records (papers; relations and the linker's
    links unless `link` is False; citations), each batch run by
    `in_batch(run, work)`. `placed_ids` collects the papers placed;
    `across_files` carries what the next file of one ingest may reuse (the
    linker's lexicon: an ingest adds no techniques)."""
    started = time.perf_counter()
    for problem in parsed.problems:
        report.add_problem(problem.source, problem.line, problem.key, problem.kind, problem.message)
        if problem.kind == "duplicate-key" and problem.message.startswith("exact copy"):
            report.duplicates += 1
    report.entries = len(parsed.records)
    if strict and report.errors:
        first = report.errors[0]
        raise StrictAbort(f"{first['kind']}: {first['message']} ({len(report.errors)} problem(s) in all)", where=f"{first['source']}:{first['line']}")
    run = Run(report, file_label=file_label, overwrite=overwrite, strict=strict)
    run.lexicon = (across_files or {}).get("lexicon")
    total = len(parsed.records)
    done = 0
    for batch in _batches(parsed.records, batch_size):
        in_batch(run, lambda session, batch=batch: place_papers(run, session, batch))
        done += len(batch)
        if progress:
            progress(f"{file_label.split(':', 1)[-1]}: papers", done, total)
    done = 0
    for batch in _batches(run.placed, batch_size):
        in_batch(run, lambda session, batch=batch: _relations(run, session, batch, link))
        in_batch(run, lambda session, batch=batch: link_citations(run, session, batch))
        done += len(batch)
        if progress:
            progress(f"{file_label.split(':', 1)[-1]}: relations and links", done, total)
    if placed_ids is not None:
        placed_ids.update(node_id for _, node_id in run.placed)
    if across_files is not None:
        across_files["lexicon"] = run.lexicon
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _relations(run: Run, session: Session, batch: list, link: bool) -> None:
    """A placed batch's relation fields as edges and, unless `link` is False,
    the linker's links."""
    link_relations(run, session, batch)
    if link:  # in the same transaction: a commit per batch is most of what a pass costs
        link_mentions(run, session, batch)


def _write_stream(records: Iterator[bibtex.BibRecord], problems: list[bibtex.Problem],
                  read_again: Callable[[], Iterator[bibtex.BibRecord]], in_batch: InBatch, report: IngestReport, *,
                  file_label: str, strict: bool, overwrite: bool, batch_size: int, progress: Progress | None,
                  link: bool = True, placed_ids: set[str] | None = None, across_files: dict | None = None) -> IngestReport:
    """Records read as they come (JSON Lines), so memory stays flat in the
    file's size, in two passes like a BibTeX file's: papers (with their
    relations and links) batch by batch, then the file read again
    (`read_again`) for its references, batch by batch. By then every work of
    the file is in the store, so a reference to one later in the file
    becomes an edge at once. Written as a pending citation, then found and
    deleted when its work arrived, it cost as much as reading the file again
    at 20,000 works, and more as the store grew: three more random index
    pages written per such reference (80,000 works citing each other at
    random: 63.4 -> 58.1 s CPU, of it system time 17.7 -> 7.5 s; 259 -> 159 s
    wall). Between the passes each placed record's place in the file, a
    hash of its key and its node id are kept (the ids are those
    `placed_ids` holds anyway)."""
    started = time.perf_counter()
    run = Run(report, file_label=file_label, overwrite=overwrite, strict=strict)
    run.lexicon = (across_files or {}).get("lexicon")
    taken = 0

    def take_problems() -> None:
        nonlocal taken
        for problem in problems[taken:]:
            report.add_problem(problem.source, problem.line, problem.key, problem.kind, problem.message)
        taken = len(problems)
        if strict and report.errors:
            first = report.errors[0]
            raise StrictAbort(f"{first['kind']}: {first['message']} ({len(report.errors)} problem(s) in all)", where=f"{first['source']}:{first['line']}")

    placed = _PlacedInFile()
    name = file_label.split(":", 1)[-1]
    for batch in _collected(_stream_batches(records, batch_size, take_problems)):
        at = {id(record): report.entries + i for i, record in enumerate(batch)}
        report.entries += len(batch)
        run.placed = []
        # One transaction a batch: each commit checkpoints the WAL.
        in_batch(run, lambda session, batch=batch: _place_batch(run, session, batch, link))
        placed.add(run, at)
        run.placed = []
        if progress:
            progress(f"{name}: records", report.entries, 0)
    if placed_ids is not None:
        placed_ids.update(placed.nodes)
    if placed.with_references:
        done = 0
        for batch in _collected(_stream_batches(read_again(), batch_size, lambda: None)):
            cites = placed.take(batch, done)
            done += len(batch)
            if cites is None:
                report.add_problem(report.source, None, None, "changed-file",
                                       "the file changed while it was read; its references are not linked: ingest it again")
                break
            if cites:
                in_batch(run, lambda session, cites=cites: link_citations(run, session, cites))
            if progress:
                progress(f"{name}: references", done, report.entries)
    if across_files is not None:
        across_files["lexicon"] = run.lexicon
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _stream_batches(records: Iterator[bibtex.BibRecord], size: int, after_each: Callable[[], None]) -> Iterator[list[bibtex.BibRecord]]:
    records = iter(records)
    while True:
        batch = list(itertools.islice(records, size))
        after_each()
        if not batch:
            return
        yield batch


def _collected(batches: Iterator[list]) -> Iterator[list]:
    """The batches, with the cycles each leaves behind collected once it is
    written. The collector is paused (_ingest); this collects the young
    generations (what the batch made) after each batch and all of them after
    every tenth (what outlived its own batch's collection); the automatic
    collector rescanned them every few hundred allocations, a third of an
    import's CPU (5,000 works: 3.6 -> 2.4 s)."""
    for n, batch in enumerate(batches, start=1):
        yield batch
        del batch
        gc.collect(1 if n % 10 else 2)


class _PlacedInFile:
    """What the second pass over a stream needs of the first: for each record
    placed, its place in the file, a hash of its key (to notice a file
    changed in between) and its node id; a few bytes a record besides the id."""

    def __init__(self) -> None:
        self.places = array("q")
        self.keys = array("q")
        self.nodes: list[str] = []
        self.with_references = False
        self._next = 0

    def add(self, run: Run, at: dict[int, int]) -> None:
        for place, record, node_id in sorted(((at[id(record)], record, node_id) for record, node_id in run.placed), key=_first):
            self.places.append(place)
            self.keys.append(hash(record.key))
            self.nodes.append(node_id)
            self.with_references = self.with_references or bool(getattr(record, "references", None))

    def take(self, batch: list[bibtex.BibRecord], first: int) -> list[tuple[bibtex.BibRecord, str]] | None:
        """(record, node id) of the placed records of a batch read again
        starting at place `first`; None when they are not those read first."""
        out = []
        i = self._next
        for place, record in enumerate(batch, start=first):
            if i < len(self.places) and self.places[i] == place:
                if self.keys[i] != hash(record.key):
                    return None
                out.append((record, self.nodes[i]))
                i += 1
        self._next = i
        return out


def _first(item: tuple) -> Any:
    return item[0]


def _place_batch(run: Run, session: Session, batch: list[bibtex.BibRecord], link: bool) -> None:
    """The first pass over one batch of a stream: papers, then their relations and links."""
    place_papers(run, session, batch)
    _relations(run, session, run.placed, link)


def ingest_records(session: Session, parsed: bibtex.ParseResult, *, source: str, provenance: str | None = None,
                   strict: bool = False, overwrite: bool = False, batch_size: int = BATCH_SIZE,
                   progress: Progress | None = None, link: bool = True) -> IngestReport:
    """Write parsed records into the caller's transaction (the caller commits).

    With `strict`, the first problem raises StrictAbort (an InvalidInput)."""
    report = IngestReport(source=source)
    return _write(parsed, in_session(session), report, file_label=provenance or f"bibtex:{Path(source).name}",
                  strict=strict, overwrite=overwrite, batch_size=batch_size, progress=progress, link=link)


def ingest_text(session: Session, text: str, *, source: str = "<string>", provenance: str | None = None,
                strict: bool = False, overwrite: bool = False, limits: bibtex.Limits | None = None,
                format: str | None = None) -> IngestReport:
    """Parse text (BibTeX, or `format`, or the format its name and content say:
    ingest/importers) and write it into the caller's transaction."""
    found, parsed = parse_source(source, limits, text, format)
    return ingest_records(session, parsed, source=source, provenance=provenance or f"{found}:{Path(source).name}",
                          strict=strict, overwrite=overwrite)


def ingest_file(session: Session, path: Path | str, *, provenance: str | None = None, strict: bool = False,
                overwrite: bool = False, limits: bibtex.Limits | None = None, link: bool = True) -> IngestReport:
    """Parse a .bib file and write it into the caller's transaction (used by the data-file loader)."""
    parsed = bibtex.parse_file(path, limits=limits)
    return ingest_records(session, parsed, source=str(path), provenance=provenance or f"bibtex:{Path(path).name}",
                          strict=strict, overwrite=overwrite, link=link)


def _nothing_to_read(folder: Path, extensions: tuple[str, ...]) -> str:
    message = f"no {'/'.join(extensions)} files in this folder"
    if extensions != (".bib",):
        return message
    # A folder of exports in another format is read only when that format is
    # named: a .json file there may be anything (a report, a settings file).
    others = importers.formats_by_extension([f.name for f in folder.rglob("*") if f.is_file()])
    return message + (f"; name the format of its other files with --format ({', '.join(others)})" if others else "")


def bib_files(paths: list[str], extensions: tuple[str, ...] = (".bib",)) -> list[str]:
    """FILE, DIR (every file below it with one of `extensions`, sorted) or '-' (standard input) -> sources in order."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(str(f) for f in path.rglob("*") if f.is_file() and f.name.lower().endswith(extensions))
            if not found:
                raise InvalidInput(_nothing_to_read(path, extensions), where=p)
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        else:
            raise InvalidInput("no such file or folder", where=p)
    return out


def ingest_source(engine: Engine, source: str, *, text: str | None = None, parsed: bibtex.ParseResult | None = None,
                  strict: bool = False, dry_run: bool = False, overwrite: bool = False,
                  limits: bibtex.Limits | None = None, batch_size: int | None = None,
                  progress: Progress | None = None, format: str | None = None, link: bool = True,
                  force: bool = False) -> IngestReport:
    """Ingest one file (or `text`, or an already `parsed` result) into the database behind `engine`.

    Normally each batch commits on its own, so an interrupted run keeps whole
    batches and a re-run completes it. `strict` and `dry_run` run the file in
    one transaction: rolled back on the first problem (the report says why in
    `aborted`) or, for a dry run, always. A file ingested before as it is now
    is skipped (ingest/unchanged.py) unless `force`."""
    identity = None
    if text is None and parsed is None and not force:
        identity = unchanged.identify(source, format=format, limits=limits, strict=strict, link=link, overwrite=overwrite)
        skipped = _skipped(engine, source, identity, dry_run)
        if skipped is not None:
            return skipped
    return _ingest(engine, source, identity, text=text, parsed=parsed, strict=strict, dry_run=dry_run, overwrite=overwrite,
                   limits=limits, batch_size=batch_size, progress=progress, format=format, link=link)


def _skipped(engine: Engine, source: str, identity: unchanged.Identity | None, dry_run: bool) -> IngestReport | None:
    """The report of a file skipped as unchanged, or None to read it."""
    when = unchanged.ingested_at(engine, identity) if identity is not None else None
    if when is None:
        return None
    return IngestReport(source=source, dry_run=dry_run,
                        skipped=f"unchanged since it was ingested at {when} (same bytes, same settings, its papers all still here); --force reads it again")


def _ingest(engine: Engine, source: str, identity: unchanged.Identity | None, *, text: str | None, parsed: bibtex.ParseResult | None,
            strict: bool, dry_run: bool, overwrite: bool, limits: bibtex.Limits | None, batch_size: int | None,
            progress: Progress | None, format: str | None, link: bool, across_files: dict | None = None) -> IngestReport:
    started = time.perf_counter()
    stream = importers.streamed(source, format, limits) if parsed is None and text is None else None
    if stream is not None:
        format, records, problems = stream
        # The second pass's problems are the first's: not reported again.
        read_again = functools.partial(lambda found: importers.streamed(source, found, limits)[1], format)
        write = functools.partial(_write_stream, records, problems, read_again)
    else:
        if parsed is None:
            format, parsed = parse_source(source, limits, text, format)
        write = functools.partial(_write, parsed)
    format = format or "bibtex"
    name = "stdin" if source == "-" else Path(source).name
    batch_size = settings.get("ingest_batch_size", batch_size)
    report = IngestReport(source=source, dry_run=dry_run)
    placed_ids: set[str] = set()
    options = dict(file_label=f"{format}:{name}", strict=strict, overwrite=overwrite, batch_size=batch_size, progress=progress, link=link,
                   placed_ids=placed_ids, across_files=across_files)
    # A stream collects what each batch leaves behind once the batch is
    # written (_write_stream), so memory stays flat with the collector paused.
    with gc_paused():
        if not strict and not dry_run:
            write(committed_batches(engine, report), report, **options)
        else:
            try:
                with one_transaction(engine, rollback=dry_run) as session:
                    write(in_session(session), report, **options)
            except StrictAbort as exc:
                report.aborted = str(exc)
    if identity is not None and not dry_run and not report.aborted:
        unchanged.record(engine, identity, options["file_label"], placed_ids)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def ingest_sources(engine: Engine, sources: list[str], *, parse_ahead: bool = True, workers: int | None = None,
                   limits: bibtex.Limits | None = None, format: str | None = None, force: bool = False,
                   **options: Any) -> Iterator[IngestReport]:
    """Ingest files one after the other, yielding each file's report.

    Files ingested before as they are now are skipped, unless `force`
    (ingest/unchanged.py); they are recognised before any file is parsed.
    With several files to read, the files ahead are parsed in worker processes
    (ingest/parse_ahead.py, one per core beside the writer's) while this one is written. Files
    are still written, and reported, in order."""
    files = list(sources)
    identities: list[unchanged.Identity | None] = [None] * len(files)
    skipped: list[IngestReport | None] = [None] * len(files)
    if not force:
        for i, source in enumerate(files):
            identities[i] = unchanged.identify(source, format=format, limits=limits, strict=options.get("strict", False),
                                               link=options.get("link", True), overwrite=options.get("overwrite", False))
            skipped[i] = _skipped(engine, source, identities[i], options.get("dry_run", False))
    to_read = [f for f, s in zip(files, skipped) if s is None]
    workers = min(len(to_read) - 1, workers) if workers else default_workers(len(to_read))
    options = {"strict": False, "dry_run": False, "overwrite": False, "batch_size": None, "progress": None, "link": True, **options,
               "across_files": {}}
    # JSON Lines are read a line at a time while written: never parsed whole ahead.
    if not parse_ahead or workers < 1 or "-" in to_read or any(importers.is_json_lines(f) for f in to_read):
        for source, identity, report in zip(files, identities, skipped):
            yield report or _ingest(engine, source, identity, text=None, parsed=None, limits=limits, format=format, **options)
        return
    # The collector paused throughout: the parsed files are unpickled in the
    # pool's result thread, outside ingest_source's own pause.
    with gc_paused():
        ahead = parsed_ahead(to_read, workers, limits, format)
        for source, identity, report in zip(files, identities, skipped):
            if report is not None:
                yield report
                continue
            found, parsed = next(ahead)
            report = _ingest(engine, source, identity, text=None, parsed=parsed, limits=limits, format=found, **options)
            del parsed  # before the next file is unpickled (parse_ahead.parsed_ahead)
            yield report
