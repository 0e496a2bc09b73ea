"""BibTeX records -> rows for graph/batch.py: the only BibTeX-specific part of
writing a file (which fields fill which columns, which name relations)."""

from __future__ import annotations

import re
from typing import Any

from ..graph.relations import bibtex_relation_fields
from . import bibtex
from .identity import keys_of

# BibTeX field (each spelling, from graph/relations.py) -> relation; the paper is the source of every edge.
RELATION_FIELDS = bibtex_relation_fields()

SPLIT_REFS = re.compile(r"\s*[,;]\s*|\s+and\s+")
SPLIT_KEYWORDS = re.compile(r"\s*[,;]\s*")

# Record fields stored in their own columns; all others go to Paper.extra as written.
_COLUMN_FIELDS = {"title", "author", "url", "abstract", "ids"}  # ids: biblatex's other keys, become aliases
# Fields naming the work in other sources (as the bibtex export writes them): aliases scheme:value.
ID_FIELDS = ("openalex", "s2", "mag")


def id_aliases(record: bibtex.BibRecord) -> list[tuple[str, str]]:
    """(alias, scheme) for the ids other sources know the work by: an
    importer's record carries them; a BibTeX entry may name them in fields."""
    given = getattr(record, "ids", None)
    if given is not None:
        return list(given)
    f = record.fields
    return [(f"{name}:{f[name].strip()}".lower(), name) for name in ID_FIELDS if name in f and f[name].strip()]
_NOT_EXTRA = frozenset(_COLUMN_FIELDS) | frozenset(RELATION_FIELDS) | frozenset(ID_FIELDS)  # one test per field, not three
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "school", "institution", "howpublished", "organization")


def _venue(f: dict[str, str]) -> str | None:
    for name in _VENUE_FIELDS:
        if f.get(name):
            return f[name]
    return None


def paper_values(record: bibtex.BibRecord, ids: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The values a record gives its paper (graph/merge.py MERGED_FIELDS and `extra`),
    with its identity keys under `_keys` (`ids`: its id_aliases, when the caller has them)."""
    f = record.fields
    keys = keys_of(record.key, f, record.authors, bibtex.year_of(f))
    keys.aliases = tuple(alias for alias, _ in (id_aliases(record) if ids is None else ids))
    extra = {k: v for k, v in f.items() if k not in _NOT_EXTRA}
    if keys.year is not None:
        extra.pop("year", None)  # kept in extra only when it is not a plain year ("2023a")
    if keys.doi:
        extra.pop("doi", None)
    values = {
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
    }
    values["_keys"] = keys
    return values


def other_keys(record: bibtex.BibRecord) -> list[str]:
    """biblatex's `ids`: the entry's other citation keys."""
    ids = record.fields.get("ids")
    return [k for k in SPLIT_KEYWORDS.split(ids.strip()) if k] if ids else []
