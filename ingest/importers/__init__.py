"""The one registry of import formats (as graph/export.py is for exports).

Each format is a module with `NAME`, `parse(path, limits, text) ->
bibtex.ParseResult` and `looks_like(head) -> bool`; its records go down the
same write path as BibTeX's (ingest/load.py). `pick` chooses a format by
the file's extension, then by its first few kilobytes, unless one is named.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ...graph.errors import InvalidInput
from .. import bibtex
from . import arxiv, csljson, openalex, ris, semanticscholar


@dataclass(frozen=True)
class Importer:
    name: str
    description: str
    extensions: tuple[str, ...]  # lower case, with the dot; .gz stripped first
    parse: Callable[..., bibtex.ParseResult]
    looks_like: Callable[[str], bool]
    # JSON Lines read a line at a time: (path, limits, problems) -> records, problems appended as met.
    stream: Callable[..., Iterator[bibtex.BibRecord]] | None = None


def _parse_bibtex(path: str, limits: bibtex.Limits | None = None, text: str | None = None) -> bibtex.ParseResult:
    return bibtex.parse_text(text, path, limits=limits) if text is not None else bibtex.parse_file(path, limits=limits)


IMPORTERS: dict[str, Importer] = {i.name: i for i in (
    Importer("bibtex", "BibTeX / biblatex", (".bib", ".bibtex"), _parse_bibtex, lambda head: "@" in head and "{" in head),
    Importer(openalex.NAME, "OpenAlex Works: one Work, a list page, JSON Lines (gzipped too)", (), openalex.parse, openalex.looks_like, openalex.stream),
    Importer(semanticscholar.NAME, "Semantic Scholar Graph API JSON and S2AG dataset JSON Lines", (), semanticscholar.parse, semanticscholar.looks_like, semanticscholar.stream),
    Importer(arxiv.NAME, "arXiv metadata snapshot JSON Lines and API Atom feeds", (".atom",), arxiv.parse, arxiv.looks_like, arxiv.stream),
    Importer(csljson.NAME, "CSL-JSON (Zotero, Better BibTeX, Pandoc)", (".csl.json", ".csljson"), csljson.parse, csljson.looks_like),
    Importer(ris.NAME, "RIS and Web of Science tagged files", (".ris", ".ciw", ".wos"), ris.parse, ris.looks_like),
)}
# Content decides between these, in this order, when the extension does not.
_SNIFF_ORDER = ("arxiv", "openalex", "semanticscholar", "csl-json", "ris", "bibtex")
_JSON_EXTENSIONS = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


def folder_extensions(name: str | None) -> tuple[str, ...]:
    """Which files of a folder are read: .bib, or with a format named, that format's files."""
    if name is None or name == "bibtex":
        return (".bib",)
    own = IMPORTERS[name].extensions
    return own + (_JSON_EXTENSIONS if name in ("openalex", "semanticscholar", "csl-json", "arxiv") else ()) + ((".xml",) if name == "arxiv" else ()) + ((".txt",) if name == "ris" else ())


def formats_by_extension(file_names: list[str]) -> list[str]:
    """The formats (other than BibTeX) whose folder files are among `file_names`, in the registry's order."""
    lower = [n.lower() for n in file_names]
    return [name for name in IMPORTERS if name != "bibtex" and any(n.endswith(folder_extensions(name)) for n in lower)]


def _head(path: str, size: int = 8192) -> str:
    try:
        with open(path, "rb") as f:
            raw = f.read(size)
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                raw = f.read(size)
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror or exc}", where=path) from exc
    return raw.decode("utf-8", errors="replace")


