"""The one registry of export formats, shared by `aiprogress export` and the
HTTP route `/export/{format}`.

A format is a name, a media type, a file extension and a writer
`write(session, stream)` that writes the whole graph as bytes to a binary
stream, reading in the caller's transaction. Register a new one with
`register(ExportFormat(...))`.

    turtle, json-ld, nt   RDF in the vocabulary of graph/rdf.py
    graphml, gexf         networkx's writers; node attributes kind, name (and
                          label), year, category, binding, and for papers
                          authors ("; "-joined), venue, doi and the ids other
                          sources know it by (openalex, s2, mag: its aliases of
                          those schemes, "; "-joined); edge ids
                          source|relation|target; edge attributes
                          relation, note, provenance, year, confidence, inferred,
                          and on a citation Semantic Scholar described, intents
                          ("; "-joined) and influential. Gephi shows them as columns.
    node-link             networkx's node-link JSON ({"nodes": [...], "edges": [...]})
    csv                   a zip of two files: nodes.csv (id, kind, name,
                          description, year, category, binding, provenance) and
                          edges.csv (source, relation, target, provenance, note,
                          year, confidence, inferred, intents ("; "-joined),
                          influential), for Cytoscape, spreadsheets and pandas
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlmodel import Session

from .errors import InvalidInput
from .identifiers import SOURCE_ID_SCHEMES
from .models import EDGE_FACT_FIELDS, Alias, Edge, Node

Writer = Callable[[Session, BinaryIO], None]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str  # without the dot
    write: Writer
    help: str


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    if fmt.name in FORMATS:
        raise ValueError(f"export format {fmt.name!r} is registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


def get_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise InvalidInput(f"unknown export format {name!r} (formats: {', '.join(FORMATS)})") from None


def export(session: Session, name: str, stream: BinaryIO) -> ExportFormat:
    """Write the whole graph in format `name` to `stream`."""
    fmt = get_format(name)
    fmt.write(session, stream)
    return fmt


def export_bytes(session: Session, name: str) -> bytes:
    buffer = io.BytesIO()
    export(session, name, buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# RDF
# --------------------------------------------------------------------------


def _rdf_writer(format: str) -> Writer:
    def write(session: Session, stream: BinaryIO) -> None:
        from . import rdf

        rdf.write(session, stream, format)

    return write


register(ExportFormat("turtle", "text/turtle", "ttl", _rdf_writer("turtle"), "RDF Turtle (vocabulary: graph/rdf.py)."))
register(ExportFormat("json-ld", "application/ld+json", "jsonld", _rdf_writer("json-ld"), "RDF as JSON-LD (flattened, one object a subject)."))
register(ExportFormat("nt", "application/n-triples", "nt", _rdf_writer("nt"), "RDF N-Triples, one triple a line."))


# --------------------------------------------------------------------------
# networkx formats
# --------------------------------------------------------------------------


def to_networkx(session: Session):
    """The graph as a networkx MultiDiGraph with only values GraphML and GEXF
    can hold (no None, no lists), each node labelled with its name for Gephi,
    papers with their authors (joined by "; "), venue, DOI and ids in other
    sources (openalex, s2, mag), a citation with its intents (joined by "; ")
    and influential flag when Semantic Scholar gave them. Each edge's key is
    `source|relation|target`, unique, since GraphML and GEXF write the key as
    the edge's id and importers that key edges by id would merge the rest."""
    import networkx as nx

    from .models import Paper
    from .network import snapshot

    stored = snapshot(session).to_networkx()
    graph = nx.MultiDiGraph()
    papers = {node_id: (authors, venue, doi) for node_id, authors, venue, doi in
              session.execute(select(Paper.node_id, Paper.authors, Paper.venue, Paper.doi))}
    source_ids = _source_ids(session)
    for node_id, attrs in stored.nodes(data=True):
        attrs = {k: v for k, v in attrs.items() if v is not None}
        attrs["label"] = attrs.get("name", "")
        if node_id in papers:
            authors, venue, doi = papers[node_id]
            attrs.update({k: v for k, v in (("authors", "; ".join(authors or [])), ("venue", venue), ("doi", doi)) if v})
        attrs.update(source_ids.get(node_id, {}))
        graph.add_node(node_id, **attrs)
    for source, target, attrs in stored.edges(data=True):
        attrs = {k: v for k, v in attrs.items() if v is not None}
        if "intents" in attrs:
            attrs["intents"] = "; ".join(attrs["intents"])
        graph.add_edge(source, target, key=f"{source}|{attrs.get('relation', '')}|{target}", **attrs)
    return graph


