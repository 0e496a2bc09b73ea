"""RIS (EndNote, Zotero, JabRef, Scopus exports) and Web of Science tagged
files, read by rispy (a maintained parser: BOM, CRLF, multi-line values,
unknown tags).

What rispy passes over silently is reported here: unknown tags (kept as
fields `ris-XX`), tags repeated where one value is expected (the first
kept), and lines outside any record. Web of Science `CR` cited references
carrying a DOI become references.
"""

from __future__ import annotations

import re
from typing import Any

import rispy

from .. import bibtex
from .records import ImportedRecord, Reference, decode, make_key, read_bytes, record, text, year_in

NAME = "ris"

TYPES = {"JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article", "CONF": "inproceedings",
         "CPAPER": "inproceedings", "BOOK": "book", "EBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
         "THES": "phdthesis", "RPRT": "techreport", "ELEC": "online", "WEB": "online", "UNPB": "unpublished",
         "GEN": "misc", "DATA": "misc", "COMP": "software"}
_WOS_TYPES = {"J": "article", "B": "book", "S": "incollection", "P": "misc"}
_TAG = re.compile(r"^([A-Z][A-Z0-9])  ?- ?(.*)$")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_CR_DOI = re.compile(r"DOI (?:\[)?(10\.[^\s,\]]+)")
_COUNTER = re.compile(r"^\d+\.$")
_LIST_TAGS = {"A1", "A2", "A3", "A4", "AU", "KW", "UR", "L1", "L2", "L4", "N1", "SN", "ER", "TY"}


def looks_like(head: str) -> bool:
    lines = [ln.strip("\ufeff") for ln in head.splitlines() if ln.strip()][:5]
    return any(_TAG.match(ln) and ln.startswith("TY") for ln in lines) or any(ln.startswith("FN ") or ln.startswith("PT ") for ln in lines)


def _is_wos(content: str) -> bool:
    first = next((ln.strip("\ufeff") for ln in content.splitlines() if ln.strip()), "")
    return first.startswith("FN ") or first.startswith("PT ")


def _scan(content: str, source: str, wos: bool, problems: list[bibtex.Problem]) -> list[int]:
    """The line each record starts on, reporting what rispy drops without a word."""
    starts: list[int] = []
    seen: dict[str, int] = {}
    inside = False
    start_tag = "PT" if wos else "TY"
    pattern = _WOS_TAG if wos else _TAG
    for number, line in enumerate(content.splitlines(), start=1):
        line = line.lstrip("\ufeff").rstrip()
        m = pattern.match(line)
        if not m:
            # "1." before a record is the counter rispy and EndNote write, not text.
            if line.strip() and not inside and not wos and not _COUNTER.match(line.strip()):
                problems.append(bibtex.Problem(source, number, None, "not-an-entry", f"text outside a record: {line[:60]!r}; ignored"))
            continue
        tag = m.group(1)
        if tag == start_tag:
            inside = True
            starts.append(number)
            seen = {}
            continue
        if tag == "ER":
            if not inside:
                problems.append(bibtex.Problem(source, number, None, "not-an-entry", f"ER without a {start_tag} line: a record with no type; ignored"))
            inside = False
            continue
        if inside and not wos and tag not in _LIST_TAGS and tag in rispy.TAG_KEY_MAPPING:
            if tag in seen:
                problems.append(bibtex.Problem(source, number, None, "duplicate-field",
                                               f"tag {tag} repeated (first at line {seen[tag]}); the first value is kept"))
            else:
                seen[tag] = number
    return starts


def parse(path: str, limits: bibtex.Limits | None = None, text_: str | None = None) -> bibtex.ParseResult:
    problems: list[bibtex.Problem] = []
    content = text_ if text_ is not None else decode(read_bytes(path, limits), path, problems)
    content = content.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    wos = _is_wos(content)
    starts = _scan(content, path, wos, problems)
    try:
        entries = rispy.loads(content, implementation=rispy.WokParser) if wos else rispy.loads(content, skip_unknown_tags=False, enforce_list_tags=False)
    except Exception as exc:  # rispy raises plain IOError/ValueError with its reason
        problems.append(bibtex.Problem(path, 1, None, "failed-block", f"RIS could not be read: {exc}"))
        return bibtex.ParseResult([], problems)
    records = []
    for number, entry in enumerate(entries):
        line = starts[number] if number < len(starts) else 1
        rec = (_wos_record if wos else _ris_record)(entry, path, line, problems)
        if rec is not None:
            records.append(rec)
    return bibtex.ParseResult(records, problems)


