"""The graph as RDF: the vocabulary, the store as triples (pyoxigraph terms,
serialized by pyoxigraph's writers), and an rdflib Graph read back into it.

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
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO
from urllib.parse import quote, unquote

import pyoxigraph as ox
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
#
# The triples are written once, here, as pyoxigraph terms: the SPARQL store
# (graph/sparql.py) loads them and the exports serialize them with
# pyoxigraph's writers, neither through an rdflib Graph (on the ACL corpus
# building that Graph alone took 25 s of an 83 s Turtle export). `to_rdf`
# turns the same triples into an rdflib Graph for whoever wants one.


def _ox(uri: str) -> ox.NamedNode:
    return ox.NamedNode(str(uri))


class _NodeIris(dict):
    """Node id -> its IRI as a pyoxigraph NamedNode, each made once per export
    (a node's IRI recurs in every edge and fact that touches it)."""

    def __missing__(self, node_id: str) -> ox.NamedNode:
        iri = self[node_id] = ox.NamedNode(str(node_iri(node_id)))
        return iri


_JSON = _ox(RDF.JSON)
_GYEAR = _ox(XSD.gYear)
_ANY_URI = _ox(XSD.anyURI)


def _json(value) -> ox.Literal:
    return ox.Literal(json.dumps(value, sort_keys=True, ensure_ascii=False), datatype=_JSON)


def statements(session: Session, make: Callable = ox.Triple) -> Iterator:
    """The whole store as RDF in this module's vocabulary, one `make(s, p, o)`
    per triple (pyoxigraph's Triple, or Quad for a store), read in the
    caller's transaction."""
    a, label, was_derived_from = _ox(RDF.type), _ox(RDFS.label), _ox(PROV.wasDerivedFrom)
    node_iris = _NodeIris()
    sources: dict[str, ox.NamedNode] = {}

    def provenance_of(subject, provenance: str):
        source = sources.get(provenance)
        if source is None:
            source = sources[provenance] = _ox(source_iri(provenance))
            yield make(source, a, _ox(PROV.Entity))
            yield make(source, label, ox.Literal(provenance))
        yield make(subject, was_derived_from, source)

    for scheme_kind, scheme in SCHEMES.items():
        yield make(_ox(scheme), a, _ox(SKOS.ConceptScheme))
        yield make(_ox(scheme), label, ox.Literal(f"{scheme_kind}s of AI progress"))

    kind_class = {kind: _ox(cls) for kind, cls in KIND_CLASS.items()}
    schemes = {kind: _ox(scheme) for kind, scheme in SCHEMES.items()}
    p_id, p_description, p_year = _ox(AIP.id), _ox(DCTERMS.description), _ox(AIP.year)
    p_category, p_binding = _ox(AIP.category), _ox(AIP.binding)
    concept, in_scheme, pref_label = _ox(SKOS.Concept), _ox(SKOS.inScheme), _ox(SKOS.prefLabel)
    document, title, issued = _ox(BIBO.Document), _ox(DCTERMS.title), _ox(DCTERMS.issued)
    n = Node.__table__.c
    for node_id, kind, name, description, year, category, binding, provenance in session.execute(
        select(n.id, n.kind, n.name, n.description, n.year, n.category, n.binding, n.provenance)
    ):
        s = node_iris[node_id]
        name_literal = ox.Literal(name)
        yield make(s, a, kind_class[kind])
        yield make(s, p_id, ox.Literal(node_id))
        yield make(s, label, name_literal)
        if description:
            yield make(s, p_description, ox.Literal(description))
        if year is not None:
            yield make(s, p_year, ox.Literal(year))
        if category:
            yield make(s, p_category, ox.Literal(category))
        if binding:
            yield make(s, p_binding, ox.Literal(binding))
        if kind in schemes:
            yield make(s, a, concept)
            yield make(s, in_scheme, schemes[kind])
            yield make(s, pref_label, name_literal)
        if kind == NodeKind.paper.value:
            yield make(s, a, document)
            yield make(s, title, name_literal)
            if year is not None:
                yield make(s, issued, ox.Literal(f"{year:04d}", datatype=_GYEAR))
        yield from provenance_of(s, provenance)

    author_list, first, rest, nil, creator = _ox(BIBO.authorList), _ox(RDF.first), _ox(RDF.rest), _ox(RDF.nil), _ox(DCTERMS.creator)
    venue_prop, doi_prop, arxiv_prop, abstract_prop = _ox(AIP.venue), _ox(BIBO.doi), _ox(AIP.arxivId), _ox(DCTERMS.abstract)
    url_prop, entry_type_prop, citation_key_prop = _ox(SCHEMA.url), _ox(AIP.entryType), _ox(AIP.citationKey)
    extra_prop, field_sources_prop = _ox(AIP.extra), _ox(AIP.fieldSources)
    p = Paper.__table__.c
    for node_id, authors, venue, doi, arxiv_id, url, abstract, entry_type, citation_key, extra, field_sources in session.execute(
        select(p.node_id, p.authors, p.venue, p.doi, p.arxiv_id, p.url, p.abstract, p.entry_type, p.citation_key, p.extra, p.field_sources)
    ):
        s = node_iris[node_id]
        if authors:
            # An rdf:List, so the order of the authors survives.
            cells = [ox.BlankNode() for _ in authors]
            yield make(s, author_list, cells[0])
            for i, author in enumerate(authors):
                yield make(cells[i], first, ox.Literal(author))
                yield make(cells[i], rest, cells[i + 1] if i + 1 < len(cells) else nil)
            for author in dict.fromkeys(authors):
                yield make(s, creator, ox.Literal(author))
        for prop, value in ((venue_prop, venue), (doi_prop, doi), (arxiv_prop, arxiv_id), (abstract_prop, abstract)):
            if value:
                yield make(s, prop, ox.Literal(value))
        if url:
            yield make(s, url_prop, ox.Literal(url, datatype=_ANY_URI))
        yield make(s, entry_type_prop, ox.Literal(entry_type))
        yield make(s, citation_key_prop, ox.Literal(citation_key))
        if extra:
            yield make(s, extra_prop, _json(extra))
        if field_sources:
            yield make(s, field_sources_prop, _json(field_sources))

    alias_class, text_prop, alias_source, alias_of, alt_label = _ox(AIP.Alias), _ox(AIP.text), _ox(AIP.aliasSource), _ox(AIP.aliasOf), _ox(SKOS.altLabel)
    al = Alias.__table__.c
    for alias, node_id, source in session.execute(select(al.alias, al.node_id, al.source)):
        s = _ox(ALIAS + _key(alias))
        text = ox.Literal(alias)
        yield make(s, a, alias_class)
        yield make(s, text_prop, text)
        yield make(s, alias_source, ox.Literal(source))
        yield make(s, alias_of, node_iris[node_id])
        yield make(node_iris[node_id], alt_label, text)

    relation_props = {name: _ox(prop) for name, prop in RELATION_PROPERTY.items()}
    statement, fact_class = _ox(RDF.Statement), _ox(AIP.Fact)
    subject_prop, predicate_prop, object_prop = _ox(RDF.subject), _ox(RDF.predicate), _ox(RDF.object)
    note_prop, confidence_prop, inferred_prop = _ox(AIP.note), _ox(AIP.confidence), _ox(AIP.inferred)
    e = Edge.__table__.c
    for source, relation, target, provenance, note, year, confidence, inferred in session.execute(
        select(e.source_id, e.relation, e.target_id, e.provenance, e.note, e.year, e.confidence, e.inferred)
    ):
        subject, prop, obj = node_iris[source], relation_props[relation], node_iris[target]
        yield make(subject, prop, obj)
        f = ox.NamedNode(str(fact_iri(source, relation, target)))
        yield make(f, a, statement)
        yield make(f, a, fact_class)
        yield make(f, subject_prop, subject)
        yield make(f, predicate_prop, prop)
        yield make(f, object_prop, obj)
        if note:
            yield make(f, note_prop, ox.Literal(note))
        if year is not None:
            yield make(f, p_year, ox.Literal(year))
        if confidence is not None:
            yield make(f, confidence_prop, ox.Literal(float(confidence)))
        yield make(f, inferred_prop, ox.Literal(bool(inferred)))
        yield from provenance_of(f, provenance)

    measurement_class, of_node, quantity_prop, value_prop = _ox(AIP.Measurement), _ox(AIP.ofNode), _ox(AIP.quantity), _ox(RDF.value)
    unit_prop, source_prop = _ox(AIP.unit), _ox(DCTERMS.source)
    m = Measurement.__table__.c
    for node_id, quantity, value, unit, source, note in session.execute(select(m.node_id, m.quantity, m.value, m.unit, m.source, m.note)):
        s = ox.NamedNode(f"{MEASUREMENT}{quote(node_id, safe='')}/{quantity}/{quote(source, safe='')}")
        yield make(s, a, measurement_class)
        yield make(s, of_node, node_iris[node_id])
        yield make(s, quantity_prop, ox.Literal(quantity))
        yield make(s, value_prop, ox.Literal(float(value)))
        yield make(s, unit_prop, ox.Literal(unit))
        yield make(s, source_prop, ox.Literal(source))
        if note:
            yield make(s, note_prop, ox.Literal(note))


SERIALIZATIONS = {"turtle": ox.RdfFormat.TURTLE, "json-ld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES}


def write(session: Session, stream: BinaryIO, format: str) -> None:
    """Serialize the whole store to a binary stream (turtle, json-ld or nt)
    with pyoxigraph's writers, streaming: the triples are never all in memory."""
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    ox.serialize(statements(session), stream, SERIALIZATIONS[format], prefixes=prefixes)


_XSD_STRING = str(XSD.string)


def _to_rdflib(term, bnodes: dict):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return bnodes.setdefault(term.value, BNode())
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))


