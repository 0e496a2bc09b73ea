"""Semantic Scholar: Graph API paper JSON (one paper, a batch list, a search
or references/citations page) and the S2AG dataset's JSON Lines (lower-case
field names: papers, abstracts, tldrs, citations).

A paper's `references` become its references; its `citations` are each a
reference from the citing paper to it. Citation edges keep `intents`,
`isInfluential` and `contexts`. An S2AG abstract or tldr line only adds to
a paper already known by its corpus id; a citations line is a reference of
its citing paper, which must be known (or in the same file).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .. import bibtex
from .records import ImportedRecord, Reference, decode, json_items, json_lines, make_key, read_bytes, record, text, year_in

NAME = "semanticscholar"

_TYPES = {"JournalArticle": "article", "Conference": "inproceedings", "Book": "book", "BookSection": "incollection",
          "Review": "article", "Dataset": "misc", "Thesis": "phdthesis"}


def looks_like(head: str) -> bool:
    # `alternate_issns`: the S2AG publication-venues dataset (not papers; each line reported).
    return any(k in head for k in ('"corpusId"', '"corpusid"', '"paperId"', '"citingcorpusid"', '"externalIds"', '"externalids"',
                                   '"alternate_issns"'))


def _get(d: dict, *names: str) -> Any:
    """The first present of several spellings (Graph API camelCase, S2AG lower case)."""
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return None


def _external(paper: dict) -> dict[str, Any]:
    ext = _get(paper, "externalIds", "externalids") or {}
    return {k.lower(): v for k, v in ext.items()} if isinstance(ext, dict) else {}


def _corpus(paper: dict) -> str | None:
    value = _get(paper, "corpusId", "corpusid") or _external(paper).get("corpusid")
    return str(value) if value not in (None, "") else None


def _intents(edge: dict) -> list[str] | None:
    """The citation's intents, None when the source did not say (absent or null)."""
    value = _get(edge, "intents")
    return [text(i) for i in value if i] if isinstance(value, list) else None


def _influential(edge: dict) -> bool | None:
    value = _get(edge, "isInfluential", "isinfluential")
    return value if isinstance(value, bool) else None


def reference_of(paper: dict, edge: dict | None = None) -> Reference:
    ext = _external(paper)
    edge = edge or {}
    contexts = [text(c) for c in _get(edge, "contexts") or () if c]
    return Reference(doi=ext.get("doi"), arxiv_id=ext.get("arxiv"), s2=_corpus(paper), mag=text(ext.get("mag")) or None,
                     title=text(paper.get("title")) or None, year=year_in(paper.get("year")),
                     intents=_intents(edge), influential=_influential(edge), contexts=contexts)


def parse(path: str, limits: bibtex.Limits | None = None, text_: str | None = None) -> bibtex.ParseResult:
    problems: list[bibtex.Problem] = []
    content = text_ if text_ is not None else decode(read_bytes(path, limits), path, problems)
    items = json_items(content, path, problems, ("data", "recommendedPapers", "papers"))
    return bibtex.ParseResult(list(records(items, path, problems)), problems)


