"""The graph as RDF: the vocabulary, store -> rdflib.Graph, and back.

Vocabulary (prefix `aip:` = `urn:aiprogress:ns:`):

    node IRI          urn:aiprogress:node:<node id, percent-encoded>
    kinds             aip:Paper (also bibo:Document), aip:Technique, aip:Constraint
                      and aip:Field (also skos:Concept in the schemes
                      urn:aiprogress:scheme:constraints / :fields), aip:Narrative
    every node        aip:id (the `kind:slug` id), rdfs:label (name),
                      dcterms:description, aip:year (xsd:integer),
                      aip:category, aip:binding, prov:wasDerivedFrom <source>
    papers            dcterms:title, dcterms:issued (xsd:gYear),
                      bibo:authorList (an rdf:List of names, in order),
                      dcterms:creator (each name, unordered, for simple queries),
                      aip:venue, bibo:doi, aip:arxivId, schema:url,
                      dcterms:abstract, aip:entryType, aip:citationKey,
                      aip:extra and aip:fieldSources (rdf:JSON literals)
    aliases           urn:aiprogress:alias:<alias> a aip:Alias; aip:text;
                      aip:aliasSource; aip:aliasOf <node>  (and skos:altLabel on the node)
    edges             the plain triple  <source> aip:<relation> <target>
                      (relation names as in the store: aip:relaxes, aip:inspired-by, ...)
                      and, for its evidence, a reified statement
                      urn:aiprogress:fact:<source>/<relation>/<target>
                      a rdf:Statement, aip:Fact; rdf:subject/predicate/object;
                      aip:note; aip:year; aip:confidence (xsd:double);
                      aip:inferred (xsd:boolean); prov:wasDerivedFrom <source>
    measurements      urn:aiprogress:measurement:<node>/<quantity>/<source>
                      a aip:Measurement; aip:ofNode; aip:quantity; rdf:value
                      (xsd:double); aip:unit; dcterms:source; aip:note
    provenance        urn:aiprogress:source:<provenance string> a prov:Entity;
                      rdfs:label "<provenance string>"

Why reification and not RDF-star: every edge carries evidence (note,
provenance, year, confidence) that must survive a round trip, and RDF 1.1
reification is understood by every store and SPARQL 1.1 engine, where
RDF-star is not yet. The plain triple stays asserted beside the statement, so
a query that does not care for the evidence reads `?a aip:enables ?b`.

Every IRI is derived from the store's keys (never from row numbers) and blank
nodes appear only in author lists, so exporting, importing into an empty
database and exporting again gives an isomorphic graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, unquote

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS
from sqlalchemy import select
from sqlmodel import Session

from . import service
from .errors import AiprogressError, InvalidInput
from .models import Alias, Edge, Measurement, Node, NodeKind, Paper, Relation

AIP = Namespace("urn:aiprogress:ns:")
BIBO = Namespace("http://purl.org/ontology/bibo/")
SCHEMA = Namespace("https://schema.org/")
NODE = "urn:aiprogress:node:"
FACT = "urn:aiprogress:fact:"
ALIAS = "urn:aiprogress:alias:"
MEASUREMENT = "urn:aiprogress:measurement:"
SOURCE = "urn:aiprogress:source:"
SCHEMES = {
    NodeKind.constraint.value: URIRef("urn:aiprogress:scheme:constraints"),
    NodeKind.field.value: URIRef("urn:aiprogress:scheme:fields"),
}
KIND_CLASS = {
    NodeKind.paper.value: AIP.Paper,
    NodeKind.technique.value: AIP.Technique,
    NodeKind.constraint.value: AIP.Constraint,
    NodeKind.narrative.value: AIP.Narrative,
    NodeKind.field.value: AIP.Field,
}
CLASS_KIND = {cls: kind for kind, cls in KIND_CLASS.items()}
RELATION_PROPERTY = {r.value: AIP[r.value] for r in Relation}
PROPERTY_RELATION = {prop: name for name, prop in RELATION_PROPERTY.items()}
PREFIXES = {"aip": AIP, "dcterms": DCTERMS, "bibo": BIBO, "schema": SCHEMA, "prov": PROV, "skos": SKOS}


def _key(value: str) -> str:
    """A store key as an IRI segment: everything but unreserved characters percent-encoded."""
    return quote(value, safe="-._~:")


def node_iri(node_id: str) -> URIRef:
    return URIRef(NODE + _key(node_id))


def node_id_of(iri: URIRef) -> str:
    if not str(iri).startswith(NODE):
        raise InvalidInput(f"{iri} is not a node of this graph (node IRIs start with {NODE})")
    return unquote(str(iri)[len(NODE):])


def fact_iri(source: str, relation: str, target: str) -> URIRef:
    return URIRef(f"{FACT}{quote(source, safe='')}/{relation}/{quote(target, safe='')}")


def source_iri(provenance: str) -> URIRef:
    return URIRef(SOURCE + _key(provenance))


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


# --------------------------------------------------------------------------
# store -> RDF
# --------------------------------------------------------------------------


def _json(value) -> Literal:
    return Literal(json.dumps(value, sort_keys=True, ensure_ascii=False), datatype=RDF.JSON)


def _provenance(graph: Graph, subject: URIRef, provenance: str) -> None:
    source = source_iri(provenance)
    graph.add((subject, PROV.wasDerivedFrom, source))
    graph.add((source, RDF.type, PROV.Entity))
    graph.add((source, RDFS.label, Literal(provenance)))


def to_rdf(session: Session) -> Graph:
    """The whole store as an rdflib Graph (read in the caller's transaction)."""
    graph = new_graph()
    add = graph.add
    for scheme_kind, scheme in SCHEMES.items():
        add((scheme, RDF.type, SKOS.ConceptScheme))
        add((scheme, RDFS.label, Literal(f"{scheme_kind}s of AI progress")))
    n = Node.__table__.c
    for node_id, kind, name, description, year, category, binding, provenance in session.execute(
        select(n.id, n.kind, n.name, n.description, n.year, n.category, n.binding, n.provenance)
    ):
        s = node_iri(node_id)
        add((s, RDF.type, KIND_CLASS[kind]))
        add((s, AIP.id, Literal(node_id)))
        add((s, RDFS.label, Literal(name)))
        if description:
            add((s, DCTERMS.description, Literal(description)))
        if year is not None:
            add((s, AIP.year, Literal(year, datatype=XSD.integer)))
        if category:
            add((s, AIP.category, Literal(category)))
        if binding:
            add((s, AIP.binding, Literal(binding)))
        if kind in SCHEMES:
            add((s, RDF.type, SKOS.Concept))
            add((s, SKOS.inScheme, SCHEMES[kind]))
            add((s, SKOS.prefLabel, Literal(name)))
        if kind == NodeKind.paper.value:
            add((s, RDF.type, BIBO.Document))
            add((s, DCTERMS.title, Literal(name)))
            if year is not None:
                add((s, DCTERMS.issued, Literal(f"{year:04d}", datatype=XSD.gYear)))
        _provenance(graph, s, provenance)

    p = Paper.__table__.c
    for row in session.execute(select(p.node_id, p.authors, p.venue, p.doi, p.arxiv_id, p.url, p.abstract, p.entry_type, p.citation_key, p.extra, p.field_sources)):
        node_id, authors, venue, doi, arxiv_id, url, abstract, entry_type, citation_key, extra, field_sources = row
        s = node_iri(node_id)
        if authors:
            head = BNode()
            Collection(graph, head, [Literal(a) for a in authors])
            add((s, BIBO.authorList, head))
            for author in authors:
                add((s, DCTERMS.creator, Literal(author)))
        for prop, value in ((AIP.venue, venue), (BIBO.doi, doi), (AIP.arxivId, arxiv_id), (DCTERMS.abstract, abstract)):
            if value:
                add((s, prop, Literal(value)))
        if url:
            add((s, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))
        add((s, AIP.entryType, Literal(entry_type)))
        add((s, AIP.citationKey, Literal(citation_key)))
        if extra:
            add((s, AIP.extra, _json(extra)))
        if field_sources:
            add((s, AIP.fieldSources, _json(field_sources)))

    a = Alias.__table__.c
    for alias, node_id, source in session.execute(select(a.alias, a.node_id, a.source)):
        s = URIRef(ALIAS + _key(alias))
        add((s, RDF.type, AIP.Alias))
        add((s, AIP.text, Literal(alias)))
        add((s, AIP.aliasSource, Literal(source)))
        add((s, AIP.aliasOf, node_iri(node_id)))
        add((node_iri(node_id), SKOS.altLabel, Literal(alias)))

    e = Edge.__table__.c
    for source, relation, target, provenance, note, year, confidence, inferred in session.execute(
        select(e.source_id, e.relation, e.target_id, e.provenance, e.note, e.year, e.confidence, e.inferred)
    ):
        subject, prop, obj = node_iri(source), RELATION_PROPERTY[relation], node_iri(target)
        add((subject, prop, obj))
        f = fact_iri(source, relation, target)
        add((f, RDF.type, RDF.Statement))
        add((f, RDF.type, AIP.Fact))
        add((f, RDF.subject, subject))
        add((f, RDF.predicate, prop))
        add((f, RDF.object, obj))
        if note:
            add((f, AIP.note, Literal(note)))
        if year is not None:
            add((f, AIP.year, Literal(year, datatype=XSD.integer)))
        if confidence is not None:
            add((f, AIP.confidence, Literal(float(confidence), datatype=XSD.double)))
        add((f, AIP.inferred, Literal(bool(inferred))))
        _provenance(graph, f, provenance)

    m = Measurement.__table__.c
    for node_id, quantity, value, unit, source, note in session.execute(select(m.node_id, m.quantity, m.value, m.unit, m.source, m.note)):
        s = URIRef(f"{MEASUREMENT}{quote(node_id, safe='')}/{quantity}/{quote(source, safe='')}")
        add((s, RDF.type, AIP.Measurement))
        add((s, AIP.ofNode, node_iri(node_id)))
        add((s, AIP.quantity, Literal(quantity)))
        add((s, RDF.value, Literal(float(value), datatype=XSD.double)))
        add((s, AIP.unit, Literal(unit)))
        add((s, DCTERMS.source, Literal(source)))
        if note:
            add((s, AIP.note, Literal(note)))
    return graph


# --------------------------------------------------------------------------
# RDF -> store
# --------------------------------------------------------------------------


def _one(graph: Graph, subject, prop, where: str, *, required: bool = False):
    values = list(graph.objects(subject, prop))
    if len(values) > 1:
        raise InvalidInput(f"{where}: more than one {graph.qname(prop)}")
    if not values:
        if required:
            raise InvalidInput(f"{where}: missing {graph.qname(prop)}")
        return None
    return values[0].toPython() if isinstance(values[0], Literal) else values[0]


def _provenance_of(graph: Graph, subject, where: str, default: str) -> str:
    source = _one(graph, subject, PROV.wasDerivedFrom, where)
    if source is None:
        return default
    label = _one(graph, source, RDFS.label, where)
    return str(label) if label is not None else unquote(str(source)[len(SOURCE):])


def _json_value(graph: Graph, subject, prop, where: str):
    value = _one(graph, subject, prop, where)
    if value is None:
        return {}
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError as exc:
        raise InvalidInput(f"{where}: {graph.qname(prop)} is not JSON: {exc}") from exc


def _nodes(graph: Graph) -> Iterable[tuple[URIRef, str]]:
    for cls, kind in CLASS_KIND.items():
        for subject in graph.subjects(RDF.type, cls):
            yield subject, kind


def from_rdf(session: Session, graph: Graph, *, default_provenance: str = "rdf") -> dict[str, int]:
    """Write an RDF graph in our vocabulary into the store through the
    service layer, in the caller's transaction. Returns counts of what was
    read. Triples outside the vocabulary are ignored; a malformed node, edge
    or measurement raises InvalidInput naming its IRI."""
    counts = {"nodes": 0, "aliases": 0, "edges": 0, "measurements": 0}
    nodes = sorted(_nodes(graph), key=lambda pair: str(pair[0]))
    for subject, kind in nodes:
        where = str(subject)
        node_id = str(_one(graph, subject, AIP.id, where) or node_id_of(subject))
        provenance = _provenance_of(graph, subject, where, default_provenance)
        name = _one(graph, subject, RDFS.label, where, required=True)
        year = _one(graph, subject, AIP.year, where)
        description = _one(graph, subject, DCTERMS.description, where)
        try:
            if kind == NodeKind.paper.value:
                head = _one(graph, subject, BIBO.authorList, where)
                authors = [str(a) for a in Collection(graph, head)] if head is not None else []
                service.upsert_paper(
                    session, node_id, title=str(name), year=year, provenance=provenance,
                    authors=authors,
                    venue=_one(graph, subject, AIP.venue, where),
                    doi=_one(graph, subject, BIBO.doi, where),
                    arxiv_id=_one(graph, subject, AIP.arxivId, where),
                    url=_optional_str(_one(graph, subject, SCHEMA.url, where)),
                    abstract=_one(graph, subject, DCTERMS.abstract, where),
                    entry_type=_one(graph, subject, AIP.entryType, where) or "article",
                    citation_key=_one(graph, subject, AIP.citationKey, where) or node_id.split(":", 1)[1],
                    extra=_json_value(graph, subject, AIP.extra, where),
                )
                if description:
                    service.update_node(session, node_id, description=description)
                sources = _json_value(graph, subject, AIP.fieldSources, where)
                paper = session.get(Paper, node_id)
                if paper.field_sources != sources:
                    # Where each field came from is history, not a value to recompute.
                    paper.field_sources = sources
                    service.mark_changed(session)
            else:
                service.upsert_node(
                    session, node_id, provenance=provenance, name=str(name), year=year, description=description,
                    category=_one(graph, subject, AIP.category, where), binding=_one(graph, subject, AIP.binding, where),
                )
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["nodes"] += 1
    session.flush()

    for subject in sorted(graph.subjects(RDF.type, AIP.Alias), key=str):
        where = str(subject)
        target = _one(graph, subject, AIP.aliasOf, where, required=True)
        text = _one(graph, subject, AIP.text, where, required=True)
        service.add_alias(session, node_id_of(target), str(text), source=str(_one(graph, subject, AIP.aliasSource, where) or "name"))
        counts["aliases"] += 1

    for subject in sorted(graph.subjects(RDF.type, AIP.Fact), key=str):
        where = str(subject)
        prop = _one(graph, subject, RDF.predicate, where, required=True)
        if prop not in PROPERTY_RELATION:
            raise InvalidInput(f"{where}: unknown relation {prop}")
        try:
            service.link(
                session,
                node_id_of(_one(graph, subject, RDF.subject, where, required=True)),
                PROPERTY_RELATION[prop],
                node_id_of(_one(graph, subject, RDF.object, where, required=True)),
                provenance=_provenance_of(graph, subject, where, default_provenance),
                note=_one(graph, subject, AIP.note, where) or "",
                year=_one(graph, subject, AIP.year, where),
                confidence=_one(graph, subject, AIP.confidence, where),
                inferred=bool(_one(graph, subject, AIP.inferred, where)),
            )
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["edges"] += 1

    for subject in sorted(graph.subjects(RDF.type, AIP.Measurement), key=str):
        where = str(subject)
        try:
            service.upsert_measurement(
                session,
                node_id_of(_one(graph, subject, AIP.ofNode, where, required=True)),
                quantity=str(_one(graph, subject, AIP.quantity, where, required=True)),
                value=float(_one(graph, subject, RDF.value, where, required=True)),
                unit=str(_one(graph, subject, AIP.unit, where, required=True)),
                source=str(_one(graph, subject, DCTERMS.source, where, required=True)),
                note=_one(graph, subject, AIP.note, where) or "",
            )
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["measurements"] += 1
    return counts


def _optional_str(value) -> str | None:
    return None if value is None else str(value)


RDF_FORMATS = {"turtle": "turtle", "json-ld": "json-ld", "nt": "nt"}


def parse_file(path: str, *, format: str | None = None) -> Graph:
    """Read an RDF file (format guessed from the extension unless given)."""
    from rdflib.util import guess_format

    fmt = format or guess_format(str(path)) or ("json-ld" if str(path).endswith((".jsonld", ".json")) else None)
    if fmt is None:
        raise InvalidInput(f"cannot tell the RDF format of {path}: use .ttl, .nt, .jsonld, .rdf or .nq")
    graph = Graph()
    try:
        graph.parse(str(path), format=fmt)
    except FileNotFoundError as exc:
        raise InvalidInput("no such file", where=str(path)) from exc
    except Exception as exc:  # rdflib raises many parser-specific types
        raise InvalidInput(f"not valid {fmt}: {exc}", where=str(path)) from exc
    return graph
