"""BibTeX records -> the store, in batches, with a report of what happened to each.

Two passes over a file's records, each in batches of `batch_size`:

1. papers: each record is matched to the paper it describes (identity.py:
   DOI, arXiv id, title + year (+ first author), then citation key) and
   becomes a new node or fills the empty fields of the matched one; every
   citation key becomes an alias; each field remembers where it came from
   (Paper.field_sources). A value that came from elsewhere is never replaced
   unless `overwrite` is given; the value kept and the one ignored are noted.
2. relations: the fields `relaxes`, `enables`, `inspired-by`, `introduces`,
   `cites`, `techniques` become edges (checked by the service layer's
   relation rules); `keywords` naming a technique become inferred edges.

Writes go through graph/bulk.py (executemany). With an engine, each batch is
its own transaction: a kill at any moment leaves whole batches, and a re-run
finds the papers already written by their citation keys and completes the
file without duplicates. A batch first takes the loaders' lock
(bulk.lock_for_loading), so two ingests of the same works at once cannot both
find a work new; what other writers still cause (busy, serialization
failures, a key taken first) retries the batch whole (db.write), with its
report counts rolled back first. `--strict` and `--dry-run` use one transaction for
the whole file, rolled back on any problem (strict) or always (dry run).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..graph import bulk, service, settings
from ..graph import db as database
from ..graph.db import session_scope
from ..graph.errors import AiprogressError, InvalidInput
from ..graph.models import RELATION_RULES
from . import bibtex
from .identity import IdentityIndex, Known, WorkKeys, first_author_key, keys_of, title_key

# BibTeX field -> relation; the paper is the source of every edge.
RELATION_FIELDS = {
    "relaxes": "relaxes",
    "enables": "enables",
    "inspired-by": "inspired-by",
    "inspired_by": "inspired-by",
    "introduces": "introduces",
    "cites": "cites",
    "techniques": "introduces",
    "triggered": "triggered",
}
_LINKING_FIELDS = frozenset(RELATION_FIELDS) | {"keywords"}
KEYWORD_RELATION = "introduces"
KEYWORD_CONFIDENCE = 0.5
BATCH_SIZE = settings.BY_NAME["ingest_batch_size"].default

# Problems that inform rather than accuse: they never make --strict abort.
NOTE_KINDS = bibtex.NOTE_KINDS | {"kept-value"}

_SPLIT_REFS = re.compile(r"\s*[,;]\s*|\s+and\s+")
_SPLIT_KEYWORDS = re.compile(r"\s*[,;]\s*")
_YEAR_RANGE = range(-2999, 3000)

# Record fields stored in their own columns; all others go to Paper.extra as written.
_COLUMN_FIELDS = {"title", "author", "url", "abstract", "ids"}  # ids: biblatex's other keys, become aliases

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class IngestReport:
    source: str
    entries: int = 0  # records read from the file (exact duplicate blocks not counted)
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0  # exact copies of an entry, skipped
    edges_added: int = 0
    edges_inferred: int = 0
    aliases_added: int = 0
    dry_run: bool = False
    aborted: str | None = None  # why nothing was written (strict)
    seconds: float = 0.0
    problems: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p["kind"] not in NOTE_KINDS]

    def add_problem(self, source: str, line: int | None, key: str | None, kind: str, message: str) -> None:
        self.problems.append({"source": source, "line": line, "key": key, "kind": kind, "message": message})

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in (
            "source", "entries", "new", "merged", "unchanged", "failed", "duplicates",
            "edges_added", "edges_inferred", "aliases_added", "dry_run", "aborted", "seconds",
        )}
        out["problem_count"] = len(self.errors)
        out["note_count"] = len(self.problems) - out["problem_count"]
        out["problems"] = self.problems
        return out


class StrictAbort(InvalidInput):
    """--strict met a problem: nothing of the file is written."""


# --- records -> rows --------------------------------------------------------------


def _venue(f: dict[str, str]) -> str | None:
    for name in ("journal", "journaltitle", "booktitle", "publisher", "school", "institution", "howpublished", "organization"):
        if f.get(name):
            return f[name]
    return None


def paper_values(record: bibtex.BibRecord) -> dict[str, Any]:
    """The columns a record fills: node name/year and the paper row (no ids)."""
    f = record.fields
    keys = keys_of(record.key, f, record.authors, bibtex.year_of(f))
    extra = {k: v for k, v in f.items() if k not in _COLUMN_FIELDS and k not in RELATION_FIELDS}
    if keys.year is not None:
        extra.pop("year", None)  # kept in extra only when it is not a plain year ("2023a")
    if keys.doi:
        extra.pop("doi", None)
    return {
        "name": f.get("title") or record.key,
        "year": keys.year,
        "authors": list(record.authors),
        "venue": _venue(f),
        "doi": keys.doi,
        "arxiv_id": keys.arxiv_id,
        "url": f.get("url") or None,
        "abstract": f.get("abstract") or None,
        "entry_type": record.entry_type,
        "extra": extra,
        "_keys": keys,
    }


_MERGED_COLUMNS = ("name", "year", "authors", "venue", "doi", "arxiv_id", "url", "abstract", "entry_type")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class _Paper:
    """A paper being written: its node and paper columns, and whether it is new."""

    node_id: str
    values: dict[str, Any]  # name, year, authors, venue, doi, arxiv_id, url, abstract, entry_type, extra
    sources: dict[str, str]
    citation_key: str
    provenance: str
    is_new: bool
    dirty: bool = False

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> _Paper:
        values = {c: row[c] for c in _MERGED_COLUMNS}
        values["extra"] = dict(row["extra"] or {})
        return cls(row["node_id"], values, dict(row["field_sources"] or {}), row["citation_key"], row["provenance"], False)

    def known(self, keys: WorkKeys | None = None) -> Known:
        """What the identity index knows of this paper (`keys`: of the record it was just made from)."""
        v = self.values
        if keys is not None:
            return Known(self.node_id, keys.doi, keys.arxiv_id, keys.title_key, keys.year, keys.first_author, self.sources.get("name", ""))
        return Known(self.node_id, v["doi"], v["arxiv_id"], title_key(v["name"]), v["year"], first_author_key(v["authors"]),
                     self.sources.get("name", ""))

    def node_row(self) -> dict[str, Any]:
        return {"id": self.node_id, "kind": "paper", "name": self.values["name"], "year": self.values["year"], "provenance": self.provenance}

    def paper_row(self) -> dict[str, Any]:
        v = self.values
        return {
            "node_id": self.node_id, "authors": v["authors"], "venue": v["venue"], "doi": v["doi"], "arxiv_id": v["arxiv_id"],
            "url": v["url"], "abstract": v["abstract"], "entry_type": v["entry_type"], "citation_key": self.citation_key,
            "title_key": title_key(v["name"]), "year": v["year"], "extra": v["extra"], "field_sources": self.sources,
        }


# --- the run of one file ----------------------------------------------------------


class _Run:
    def __init__(self, report: IngestReport, *, file_label: str, overwrite: bool, strict: bool):
        self.report = report
        self.file_label = file_label  # provenance prefix, e.g. bibtex:ml.bib
        self.overwrite = overwrite
        self.strict = strict
        self.placed: list[tuple[bibtex.BibRecord, str]] = []  # record -> node id

    def problem(self, record: bibtex.BibRecord, kind: str, message: str) -> None:
        self.report.add_problem(record.source, record.line, record.key, kind, message)
        if self.strict and kind not in NOTE_KINDS:
            raise StrictAbort(f"{kind}: {message}", where=f"{record.source}:{record.line} ({record.key})")

    # -- pass 1: papers --

    def place_papers(self, session: Session, records: list[bibtex.BibRecord]) -> None:
        # Another ingest's batch must not place the same works between our reads and writes.
        bulk.lock_for_loading(session)
        values = []
        for record in records:
            v = paper_values(record)
            year = v["year"]
            if year is not None and year not in _YEAR_RANGE:
                self.problem(record, "odd-year", f"year {year} is out of range; not stored as the paper's year")
                v["year"] = None
            if not record.fields.get("title"):
                self.problem(record, "missing-title", "entry has no title; the citation key is used as the paper's name")
            values.append(v)
        keys = [v["_keys"] for v in values]
        alias_map = bulk.aliases_of(session, [r.key for r in records] + [
            i for r in records if "ids" in r.fields for i in _SPLIT_KEYWORDS.split(r.fields["ids"].strip())])
        rows = bulk.papers_matching(
            session,
            dois=(k.doi for k in keys), arxiv_ids=(k.arxiv_id for k in keys),
            title_keys=(k.title_key for k in keys), node_ids=alias_map.values(),
        )
        papers = {node_id: _Paper.from_row(row) for node_id, row in rows.items()}
        index = IdentityIndex()
        for paper in papers.values():
            index.add(paper.known())
        for alias, node_id in alias_map.items():
            if node_id in papers:
                index.add_alias(alias, node_id)
        taken_ids = set(bulk.node_kinds(session, (f"paper:{r.key}" for r in records)))
        new_aliases: list[dict[str, str]] = []

        for record, v in zip(records, values):
            prov = f"{self.file_label}#{record.key}"
            node_id, how = index.match(v["_keys"], source=self.file_label)
            changed = False
            if node_id is None:
                node_id = self._new_id(session, record.key, taken_ids)
                taken_ids.add(node_id)
                sources = {c: prov for c in _MERGED_COLUMNS if not _empty(v[c])}
                sources.update({f"extra.{k}": prov for k in v["extra"]})
                paper = _Paper(node_id, {c: v[c] for c in (*_MERGED_COLUMNS, "extra")}, sources, record.key, self.file_label, True, True)
                papers[node_id] = paper
            else:
                paper = papers[node_id]
                changed = self._merge(paper, v, record, prov, how)
                paper.dirty = paper.dirty or changed
            if changed or how == "":
                index.add(paper.known(v["_keys"] if how == "" else None))
            alias = record.key.lower()
            holder = alias_map.get(alias)
            alias_added = False
            if holder is None:
                alias_map[alias] = node_id
                index.add_alias(alias, node_id)
                new_aliases.append({"alias": alias, "node_id": node_id, "source": "citation-key"})
                alias_added = True
                self.report.aliases_added += 1
            elif holder != node_id:
                self.problem(record, "kept-value", f"citation key '{record.key}' already names {holder}; this entry is the same work as {node_id} (matched by {how}) and was merged there")
            for other in filter(None, _SPLIT_KEYWORDS.split(record.fields.get("ids", "").strip())):
                other = other.lower()
                if other not in alias_map and bibtex.CITATION_KEY_RE.match(other):
                    alias_map[other] = node_id
                    index.add_alias(other, node_id)
                    new_aliases.append({"alias": other, "node_id": node_id, "source": "citation-key"})
                    alias_added = True
                    self.report.aliases_added += 1
            if how == "":
                self.report.new += 1
            elif changed or alias_added:
                self.report.merged += 1
            else:
                self.report.unchanged += 1
            self.placed.append((record, node_id))

        new = [p for p in papers.values() if p.is_new]
        changed = [p for p in papers.values() if p.dirty and not p.is_new]
        bulk.insert_papers(session, [p.node_row() for p in new], [p.paper_row() for p in new])
        bulk.update_papers(session, [p.node_row() for p in changed], [p.paper_row() for p in changed])
        bulk.insert_aliases(session, new_aliases)
        session.flush()

    def _new_id(self, session: Session, key: str, taken: set[str]) -> str:
        base = f"paper:{key}"
        if base not in taken:
            return base
        n = 2
        while True:
            candidate = f"{base}-{n}"
            if candidate not in taken and not bulk.node_kinds(session, [candidate]):
                return candidate
            n += 1

    def _merge(self, paper: _Paper, v: dict[str, Any], record: bibtex.BibRecord, prov: str, how: str) -> bool:
        """Fill empty fields; replace a differing value only if it came from this
        same entry (the file was edited) or `overwrite` is set. True if anything changed."""
        changed = False

        def take(name: str, old: Any, new: Any) -> bool:
            if _empty(new) or old == new:
                return False
            if _empty(old) or self.overwrite or paper.sources.get(name) == prov:
                return True
            if not (name == "name" and title_key(old) == title_key(new)):
                shown = "title" if name == "name" else name
                self.problem(record, "kept-value", f"{shown}: kept {old!r} (from {paper.sources.get(name, 'a user')}), ignored {new!r} (use --overwrite to replace)")
            return False

        for name in _MERGED_COLUMNS:
            new = v[name]
            if name in ("doi", "arxiv_id") and not _empty(new) and paper.values[name] != new and not _empty(paper.values[name]):
                continue  # identity fields are never rewritten: a different one means a different work
            if take(name, paper.values[name], new):
                paper.values[name] = new
                paper.sources[name] = prov
                changed = True
        extra = paper.values["extra"]
        for name, new in v["extra"].items():
            if take(f"extra.{name}", extra.get(name), new):
                extra[name] = new
                paper.sources[f"extra.{name}"] = prov
                changed = True
        return changed

    # -- pass 2: relations --

    def link_relations(self, session: Session, placed: list[tuple[bibtex.BibRecord, str]]) -> None:
        wanted: list[tuple[bibtex.BibRecord, str, str, str, str]] = []  # record, node id, field, relation, ref
        keywords: list[tuple[bibtex.BibRecord, str, str]] = []
        for record, node_id in placed:
            fields = record.fields
            if _LINKING_FIELDS.isdisjoint(fields):
                continue  # most entries: nothing to link, nothing to split
            for name, relation in RELATION_FIELDS.items():
                for ref in filter(None, _SPLIT_REFS.split(fields.get(name, "").strip())):
                    wanted.append((record, node_id, name, relation, ref.strip("{} ")))
            for word in filter(None, _SPLIT_KEYWORDS.split(fields.get("keywords", "").strip())):
                keywords.append((record, node_id, word))
        if not wanted and not keywords:
            return

        # Candidates for each reference: itself as an id, as an alias, and as
        # kind:slug for each kind the relation may point at.
        candidate_ids = set()
        for _, _, _, relation, ref in wanted:
            candidate_ids.add(ref)
            candidate_ids.update(f"{kind}:{ref}" for kind in RELATION_RULES[relation][1])
            candidate_ids.update(f"{kind}:{service.slugify(ref)}" for kind in RELATION_RULES[relation][1] if kind != "paper")
        aliases = bulk.aliases_of(session, (ref for *_, ref in wanted))
        kinds = bulk.node_kinds(session, candidate_ids | set(aliases.values()) | {n for _, n in placed})
        techniques = bulk.technique_aliases(session, (w for *_, w in keywords))
        existing = bulk.edges_from(session, (n for _, n in placed))

        rows: list[dict[str, Any]] = []

        def add(record: bibtex.BibRecord, node_id: str, relation: str, target: str, note: str, confidence: float | None) -> bool:
            """Queue one edge unless the store or this file already has it; True if queued."""
            triple = (node_id, relation, target)
            if triple in existing:
                return False
            existing.add(triple)
            rows.append({
                "source_id": node_id, "relation": relation, "target_id": target,
                "provenance": f"{self.file_label}#{record.key}", "note": note, "year": bibtex.year_of(record.fields),
                "confidence": confidence, "inferred": confidence is not None,
            })
            return True

        for record, node_id, name, relation, ref in wanted:
            target = self._resolve(ref, relation, aliases, kinds)
            if target is None:
                self.problem(record, "unknown-reference", f"field '{name}': {ref!r} names no node (not an id, slug, alias or citation key); no edge made")
                continue
            try:
                bulk.check_edge(node_id, kinds[node_id], relation, target, kinds[target])
            except AiprogressError as exc:
                self.problem(record, "forbidden-relation", f"field '{name}': {exc.message}")
                continue
            if add(record, node_id, relation, target, f"BibTeX field {name} of {record.key}", None):
                self.report.edges_added += 1
        for record, node_id, word in keywords:
            target = techniques.get(word.lower())
            if target is not None and add(record, node_id, KEYWORD_RELATION, target, f"inferred from keyword {word!r} of {record.key}", KEYWORD_CONFIDENCE):
                self.report.edges_inferred += 1
        bulk.insert_edges(session, rows)
        session.flush()

    @staticmethod
    def _resolve(ref: str, relation: str, aliases: dict[str, str], kinds: dict[str, str]) -> str | None:
        if ref in kinds and ":" in ref:
            return ref
        targets = RELATION_RULES[relation][1]
        node_id = aliases.get(ref.lower())
        if node_id is not None:
            return node_id
        for kind in sorted(targets):
            for candidate in (f"{kind}:{ref}", f"{kind}:{service.slugify(ref)}"):
                if candidate in kinds:
                    return candidate
        return None


# --- entry points -------------------------------------------------------------------


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _write(parsed: bibtex.ParseResult, in_batch: Callable[[_Run, Callable[[Session], None]], None], report: IngestReport, *,
           file_label: str, strict: bool, overwrite: bool, batch_size: int, progress: Progress | None) -> IngestReport:
    """Both passes over the parsed records, each batch run by `in_batch(run, work)`."""
    started = time.perf_counter()
    for problem in parsed.problems:
        report.add_problem(problem.source, problem.line, problem.key, problem.kind, problem.message)
        if problem.kind == "duplicate-key" and problem.message.startswith("exact copy"):
            report.duplicates += 1
    report.entries = len(parsed.records)
    if strict and report.errors:
        first = report.errors[0]
        raise StrictAbort(f"{first['kind']}: {first['message']} ({len(report.errors)} problem(s) in all)", where=f"{first['source']}:{first['line']}")
    run = _Run(report, file_label=file_label, overwrite=overwrite, strict=strict)
    total = len(parsed.records)
    done = 0
    for batch in _batches(parsed.records, batch_size):
        in_batch(run, lambda session, batch=batch: run.place_papers(session, batch))
        done += len(batch)
        if progress:
            progress(f"{file_label.split(':', 1)[-1]}: papers", done, total)
    done = 0
    for batch in _batches(run.placed, batch_size):
        in_batch(run, lambda session, batch=batch: run.link_relations(session, batch))
        done += len(batch)
        if progress:
            progress(f"{file_label.split(':', 1)[-1]}: relations", done, total)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def ingest_records(session: Session, parsed: bibtex.ParseResult, *, source: str, provenance: str | None = None,
                   strict: bool = False, overwrite: bool = False, batch_size: int = BATCH_SIZE,
                   progress: Progress | None = None) -> IngestReport:
    """Write parsed records into the caller's transaction (the caller commits).

    With `strict`, the first problem raises StrictAbort (an InvalidInput)."""
    report = IngestReport(source=source)
    return _write(parsed, lambda run, work: work(session), report, file_label=provenance or f"bibtex:{Path(source).name}",
                  strict=strict, overwrite=overwrite, batch_size=batch_size, progress=progress)


def ingest_text(session: Session, text: str, *, source: str = "<string>", provenance: str | None = None,
                strict: bool = False, overwrite: bool = False, limits: bibtex.Limits | None = None) -> IngestReport:
    """Parse BibTeX text and write it into the caller's transaction."""
    parsed = bibtex.parse_text(text, source, limits=limits)
    return ingest_records(session, parsed, source=source, provenance=provenance, strict=strict, overwrite=overwrite)


