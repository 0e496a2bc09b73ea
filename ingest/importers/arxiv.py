"""arXiv: the metadata snapshot's JSON Lines (Kaggle/OAI) and API Atom feeds.

Titles and abstracts carry TeX, decoded as BibTeX values are
(bibtex.decode_latex); authors come from `authors_parsed` in order; the
year is that of the first version's submission; ids lose their version
for identity (astro-ph/0601001v1 -> astro-ph/0601001) and keep it in
`version`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

from ...graph.identifiers import normalize_arxiv
from .. import bibtex
from .records import ImportedRecord, decode, json_items, json_lines, read_bytes, record, text

NAME = "arxiv"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARX = "{http://arxiv.org/schemas/atom}"
_VERSION = re.compile(r"v(\d+)$")


def looks_like(head: str) -> bool:
    return ('"authors_parsed"' in head or '"journal-ref"' in head) or ("<feed" in head and "arxiv" in head.lower())


def _tex(value: object) -> str:
    return bibtex.decode_latex(text(value))


def _name(parts: list) -> str:
    last, first, suffix = (list(parts) + ["", "", ""])[:3]
    name = ", ".join(p for p in (_tex(last), _tex(suffix)) if p)
    return f"{name}, {_tex(first)}" if first else name


def parse(path: str, limits: bibtex.Limits | None = None, text_: str | None = None) -> bibtex.ParseResult:
    problems: list[bibtex.Problem] = []
    content = text_ if text_ is not None else decode(read_bytes(path, limits), path, problems)
    if content.lstrip().startswith("<"):
        return bibtex.ParseResult(_atom(content, path, problems), problems)
    return bibtex.ParseResult(list(_snapshot(json_items(content, path, problems, ()), path, problems)), problems)


def stream(path: str, limits: bibtex.Limits | None, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    """The records of the snapshot's JSON Lines, one line at a time."""
    return _snapshot(json_lines(path, limits, problems), path, problems)


def _snapshot(items: Iterable[tuple[int, Any]], path: str, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    for line, item in items:
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(bibtex.Problem(path, line, None, "not-an-entry", "not an arXiv metadata record (no id); skipped"))
            continue
        yield _snapshot_record(item, path, line, problems)


def _first_year(versions: list) -> tuple[int | None, str | None]:
    for v in versions or ():
        try:
            when = parsedate_to_datetime(v.get("created"))
            return when.year, when.date().isoformat()
        except (TypeError, ValueError, AttributeError):
            continue
    return None, None


def _snapshot_record(item: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord:
    arxiv_id = normalize_arxiv(item["id"]) or item["id"]
    if item.get("authors_parsed"):
        authors = [_name(p) for p in item["authors_parsed"] if isinstance(p, list)]
    else:
        authors = bibtex.split_names(_tex(item.get("authors")).replace(", ", " and "))
    year, date = _first_year(item.get("versions"))
    if year is None and item.get("versions"):
        problems.append(bibtex.Problem(source, line, arxiv_id, "odd-date", "no readable submission date in `versions`; no year"))
    versions = item.get("versions") or []
    fields = {
        "title": _tex(item.get("title")), "abstract": _tex(item.get("abstract")), "year": str(year) if year else None,
        "date": date, "journal-ref": item.get("journal-ref"), "note": item.get("comments"),
        "primaryclass": (text(item.get("categories")).split() or [None])[0], "categories": item.get("categories"),
        "report-no": item.get("report-no"), "license": item.get("license"),
        "version": versions[-1].get("version") if versions and isinstance(versions[-1], dict) else None,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
    }
    return record(source, line, f"arxiv:{arxiv_id}", "misc", fields, authors, ids={"doi": item.get("doi"), "arxiv": arxiv_id})


def _atom(content: str, source: str, problems: list[bibtex.Problem]) -> list[ImportedRecord]:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        problems.append(bibtex.Problem(source, exc.position[0], None, "failed-block", f"not XML: {exc}"))
        return []
    records = []
    for number, entry in enumerate(root.iter(f"{_ATOM}entry"), start=1):
        raw_id = text(entry.findtext(f"{_ATOM}id"))
        title = _tex(entry.findtext(f"{_ATOM}title"))
        if "/api/errors" in raw_id or title == "Error":
            problems.append(bibtex.Problem(source, number, None, "not-an-entry", f"an API error entry: {text(entry.findtext(f'{_ATOM}summary'))}"))
            continue
        arxiv_id = normalize_arxiv(raw_id.rsplit("/abs/", 1)[-1])
        if not arxiv_id:
            problems.append(bibtex.Problem(source, number, None, "not-an-entry", f"entry id {raw_id!r} is not an arXiv id; skipped"))
            continue
        version = _VERSION.search(raw_id)
        published = text(entry.findtext(f"{_ATOM}published"))
        authors = [text(a.findtext(f"{_ATOM}name")) for a in entry.findall(f"{_ATOM}author")]
        primary = entry.find(f"{_ARX}primary_category")
        fields = {
            "title": title, "abstract": _tex(entry.findtext(f"{_ATOM}summary")), "year": published[:4] or None,
            "date": published[:10] or None, "journal-ref": entry.findtext(f"{_ARX}journal_ref"),
            "note": entry.findtext(f"{_ARX}comment"), "primaryclass": primary.get("term") if primary is not None else None,
            "categories": " ".join(c.get("term", "") for c in entry.findall(f"{_ATOM}category")),
            "version": f"v{version.group(1)}" if version else None, "url": f"https://arxiv.org/abs/{arxiv_id}",
        }
        records.append(record(source, number, f"arxiv:{arxiv_id}", "misc", fields, authors,
                              ids={"doi": entry.findtext(f"{_ARX}doi"), "arxiv": arxiv_id}))
    return records
