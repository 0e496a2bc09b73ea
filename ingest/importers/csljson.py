"""CSL-JSON, as Zotero, Better BibTeX and Pandoc write it: a list of items
(or one item).

Names: `family`/`given` with particles (`non-dropping-particle` stays with
the surname, `dropping-particle` with the given names) and `suffix`, or a
`literal` name kept whole. Dates: `date-parts` (the first part of a range
gives the year), `raw` and `literal` dates read for a year, `season` and
`circa` kept in the date text.
"""

from __future__ import annotations

from typing import Any

from .. import bibtex
from .records import ImportedRecord, decode, json_items, make_key, read_bytes, record, text, year_in

NAME = "csl-json"

# CSL type -> BibTeX entry type (graph/export_citations.py has the way back).
TYPES = {
    "article-journal": "article", "article": "misc", "paper-conference": "inproceedings", "book": "book",
    "chapter": "incollection", "report": "techreport", "thesis": "phdthesis", "webpage": "online",
    "manuscript": "unpublished", "dataset": "misc", "software": "software", "article-magazine": "article",
    "article-newspaper": "article", "entry-encyclopedia": "incollection", "speech": "misc",
}
# CSL variables kept as fields under the BibTeX name the rest of the store uses.
_FIELDS = {"volume": "volume", "issue": "number", "page": "pages", "publisher": "publisher", "publisher-place": "address",
           "ISSN": "issn", "ISBN": "isbn", "language": "language", "note": "note", "edition": "edition",
           "collection-title": "series", "genre": "type", "number": "number", "URL": "url", "abstract": "abstract",
           "container-title-short": "shortjournal", "title-short": "shorttitle", "PMID": "pmid", "PMCID": "pmcid"}
_VENUE = {"paper-conference": "booktitle", "chapter": "booktitle", "entry-encyclopedia": "booktitle"}


def looks_like(head: str) -> bool:
    return '"date-parts"' in head or ('"type"' in head and ('"id"' in head or '"title"' in head))


def csl_name(name: Any) -> str:
    """A CSL name as 'family, given' (BibTeX's order), particles where CSL puts them."""
    if isinstance(name, str):
        return text(name)
    if not isinstance(name, dict):
        return ""
    if name.get("literal"):
        return text(name["literal"])
    family = " ".join(p for p in (text(name.get("non-dropping-particle")), text(name.get("family"))) if p)
    given = " ".join(p for p in (text(name.get("given")), text(name.get("dropping-particle"))) if p)
    suffix = text(name.get("suffix"))
    if not family:
        return given
    return ", ".join(p for p in (family, suffix, given) if p)


def date_of(value: Any) -> tuple[int | None, str]:
    """(year, date text) of a CSL date: date-parts (ranges: the first), raw, literal."""
    if isinstance(value, str):
        return year_in(value), text(value)
    if not isinstance(value, dict):
        return None, ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        start = parts[0]
        year = year_in(start[0]) if start[0] not in (None, "") else None
        shown = "-".join(f"{int(p):02d}" if i else f"{int(p):04d}" for i, p in enumerate(start) if str(p).strip().isdigit())
        if len(parts) > 1 and isinstance(parts[1], list) and parts[1]:
            end = "-".join(str(p) for p in parts[1] if str(p).strip())
            shown = f"{shown}/{end}" if end else shown
        if value.get("circa"):
            shown += "~"
        if value.get("season"):
            shown += f" (season {value['season']})"
        return year, shown
    for name in ("raw", "literal"):
        if value.get(name):
            return year_in(value[name]), text(value[name])
    return None, ""


def parse(path: str, limits: bibtex.Limits | None = None, text_: str | None = None) -> bibtex.ParseResult:
    problems: list[bibtex.Problem] = []
    content = text_ if text_ is not None else decode(read_bytes(path, limits), path, problems)
    records = []
    for line, item in json_items(content, path, problems, ("items",)):
        rec = item_record(item, path, line, problems)
        if rec is not None:
            records.append(rec)
    return bibtex.ParseResult(records, problems)


def item_record(item: Any, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    if not isinstance(item, dict) or not ("type" in item or "title" in item):
        problems.append(bibtex.Problem(source, line, None, "not-an-entry", "not a CSL item (no type or title); skipped"))
        return None
    authors = [csl_name(n) for n in item.get("author") or () if csl_name(n)]
    editors = [csl_name(n) for n in item.get("editor") or () if csl_name(n)]
    year, date = date_of(item.get("issued"))
    if item.get("issued") and year is None:
        problems.append(bibtex.Problem(source, line, text(item.get("id")), "odd-date", f"issued date {item['issued']!r} has no year"))
    title = text(item.get("title"))
    csl_type = text(item.get("type"))
    fields = {_FIELDS[k]: (", ".join(map(text, v)) if isinstance(v, list) else v) for k, v in item.items() if k in _FIELDS}
    fields.update({"title": title, "year": str(year) if year else None, "date": date, "csl-type": csl_type})
    if editors:
        fields["editor"] = " and ".join(editors)
    if item.get("container-title"):
        fields[_VENUE.get(csl_type, "journal")] = item["container-title"]
    if item.get("keyword"):
        fields["keywords"] = item["keyword"]
    key_hint = text(item.get("citation-key") or item.get("id"))
    key = make_key(key_hint or None, authors, year, title)
    arxiv = None
    for name in ("arXiv", "arxiv"):
        arxiv = arxiv or item.get(name)
    return record(source, line, key, TYPES.get(csl_type, "misc"), fields, authors,
                  ids={"doi": item.get("DOI") or item.get("doi"), "arxiv": arxiv})