def to_rdf(session: Session) -> Graph:
    """The whole store as an rdflib Graph (the same triples as `statements`)."""
    graph = new_graph()
    bnodes: dict[str, BNode] = {}
    add = graph.add
    for triple in statements(session):
        add((_to_rdflib(triple.subject, bnodes), _to_rdflib(triple.predicate, bnodes), _to_rdflib(triple.object, bnodes)))
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


def _named_by_own_key(graph: Graph, subject) -> bool:
    key = graph.value(subject, AIP.citationKey)
    return key is None or node_id_of(subject).split(":", 1)[-1].lower() == str(key).lower()


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
    # Papers stored under their own citation key first, so that a key two papers
    # share (paper:smith2020, paper:smith2020-2) goes to the one it names.
    nodes = sorted(_nodes(graph), key=lambda pair: (not _named_by_own_key(graph, pair[0]), str(pair[0])))
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
# Extensions rdflib's guess_format does not know, as files in the wild name them.
_MORE_EXTENSIONS = {"turtle": "turtle", "ntriples": "nt", "n-triples": "nt", "nquads": "nquads", "n-quads": "nquads",
                    "rdfxml": "xml", "rdfs": "xml", "hext": "hext", "jsonl": "hext", "ld+json": "json-ld"}


def guess_rdf_format(path: str) -> str | None:
    """rdflib's guess from the extension (case-insensitive), else the common
    spellings it lacks (.turtle, .ntriples ...)."""
    from rdflib.util import guess_format

    name = str(path).lower()
    return guess_format(name) or _MORE_EXTENSIONS.get(name.rsplit(".", 1)[-1])


def parse_file(path: str, *, format: str | None = None) -> Graph:
    """Read an RDF file (format guessed from the extension unless given)."""
    fmt = format or guess_rdf_format(str(path))
    if fmt is None:
        raise InvalidInput(f"cannot tell the RDF format of {path}: use .ttl/.turtle, .nt/.ntriples, .n3, .jsonld/.json, .rdf/.xml/.owl, .nq, .trig or --format")
    graph = Graph()
    try:
        graph.parse(str(path), format=fmt)
    except FileNotFoundError as exc:
        raise InvalidInput("no such file", where=str(path)) from exc
    except Exception as exc:  # rdflib raises many parser-specific types
        raise InvalidInput(f"not valid {fmt}: {exc}", where=str(path)) from exc
    return graph
