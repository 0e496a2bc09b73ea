"""OpenAlex Work objects: one Work, an API list page ({meta, results}), JSON
Lines or gzipped JSON Lines (the snapshot's shape).

The abstract is rebuilt from `abstract_inverted_index` (word -> positions);
authors keep the order of `authorships`; `referenced_works` become
references; the venue is `primary_location.source.display_name`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .. import bibtex
from .records import ImportedRecord, Reference, decode, json_items, json_lines, make_key, openalex_id, read_bytes, record, text, year_in

NAME = "openalex"

# OpenAlex work type -> BibTeX entry type (others: misc).
_TYPES = {
    "article": "article", "review": "article", "letter": "article", "editorial": "article",
    "book": "book", "book-chapter": "incollection", "dissertation": "phdthesis",
    "preprint": "misc", "report": "techreport", "dataset": "misc", "proceedings-article": "inproceedings",
}


def abstract_from_index(index: Any) -> str:
    """The text of an abstract_inverted_index ({word: [positions]})."""
    if not isinstance(index, dict) or not index:
        return ""
    # The usual index places every word of the text once: its positions are
    # 0 .. n-1, each slot of a list filled once. Anything else (a gap, a
    # repeat, a position that is not a natural number) is read the long way.
    try:
        words: list[str | None] = [None] * sum(map(len, index.values()))
        for word, positions in index.items():
            if min(positions) < 0:
                raise ValueError
            for p in positions:
                words[p] = word
        if None not in words:
            return " ".join(words)
    except (TypeError, ValueError, IndexError):
        pass
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for p in positions or ():
            if isinstance(p, int):
                slots[p] = word
    return " ".join(slots[p] for p in sorted(slots))


def looks_like(head: str) -> bool:
    return "openalex.org/W" in head or '"abstract_inverted_index"' in head or '"authorships"' in head or '"db_response_time_ms"' in head


def parse(path: str, limits: bibtex.Limits | None = None, text_: str | None = None) -> bibtex.ParseResult:
    problems: list[bibtex.Problem] = []
    content = text_ if text_ is not None else decode(read_bytes(path, limits), path, problems)
    return bibtex.ParseResult(list(records(json_items(content, path, problems, ("results",)), path, problems)), problems)


def stream(path: str, limits: bibtex.Limits | None, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    """The records of a JSON Lines file, one line at a time."""
    return records(json_lines(path, limits, problems), path, problems)


def records(items: Iterable[tuple[int, Any]], source: str, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    for line, work in items:
        rec = work_record(work, source, line, problems)
        if rec is not None:
            yield rec


def work_record(work: Any, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    if not isinstance(work, dict) or not (work.get("id") or work.get("title") or work.get("display_name")):
        problems.append(bibtex.Problem(source, line, None, "not-an-entry", "not an OpenAlex Work (no id or title); skipped"))
        return None
    wid = openalex_id(work.get("id"))
    ids = work.get("ids") or {}
    title = text(work.get("title") or work.get("display_name"))
    authors = [text((a.get("author") or {}).get("display_name") or a.get("raw_author_name"))
               for a in work.get("authorships") or () if isinstance(a, dict)]
    year = year_in(work.get("publication_year")) or year_in(work.get("publication_date"))
    location = work.get("primary_location") or {}
    venue = text((location.get("source") or {}).get("display_name")) if isinstance(location, dict) else ""
    biblio = work.get("biblio") or {}
    abstract = abstract_from_index(work.get("abstract_inverted_index"))
    if not abstract and isinstance(work.get("abstract"), str):
        abstract = work["abstract"]  # some tools replace the index by the text
    pages = "--".join(p for p in (text(biblio.get("first_page")), text(biblio.get("last_page"))) if p)
    keywords = ", ".join(text(k.get("display_name")) for k in work.get("keywords") or () if isinstance(k, dict))
    fields = {
        "title": title, "year": str(year) if year else None, "date": work.get("publication_date"),
        "journal": venue, "volume": biblio.get("volume"), "number": biblio.get("issue"), "pages": pages,
        "abstract": abstract, "url": (location.get("landing_page_url") if isinstance(location, dict) else None) or work.get("id"),
        "language": work.get("language"), "openalex-type": work.get("type"), "openalex-keywords": keywords,
    }
    references = []
    for ref in work.get("referenced_works") or ():
        rid = openalex_id(ref)
        if rid:
            references.append(Reference(openalex=rid))
        else:
            problems.append(bibtex.Problem(source, line, wid, "bad-reference", f"referenced work {ref!r} is not an OpenAlex id; skipped"))
    arxiv = None
    doi = work.get("doi") or ids.get("doi")
    if isinstance(doi, str) and "10.48550/arxiv." in doi.lower():
        arxiv = doi
    key = make_key(f"openalex:{wid}" if wid else None, authors, year, title)
    return record(source, line, key, _TYPES.get(text(work.get("type")), "misc"), fields, authors,
                  ids={"doi": doi, "arxiv": arxiv, "openalex": wid, "mag": text(ids.get("mag")) or None},
                  references=references)