def pick(source: str, text: str | None = None, name: str | None = None) -> Importer:
    """The importer for a file (or its `text`): `name` if given, else by extension, else by content."""
    if name:
        try:
            return IMPORTERS[name]
        except KeyError:
            raise InvalidInput(f"unknown format {name!r}; one of: {', '.join(IMPORTERS)}") from None
    lower = source.lower().removesuffix(".gz")
    for importer in IMPORTERS.values():
        if any(lower.endswith(ext) for ext in importer.extensions):
            return importer
    head = text[:8192] if text is not None else ("" if source == "-" else _head(source))
    for candidate in _SNIFF_ORDER:
        if IMPORTERS[candidate].looks_like(head):
            return IMPORTERS[candidate]
    return IMPORTERS["bibtex"]


def parse(source: str, limits: bibtex.Limits | None = None, text: str | None = None, format: str | None = None) -> tuple[str, bibtex.ParseResult]:
    """(format name, parse result) of one file or text."""
    importer = pick(source, text, format)
    if importer.name == "bibtex" and not format:
        head = text[:8192] if text is not None else ("" if source == "-" else _head(source))
        if head.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
            # JSON that no importer recognises: say so rather than read it as BibTeX.
            problem = bibtex.Problem(source, 1, None, "unknown-format",
                                     f"JSON of no known shape (keys seen: {_json_keys(head)}); use --format to name it")
            return "unknown", bibtex.ParseResult([], [problem])
    result = importer.parse(source, limits, text)
    if importer.name in _FREE_KEYS:
        _keep_apart(result)
    if not result.records and not result.errors:
        result.problems.append(bibtex.Problem(source, None, None, "empty", f"no {importer.name} records in the file"))
    return importer.name, result


# Formats whose record keys are the file's own (RIS ID, CSL id): a key used
# twice in a file need not name one work. (OpenAlex and Semantic Scholar key
# a record by the work's id there: the same key is the same work.)
_FREE_KEYS = ("ris", "csl-json")


def _keep_apart(result: bibtex.ParseResult) -> None:
    """A key used again in the same file: an exact copy is dropped, another
    record keeps its place under `key-2` (`-3` ...), each reported, so that
    two works never become one by their keys alone (merging by DOI or title
    still happens)."""
    first: dict[str, bibtex.BibRecord] = {}
    taken = {r.key.lower() for r in result.records}
    kept = []
    for record in result.records:
        lower = record.key.lower()
        earlier = first.get(lower)
        if earlier is None:
            first[lower] = record
            kept.append(record)
            continue
        if (earlier.fields, earlier.authors, earlier.entry_type) == (record.fields, record.authors, record.entry_type):
            result.problems.append(bibtex.Problem(record.source, record.line, record.key, "duplicate-key",
                                                  f"exact copy of the record '{record.key}' at line {earlier.line}; skipped"))
            continue
        n = 2
        while f"{lower}-{n}" in taken:
            n += 1
        new_key = f"{record.key}-{n}"
        taken.add(new_key.lower())
        first[new_key.lower()] = record
        result.problems.append(bibtex.Problem(record.source, record.line, record.key, "duplicate-key",
                                              f"key '{record.key}' was already used at line {earlier.line} for a different record; "
                                              f"this one is kept apart as '{new_key}'"))
        record.key = new_key
        kept.append(record)
    result.records[:] = kept


def _json_keys(head: str) -> str:
    import re
    keys = list(dict.fromkeys(re.findall(r'"([A-Za-z_-]+)"\s*:', head)))[:6]
    return ", ".join(keys) or "none"


_LINES_EXTENSIONS = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def is_json_lines(source: str) -> bool:
    return source.lower().endswith(_LINES_EXTENSIONS)


def streamed(source: str, format: str | None = None, limits: bibtex.Limits | None = None) -> tuple[str, Iterator[bibtex.BibRecord], list[bibtex.Problem]] | None:
    """(format, records, problems) read a line at a time when the file is JSON
    Lines of a format that streams; None when it must be read whole."""
    if source == "-" or not is_json_lines(source):
        return None
    importer = pick(source, None, format)
    if importer.stream is None:
        return None
    problems: list[bibtex.Problem] = []
    return importer.name, importer.stream(source, limits, problems), problems
