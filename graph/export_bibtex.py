"""The `bibtex` export format: every paper as an entry, its relations as fields.

An entry's key is the paper's id without `paper:` (made unique ignoring case,
as BibTeX and every reference manager compare keys); its other citation keys
go to biblatex's `ids` field; the fields it was ingested with (Paper.extra)
are written back as they were; each stated (not inferred) edge leaving the
paper becomes the first BibTeX field of its relation (graph/relations.py),
holding the target ids.
Ingesting this file into an empty database gives the same papers, aliases
and edges between them (tests/test_ingest_export.py). Inferred edges are not
written: they come back from the `keywords` field they were inferred from.

Values are stored as Unicode text, so they are written back as BibTeX text:
LaTeX's special characters escaped, words with capitals past their first
letter (acronyms, `ImageNet`) braced in titles so styles keep their case,
names holding ` and ` braced as one name, and `and others` for an author
list that had it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import BinaryIO

from sqlalchemy import select
from sqlmodel import Session

from . import bulk
from .export import ExportFormat, register
from .models import Alias, Edge
from .relations import RELATIONS, bibtex_relation_fields

# Fields the ingest path derives itself; written from the columns instead.
_DERIVED = {"title", "author", "year", "doi", "url", "abstract", "ids"}
_ID_SCHEMES = ("openalex", "s2", "mag")

# Fields holding identifiers, locations or id lists: read and written as they
# are, never as LaTeX (`\_`, `%` or `--` mean something else there).
VERBATIM_FIELDS = frozenset({
    "url", "doi", "eprint", "arxiv", "arxivid", "eprinttype", "archiveprefix",
    "primaryclass", "eprintclass", "file", "pdf", "isbn", "issn", "crossref",
    "ids", "key", "urldate", "date", "year", "pages",
}) | frozenset(bibtex_relation_fields()) | frozenset(_ID_SCHEMES)  # relations and other sources' ids: id lists
# Set (in Paper.extra) on a paper whose author list ended in `and others`.
ET_AL_FIELD = "author-et-al"
# Fields whose words keep their capitals only when braced (BibTeX styles lower-case them).
_CASED_FIELDS = frozenset({"title", "booktitle", "subtitle", "shorttitle", "maintitle", "series"})

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "%": r"\%", "&": r"\&",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _SPECIAL))
_AND = re.compile(r"\sand\s", re.IGNORECASE)


def escape(text: str) -> str:
    """Unicode text as a BibTeX value that decodes back to the same text."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text)


def protect_case(text: str) -> str:
    """Escaped title text with each word that has a capital after its first
    letter (BERT, GPT-3, ImageNet) in braces."""
    return " ".join("{" + w + "}" if _has_inner_capital(w) else w for w in text.split(" "))


def _has_inner_capital(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and any(c.isupper() for c in letters[1:]) and "\\" not in word


def _name(name: str) -> str:
    # `{Barnes and Noble}` is one (corporate) name; unbraced, ` and ` would split it.
    text = escape(name)
    return "{" + text + "}" if _AND.search(name) else text


def _value(name: str, value: str) -> str:
    if name in VERBATIM_FIELDS:
        return value
    text = escape(value)
    return protect_case(text) if name in _CASED_FIELDS else text


def _unique_keys(node_ids: list[str]) -> dict[str, str]:
    """node id -> citation key, unique ignoring case (`Cai09` and `cai09` are
    one key to BibTeX): a later one gets -2, -3 ..."""
    seen: set[str] = set()
    out = {}
    for node_id in node_ids:
        key = base = node_id.split(":", 1)[1]
        n = 2
        while key.lower() in seen:
            key, n = f"{base}-{n}", n + 1
        seen.add(key.lower())
        out[node_id] = key
    return out


def bibtex_entries(session: Session) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(entry type, key, [(field, BibTeX value)]) per paper: those with a DOI or
    arXiv id in id order, then the others in id order."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    stmt = select(Edge.source_id, Edge.relation, Edge.target_id).where(Edge.inferred.is_(False)).order_by(Edge.source_id, Edge.relation, Edge.target_id)
    for source, relation, target in session.execute(stmt):
        edges[source][relation].append(target)
    aliases: dict[str, list[str]] = defaultdict(list)
    for alias, node_id in session.execute(select(Alias.alias, Alias.node_id).where(Alias.source == "citation-key").order_by(Alias.alias)):
        aliases[node_id].append(alias)
    # Ids other sources know a paper by (OpenAlex, Semantic Scholar, MAG), as fields `openalex`, `s2`, `mag`.
    source_ids: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for alias, node_id, scheme in session.execute(select(Alias.alias, Alias.node_id, Alias.source).where(Alias.source.in_(_ID_SCHEMES)).order_by(Alias.alias)):
        source_ids[node_id].append((scheme, alias.split(":", 1)[1]))

    # Papers holding a DOI or arXiv id first: where two entries claimed one
    # identifier (an identity conflict), the holder is then read first again.
    rows = sorted(bulk.paper_rows(session), key=lambda row: (row["doi"] is None and row["arxiv_id"] is None, row["node_id"]))
    keys = _unique_keys([row["node_id"] for row in rows])
    entries = []
    for row in rows:
        key = keys[row["node_id"]]
        extra = dict(row["extra"] or {})
        fields = [("title", _value("title", row["name"]))]
        authors = [_name(a) for a in row["authors"] or []]
        if extra.pop(ET_AL_FIELD, None):
            authors.append("others")
        if authors:
            fields.append(("author", " and ".join(authors)))
        year = row["year"] if row["year"] is not None else extra.get("year")
        if year is not None:
            fields.append(("year", str(year)))
        for name in ("doi", "url", "abstract"):
            # A DOI that another paper holds (an identity conflict) is kept in extra, not the column.
            value = row[name] or (extra.get("doi") if name == "doi" else None)
            if value:
                fields.append((name, _value(name, value)))
        fields.extend((k, _value(k, str(v))) for k, v in extra.items() if k not in _DERIVED)
        fields.extend((scheme, value.upper() if scheme == "openalex" else value) for scheme, value in source_ids.get(row["node_id"], []))
        other_keys = [a for a in aliases.get(row["node_id"], []) if a != key.lower()]
        if other_keys:
            fields.append(("ids", ", ".join(other_keys)))
        for relation, targets in sorted(edges.get(row["node_id"], {}).items()):
            fields.append((RELATIONS[relation].bibtex_fields[0], ", ".join(targets)))
        entries.append((row["entry_type"] or "misc", key, fields))
    return entries


def write_bibtex(session: Session, stream: BinaryIO) -> None:
    out = []
    for entry_type, key, fields in bibtex_entries(session):
        out.append(f"@{entry_type}{{{key},\n")
        out.extend(f"  {name} = {{{value}}},\n" for name, value in fields)
        out.append("}\n\n")
    stream.write("".join(out).encode("utf-8"))


register(ExportFormat("bibtex", "application/x-bibtex", "bib", write_bibtex,
                      "BibTeX: papers with their relations as fields (relaxes, cites ...); `ingest` reads it back."))
