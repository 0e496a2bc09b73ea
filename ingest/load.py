"""BibTeX records -> service calls, with a report of what happened to each.

First version: one paper per citation key, relation fields as edges. The
identity/merging rules and bulk writes of the ingest issue build on this.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlmodel import Session

from ..graph import service
from ..graph.errors import AiprogressError, InvalidInput
from ..graph.identifiers import normalize_arxiv
from . import bibtex

# BibTeX field -> relation; the paper is the source of every edge.
RELATION_FIELDS = {
    "relaxes": "relaxes",
    "enables": "enables",
    "inspired-by": "inspired-by",
    "inspired_by": "inspired-by",
    "introduces": "introduces",
    "cites": "cites",
    "techniques": "introduces",
}
_SPLIT = re.compile(r"\s*,\s*|\s+and\s+")


@dataclass
class IngestReport:
    source: str
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    failed: int = 0
    edges_added: int = 0
    problems: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _year(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [a.strip() for a in re.split(r"\s+and\s+", value) if a.strip()]


def _arxiv(fields: dict[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if fields.get("eprint") and prefix == "arxiv":
        return normalize_arxiv(fields["eprint"])
    if fields.get("arxiv"):
        return normalize_arxiv(fields["arxiv"])
    for name in ("url", "doi"):
        value = fields.get(name) or ""
        if "arxiv" in value.lower() and normalize_arxiv(value):
            return normalize_arxiv(value)
    return None


def _paper_values(record: bibtex.BibRecord) -> dict:
    f = record.fields
    known = {"title", "author", "year", "journal", "booktitle", "doi", "eprint", "archiveprefix", "url", "abstract", *RELATION_FIELDS}
    return dict(
        title=f.get("title") or record.key,
        year=_year(f.get("year")),
        authors=_authors(f.get("author")),
        venue=f.get("journal") or f.get("booktitle"),
        doi=f.get("doi"),
        arxiv_id=_arxiv(f),
        url=f.get("url"),
        abstract=f.get("abstract"),
        entry_type=record.entry_type,
        citation_key=record.key,
        extra={k: v for k, v in f.items() if k not in known},
    )


def ingest_records(session: Session, records: list[bibtex.BibRecord], *, provenance: str, report: IngestReport, strict: bool = False) -> IngestReport:
    """Write papers first, then their relation fields (which may point at each other)."""
    written: list[bibtex.BibRecord] = []
    for record in records:
        where = f"{record.source}:{record.line} ({record.key})"
        try:
            with session.begin_nested():
                change = service.upsert_paper(session, f"paper:{record.key}", provenance=provenance, **_paper_values(record))
        except AiprogressError as exc:
            if strict:
                raise InvalidInput(exc.message, where=where) from exc
            report.failed += 1
            report.problems.append({"source": record.source, "line": record.line, "key": record.key, "kind": "failed-entry", "message": exc.message})
            continue
        written.append(record)
        if change == service.ADDED:
            report.new += 1
        elif change == service.UPDATED:
            report.merged += 1
        else:
            report.unchanged += 1
    for record in written:
        for name, relation in RELATION_FIELDS.items():
            for ref in filter(None, _SPLIT.split(record.fields.get(name, "").strip())):
                where = f"{record.source}:{record.line} ({record.key})"
                try:
                    target = service.resolve_id(session, ref)
                    with session.begin_nested():
                        _, change = service.link(
                            session, f"paper:{record.key}", relation, target,
                            provenance=f"{provenance}#{record.key}", note=f"BibTeX field {name} of {record.key}",
                        )
                except AiprogressError as exc:
                    if strict:
                        raise InvalidInput(f"field {name}: {exc.message}", where=where) from exc
                    report.problems.append({"source": record.source, "line": record.line, "key": record.key, "kind": "bad-reference", "message": f"field {name}: {exc.message}"})
                    continue
                if change == service.ADDED:
                    report.edges_added += 1
    return report


def ingest_text(session: Session, text: str, *, source: str = "<string>", provenance: str | None = None, strict: bool = False) -> IngestReport:
    parsed = bibtex.parse_text(text, source)
    report = IngestReport(source=source)
    for problem in parsed.problems:
        if strict:
            raise InvalidInput(f"{problem.kind}: {problem.message}", where=f"{problem.source}:{problem.line}")
        report.problems.append(asdict(problem))
    return ingest_records(session, parsed.records, provenance=provenance or f"bibtex:{source}", report=report, strict=strict)


def ingest_file(session: Session, path: Path | str, *, provenance: str | None = None, strict: bool = False) -> IngestReport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    return ingest_text(session, text, source=str(path), provenance=provenance or f"bibtex:{path.name}", strict=strict)