def stream(path: str, limits: bibtex.Limits | None, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    """The records of a JSON Lines file (the S2AG datasets), one line at a time."""
    return records(json_lines(path, limits, problems), path, problems)


def records(items: Iterable[tuple[int, Any]], path: str, problems: list[bibtex.Problem]) -> Iterator[ImportedRecord]:
    edge_pages = 0
    for line, item in items:
        if item is None:
            problems.append(bibtex.Problem(path, line, None, "not-found", "null in a batch answer: the id asked for is unknown to Semantic Scholar; skipped"))
            continue
        if not isinstance(item, dict):
            problems.append(bibtex.Problem(path, line, None, "not-an-entry", f"a JSON {type(item).__name__} is not a paper; skipped"))
            continue
        if "error" in item and len(item) <= 2:
            problems.append(bibtex.Problem(path, line, None, "not-an-entry", f"an API error answer: {text(item['error'])}"))
            continue
        rec = None
        if "citingcorpusid" in item:
            rec = _citation_line(item, path, line, problems)
        elif "citingPaper" in item or "citedPaper" in item:
            rec = _edge_item(item, path, line, problems)
            edge_pages += 1
        elif ("abstract" in item or "text" in item) and "title" not in item and _corpus(item):
            rec = _amendment(item, path, line)
        elif "title" in item or "paperId" in item or "externalIds" in item or "externalids" in item:
            rec = paper_record(item, path, line, problems)
            # `citations`: the papers citing this one, each a record naming it among its references.
            for citer in item.get("citations") or ():
                if not isinstance(citer, dict):
                    continue
                # A citations-page item ({citingPaper, intents, isInfluential}) or the citing paper itself.
                citing = citer.get("citingPaper") if isinstance(citer.get("citingPaper"), dict) else citer
                cited_by = paper_record(citing, path, line, problems)
                if cited_by is not None:
                    cited_by.references.append(reference_of(item, citer))
                    yield cited_by
        else:
            what = "an author" if "authorid" in item or "authorId" in item else "a venue" if "issn" in item else "not a paper"
            problems.append(bibtex.Problem(path, line, None, "not-an-entry", f"{what} (keys {', '.join(sorted(item)[:5])}); skipped"))
            continue
        if rec is not None:
            yield rec
    if edge_pages:
        problems.append(bibtex.Problem(path, 1, None, "edge-without-end", f"{edge_pages} citation/reference item(s): the file does not name the paper they cite or are cited by, so their papers are imported without that edge"))


def paper_record(paper: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    ext = _external(paper)
    corpus = _corpus(paper)
    title = text(paper.get("title"))
    authors = [text(a.get("name")) for a in paper.get("authors") or () if isinstance(a, dict)]
    year = year_in(paper.get("year")) or year_in(_get(paper, "publicationDate", "publicationdate"))
    if not title and not corpus and not paper.get("paperId"):
        problems.append(bibtex.Problem(source, line, None, "not-an-entry", "paper has neither title nor id; skipped"))
        return None
    journal = paper.get("journal") or {}
    pvenue = _get(paper, "publicationVenue", "publicationvenue") or {}
    venue = text(paper.get("venue")) or text(journal.get("name") if isinstance(journal, dict) else "") \
        or text(pvenue.get("name") if isinstance(pvenue, dict) else "")
    tldr = paper.get("tldr")
    types = _get(paper, "publicationTypes", "publicationtypes") or []
    fields = {
        "title": title, "year": str(year) if year else None, "date": _get(paper, "publicationDate", "publicationdate"),
        "journal": venue, "abstract": paper.get("abstract"), "url": paper.get("url"),
        "volume": journal.get("volume") if isinstance(journal, dict) else None,
        "pages": journal.get("pages") if isinstance(journal, dict) else None,
        "tldr": tldr.get("text") if isinstance(tldr, dict) else tldr,
        "s2-paper-id": paper.get("paperId"), "dblp": ext.get("dblp"), "pmid": ext.get("pubmed"),
    }
    key = make_key(f"s2:{corpus}" if corpus else (f"s2paper:{paper['paperId']}" if paper.get("paperId") else None), authors, year, title)
    # A references-page item ({citedPaper, intents, isInfluential}) or the cited paper itself.
    references = [reference_of(r["citedPaper"] if isinstance(r.get("citedPaper"), dict) else r, r)
                  for r in paper.get("references") or () if isinstance(r, dict)]
    rec = record(source, line, key, _TYPES.get(types[0], "article") if types else "article", fields, authors,
                 ids={"doi": ext.get("doi"), "arxiv": ext.get("arxiv"), "s2": corpus, "mag": text(ext.get("mag")) or None},
                 references=[r for r in references if not r.is_empty()])
    dropped = len(references) - len(rec.references)
    if dropped:
        problems.append(bibtex.Problem(source, line, key, "bad-reference", f"{dropped} reference(s) without any identifier; skipped"))
    return rec


def _edge_item(item: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    """A references/citations page item: the other paper with the edge's intents."""
    other = item.get("citingPaper") or item.get("citedPaper")
    if not isinstance(other, dict):
        problems.append(bibtex.Problem(source, line, None, "not-an-entry", "citation item without its paper; skipped"))
        return None
    return paper_record(other, source, line, problems)


def _amendment(item: dict, source: str, line: int) -> ImportedRecord:
    corpus = _corpus(item)
    field_name = "tldr" if "model" in item and "text" in item else "abstract"
    value = item.get("text") if field_name == "tldr" else item.get("abstract")
    return record(source, line, f"s2:{corpus}", "article", {field_name: value}, [], ids={"s2": corpus}, amends_only=True)


def _citation_line(item: dict, source: str, line: int, problems: list[bibtex.Problem]) -> ImportedRecord | None:
    citing, cited = item.get("citingcorpusid"), item.get("citedcorpusid")
    if not citing:
        problems.append(bibtex.Problem(source, line, None, "bad-reference", "citation without its citing paper; skipped"))
        return None
    if not cited:
        problems.append(bibtex.Problem(source, line, f"s2:{citing}", "bad-reference",
                                       "citation of a work Semantic Scholar could not identify (citedcorpusid null); skipped"))
        return None
    ref = Reference(s2=str(cited), intents=_intents(item), influential=_influential(item),
                    contexts=[text(c) for c in item.get("contexts") or () if c])
    return record(source, line, f"s2:{citing}", "article", {}, [], ids={"s2": str(citing)}, references=[ref], amends_only=True)