def ingest_file(session: Session, path: Path | str, *, provenance: str | None = None, strict: bool = False,
                overwrite: bool = False, limits: bibtex.Limits | None = None) -> IngestReport:
    """Parse a .bib file and write it into the caller's transaction (used by the data-file loader)."""
    parsed = bibtex.parse_file(path, limits=limits)
    return ingest_records(session, parsed, source=str(path), provenance=provenance or f"bibtex:{Path(path).name}",
                          strict=strict, overwrite=overwrite)


def bib_files(paths: list[str]) -> list[str]:
    """FILE, DIR (every *.bib below it, sorted) or '-' (standard input) -> sources in order."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(str(f) for f in path.rglob("*.bib") if f.is_file())
            if not found:
                raise InvalidInput("no .bib files in this folder", where=p)
            out.extend(found)
        elif path.is_file():
            out.append(str(path))
        else:
            raise InvalidInput("no such file or folder", where=p)
    return out


def parse_source(source: str, limits: bibtex.Limits | None = None, text: str | None = None) -> bibtex.ParseResult:
    """Parse a file, or `text` (standard input when `source` is '-')."""
    with _gc_paused():
        if source == "-":
            return bibtex.parse_text(sys.stdin.read() if text is None else text, "<stdin>", limits=limits)
        if text is not None:
            return bibtex.parse_text(text, source, limits=limits)
        return bibtex.parse_file(source, limits=limits)


def ingest_source(engine: Engine, source: str, *, text: str | None = None, parsed: bibtex.ParseResult | None = None,
                  strict: bool = False, dry_run: bool = False, overwrite: bool = False,
                  limits: bibtex.Limits | None = None, batch_size: int | None = None,
                  progress: Progress | None = None) -> IngestReport:
    """Ingest one file (or `text`, or an already `parsed` result) into the database behind `engine`.

    Normally each batch commits on its own, so an interrupted run keeps whole
    batches and a re-run completes it. `strict` and `dry_run` run the file in
    one transaction: rolled back on the first problem (the report says why in
    `aborted`) or, for a dry run, always."""
    started = time.perf_counter()
    if parsed is None:
        parsed = parse_source(source, limits, text)
    name = "stdin" if source == "-" else Path(source).name
    batch_size = settings.get("ingest_batch_size", batch_size)
    report = IngestReport(source=source, dry_run=dry_run)
    options = dict(file_label=f"bibtex:{name}", strict=strict, overwrite=overwrite, batch_size=batch_size, progress=progress)
    with _gc_paused():
        if not strict and not dry_run:
            _write(parsed, _committed_batches(engine, report), report, **options)
        else:
            try:
                with _one_transaction(engine, rollback=dry_run) as session:
                    _write(parsed, lambda run, work: work(session), report, **options)
            except StrictAbort as exc:
                report.aborted = str(exc)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def ingest_sources(engine: Engine, sources: list[str], *, parse_ahead: bool = True, workers: int | None = None,
                   limits: bibtex.Limits | None = None, **options: Any) -> Iterator[IngestReport]:
    """Ingest files one after the other, yielding each file's report.

    With several files, the files ahead are parsed in worker processes (one
    per core; at most one file more than the workers is held parsed) while
    this one is written: parsing is
    pure CPU work and shares nothing with the database, and it costs more
    than the writing, so a multi-file ingest costs about the parsing spread
    over the cores. Files are still written, and reported, in order."""
    files = [s for s in sources]
    workers = min(len(files) - 1, workers or os.cpu_count() or 1)
    if not parse_ahead or workers < 1 or "-" in files:
        for source in files:
            yield ingest_source(engine, source, limits=limits, **options)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    ahead = workers + 1  # one more than the workers, so that none waits while a file is written
    # The collector paused throughout: the parsed files are unpickled in the
    # pool's result thread, outside ingest_source's own pause.
    with _gc_paused(), ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = deque(pool.submit(parse_source, f, limits) for f in files[:ahead])
        for i, source in enumerate(files):
            parsed = pending.popleft().result()
            if i + ahead < len(files):
                pending.append(pool.submit(parse_source, files[i + ahead], limits))
            yield ingest_source(engine, source, parsed=parsed, limits=limits, **options)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Bulk parsing and loading allocate hundreds of thousands of small objects
    without reference cycles; the cyclic collector would rescan them again and
    again (10-20% of the run). Paused for the duration, then restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _committed_batches(engine: Engine, report: IngestReport) -> Callable[[_Run, Callable[[Session], None]], None]:
    """Run each batch in its own transaction, retried whole when another writer
    got in the way (database.write); a retry first rolls the report back to
    where the batch started, so nothing is counted twice."""

    def in_batch(run: _Run, work: Callable[[Session], None]) -> None:
        saved = {k: v for k, v in vars(report).items() if k != "problems"}
        n_problems, n_placed = len(report.problems), len(run.placed)

        def attempt(session: Session) -> None:
            vars(report).update(saved)
            del report.problems[n_problems:]
            del run.placed[n_placed:]
            work(session)

        database.write(engine, attempt)

    return in_batch


@contextmanager
def _one_transaction(engine: Engine, *, rollback: bool) -> Iterator[Session]:
    if not rollback:
        with session_scope(engine, writes=True) as session:
            yield session
        return
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.info.pop("graph_changed", None)
            session.rollback()