def _source_ids(session: Session) -> dict[str, dict[str, str]]:
    """node id -> {scheme: id} of its aliases in SOURCE_ID_SCHEMES (several "; "-joined)."""
    out: dict[str, dict[str, str]] = {}
    rows = session.execute(select(Alias.node_id, Alias.source, Alias.alias).where(Alias.source.in_(SOURCE_ID_SCHEMES)).order_by(Alias.alias))
    for node_id, scheme, alias in rows:
        ids = out.setdefault(node_id, {})
        value = alias.split(":", 1)[1]
        value = value.upper() if scheme == "openalex" else value  # OpenAlex writes W123 (aliases are lower case)
        ids[scheme] = f"{ids[scheme]}; {value}" if scheme in ids else value
    return out


def _write_graphml(session: Session, stream: BinaryIO) -> None:
    import networkx as nx

    nx.write_graphml(to_networkx(session), stream, encoding="utf-8")


def _write_gexf(session: Session, stream: BinaryIO) -> None:
    import networkx as nx

    nx.write_gexf(to_networkx(session), stream, encoding="utf-8")


def _write_node_link(session: Session, stream: BinaryIO) -> None:
    import networkx as nx

    data = nx.node_link_data(to_networkx(session), edges="edges")
    stream.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


register(ExportFormat("graphml", "application/graphml+xml", "graphml", _write_graphml, "GraphML (yEd, Cytoscape, igraph)."))
register(ExportFormat("gexf", "application/gexf+xml", "gexf", _write_gexf, "GEXF for Gephi, kinds and relations as attributes."))
register(ExportFormat("node-link", "application/json", "json", _write_node_link, "networkx node-link JSON (d3 and friends)."))


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------

# Every column of a node; an edge's fact and evidence, named as in EdgeFact.to_dict.
NODE_CSV_COLUMNS = tuple(Node.model_fields)
EDGE_CSV_COLUMNS = tuple(name.removesuffix("_id") for name in EDGE_FACT_FIELDS)


def _csv_bytes(header: tuple[str, ...], rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode("utf-8")


_INFERRED, _INTENTS, _INFLUENTIAL = (EDGE_FACT_FIELDS.index(c) for c in ("inferred", "intents", "influential"))


def _edge_csv_row(row) -> list:
    """Booleans as true/false (influential left empty when not stated), intents "; "-joined."""
    out = list(row)
    out[_INFERRED] = "true" if row[_INFERRED] else "false"
    out[_INFLUENTIAL] = "" if row[_INFLUENTIAL] is None else "true" if row[_INFLUENTIAL] else "false"
    out[_INTENTS] = "; ".join(row[_INTENTS]) if row[_INTENTS] is not None else ""
    return out


def _write_csv_zip(session: Session, stream: BinaryIO) -> None:
    n, e = Node.__table__.c, Edge.__table__.c
    nodes = session.execute(select(*(n[c] for c in NODE_CSV_COLUMNS)).order_by(n.id))
    edges = session.execute(select(*(e[c] for c in EDGE_FACT_FIELDS)).order_by(e.source_id, e.relation, e.target_id))
    rows = (_edge_csv_row(r) for r in edges)
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", _csv_bytes(NODE_CSV_COLUMNS, nodes))
        archive.writestr("edges.csv", _csv_bytes(EDGE_CSV_COLUMNS, rows))


register(ExportFormat("csv", "application/zip", "zip", _write_csv_zip, "A zip of nodes.csv and edges.csv."))
from . import export_bibtex  # noqa: E402,F401  (registers the bibtex format)
from . import export_citations  # noqa: E402,F401  (registers csl-json and ris)