def _first(entry: dict, *names: str) -> str:
    for n in names:
        v = entry.get(n)
        if isinstance(v, list):
            v = v[0] if v else None
        if v not in (None, ""):
            return text(v)
    return ""


def _ris_record(entry: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    ris_type = text(entry.get("type_of_reference")).upper()
    title = _first(entry, "title", "primary_title", "translated_title")
    authors = [text(a) for key in ("authors", "first_authors") for a in entry.get(key) or () if text(a)]
    date = _first(entry, "date", "publication_year", "year")
    year = year_in(_first(entry, "year", "publication_year")) or year_in(date)
    pages = "--".join(p for p in (_first(entry, "start_page"), _first(entry, "end_page")) if p)
    unknown = entry.get("unknown_tag") or {}
    fields: dict[str, Any] = {
        "title": title, "year": str(year) if year else None, "date": date,
        "journal": _first(entry, "journal_name", "secondary_title", "alternate_title3", "alternate_title1", "alternate_title2"),
        "volume": _first(entry, "volume"), "number": _first(entry, "number"), "pages": pages,
        "publisher": _first(entry, "publisher"), "address": _first(entry, "place_published"),
        "abstract": _first(entry, "abstract", "notes_abstract"), "url": _first(entry, "urls"),
        "issn": _first(entry, "issn"), "language": _first(entry, "language"), "note": _first(entry, "notes", "note"),
        "keywords": ", ".join(text(k) for k in entry.get("keywords") or () if text(k)), "ris-type": ris_type,
        "editor": " and ".join(text(a) for a in entry.get("secondary_authors") or () if text(a)) if ris_type in ("CHAP", "BOOK", "CONF") else None,
    }
    for tag, values in unknown.items():
        fields[f"ris-{tag.lower()}"] = "; ".join(text(v) for v in (values if isinstance(values, list) else [values]))
        problems.append(bibtex.Problem(source, line, None, "unknown-tag", f"tag {tag} is not RIS; kept as field ris-{tag.lower()}"))
    key = make_key(_first(entry, "id") or None, authors, year, title)
    if ris_type and ris_type not in TYPES and ris_type not in rispy.TYPE_OF_REFERENCE_MAPPING:
        problems.append(bibtex.Problem(source, line, key, "unknown-type", f"TY {ris_type} is not a RIS type; read as misc"))
    doi = _first(entry, "doi")
    arxiv = next((text(u) for u in entry.get("urls") or () if "arxiv.org/abs/" in text(u)), None)
    if arxiv and fields["url"] == arxiv:
        fields["url"] = next((text(u) for u in entry.get("urls") or () if text(u) != arxiv), arxiv)
    # One URL is the paper's; the others are kept rather than lost.
    others = [u for u in dict.fromkeys(text(u) for u in entry.get("urls") or ()) if u and u != fields["url"]]
    if others:
        fields["ris-urls"] = "; ".join(others)
    return record(source, line, key, TYPES.get(ris_type, "misc"), fields, authors, ids={"doi": doi, "arxiv": arxiv})


def _wos_record(entry: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    """A Web of Science record (rispy's WokParser names its tags in words)."""
    title = _first(entry, "document_title")
    authors = [text(a) for a in entry.get("author_full_name") or entry.get("authors") or () if text(a)]
    year = year_in(_first(entry, "publication_year"))
    cited = entry.get("cited_references") or ()
    cited = [cited] if isinstance(cited, str) else list(cited)
    dois = [d.rstrip("'\"") for c in cited for d in _CR_DOI.findall(text(c))]
    references = [Reference(doi=d) for d in dict.fromkeys(dois)]
    fields = {"title": title, "year": str(year) if year else None, "journal": _first(entry, "publication_name"),
              "volume": _first(entry, "volume"), "number": _first(entry, "issue"),
              "pages": "--".join(p for p in (_first(entry, "beginning_page"), _first(entry, "ending_page")) if p),
              "abstract": _first(entry, "abstract"), "language": _first(entry, "language"), "publisher": _first(entry, "publisher"),
              "issn": _first(entry, "issn"), "keywords": _first(entry, "author_keywords"),
              "wos-id": _first(entry, "accession_number"), "pmid": _first(entry, "pubmed_id")}
    key = make_key(_first(entry, "accession_number") or None, authors, year, title)
    return record(source, line, key, _WOS_TYPES.get(_first(entry, "publication_type"), "misc"), fields, authors,
                  ids={"doi": _first(entry, "doi")}, references=references)
