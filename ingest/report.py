"""What an ingest did to one file: counts and every problem with file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..graph import batch
from ..graph.errors import InvalidInput
from . import bibtex

# Problems that inform rather than accuse: they never make --strict abort.
NOTE_KINDS = bibtex.NOTE_KINDS | batch.NOTE_KINDS

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
    edges_inferred: int = 0  # the linker's `mentions` links made
    aliases_added: int = 0
    citations_resolved: int = 0  # references that became `cites` edges (from this file, or pending ones it answered)
    citations_pending: int = 0  # references to works not in the store, kept until they arrive
    dry_run: bool = False
    aborted: str | None = None  # why nothing was written (strict, or the ingest failed outright)
    skipped: str | None = None  # why the file was not read: ingested before as it is (ingest/unchanged.py)
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
            "edges_added", "edges_inferred", "aliases_added", "citations_resolved", "citations_pending", "dry_run", "aborted", "skipped", "seconds",
        )}
        out["problem_count"] = len(self.errors)
        out["note_count"] = len(self.problems) - out["problem_count"]
        out["problems"] = self.problems
        return out


class StrictAbort(InvalidInput):
    """--strict met a problem: nothing of the file is written."""


class Run:
    """One file being written: its report, where its values come from, and the
    records placed so far (record -> node id) for the relation pass."""

    def __init__(self, report: IngestReport, *, file_label: str, overwrite: bool, strict: bool):
        self.report = report
        self.file_label = file_label  # provenance prefix, e.g. bibtex:ml.bib
        self.overwrite = overwrite
        self.strict = strict
        self.placed: list[tuple[bibtex.BibRecord, str]] = []
        self.lexicon = None  # the linker's, read at the first batch that links

    def problem(self, record: bibtex.BibRecord, kind: str, message: str) -> None:
        self.report.add_problem(record.source, record.line, record.key, kind, message)
        if self.strict and kind not in NOTE_KINDS:
            raise StrictAbort(f"{kind}: {message}", where=f"{record.source}:{record.line} ({record.key})")
