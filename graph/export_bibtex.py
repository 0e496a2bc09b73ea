"""The `bibtex` export format: every paper as an entry, its relations as fields.

An entry's key is the paper's id without `paper:`; its other citation keys
go to biblatex's `ids` field; the fields it was ingested with (Paper.extra)
are written back as they were; each stated (not inferred) edge leaving the
paper becomes the first BibTeX field of its relation (graph/relations.py),
holding the target ids.
Ingesting this file into an empty database gives the same papers, aliases
and edges between them (tests/test_ingest_export.py). Inferred edges are not
written: they come back from the `keywords` field they were inferred from.
"""

from __future__ import annotations

from collections import defaultdict
from typing import BinaryIO

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import default_unparse_stack
from bibtexparser.model import Entry, Field
from sqlalchemy import select
from sqlmodel import Session

from . import bulk
from .export import ExportFormat, register
from .models import Alias, Edge
from .relations import RELATIONS

# Fields the ingest path derives itself; written from the columns instead.
_DERIVED = {"title", "author", "year", "doi", "url", "abstract", "ids"}
_ID_SCHEMES = ("openalex", "s2", "mag")


def bibtex_entries(session: Session) -> list[Entry]:
    """One bibtexparser Entry per paper, in id order."""
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

    entries = []
    for row in bulk.paper_rows(session):
        key = row["node_id"].split(":", 1)[1]
        extra = dict(row["extra"] or {})
        fields = [("title", row["name"])]
        if row["authors"]:
            fields.append(("author", " and ".join(row["authors"])))
        year = row["year"] if row["year"] is not None else extra.get("year")
        if year is not None:
            fields.append(("year", str(year)))
        for name in ("doi", "url", "abstract"):
            if row[name]:
                fields.append((name, row[name]))
        fields.extend((k, str(v)) for k, v in extra.items() if k not in _DERIVED)
        fields.extend((scheme, value.upper() if scheme == "openalex" else value) for scheme, value in source_ids.get(row["node_id"], []))
        other_keys = [a for a in aliases.get(row["node_id"], []) if a != key.lower()]
        if other_keys:
            fields.append(("ids", ", ".join(other_keys)))
        for relation, targets in sorted(edges.get(row["node_id"], {}).items()):
            fields.append((RELATIONS[relation].bibtex_fields[0], ", ".join(targets)))
        entries.append(Entry(row["entry_type"] or "misc", key, [Field(k, v) for k, v in fields]))
    return entries


def write_bibtex(session: Session, stream: BinaryIO) -> None:
    library = Library(bibtex_entries(session))
    # In place: the library is ours and thrown away, so no per-entry deep copy.
    text = bibtexparser.write_string(library, unparse_stack=default_unparse_stack(allow_inplace_modification=True))
    stream.write(text.encode("utf-8"))


register(ExportFormat("bibtex", "application/x-bibtex", "bib", write_bibtex,
                      "BibTeX: papers with their relations as fields (relaxes, cites ...); `ingest` reads it back."))
