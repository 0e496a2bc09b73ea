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
                      aip:inferred (xsd:boolean); prov:wasDerivedFrom <source>;
                      a citation Semantic Scholar described: aip:citationIntents
                      (an rdf:JSON list: background, methodology, result) and
                      aip:influential (xsd:boolean)
    measurements      urn:aiprogress:measurement:<node>/<quantity>/<source>
                      a aip:Measurement; aip:ofNode; aip:quantity; rdf:value
                      (xsd:double); aip:unit; dcterms:source; aip:note
    statuses          urn:aiprogress:status:<constraint>/<year> a aip:ConstraintStatus;
                      aip:ofNode; aip:year; aip:status; dcterms:source; aip:note
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
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO
from urllib.parse import quote, unquote

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, SKOS
from sqlalchemy import select
from sqlmodel import Session

from . import batch, service
from .errors import AiprogressError, InvalidInput
from .models import Alias, Edge, Measurement, Node, NodeKind, Paper, StatusRecord
from .relations import KINDS, RELATIONS, spelling

AIP = Namespace("urn:aiprogress:ns:")
BIBO = Namespace("http://purl.org/ontology/bibo/")
SCHEMA = Namespace("https://schema.org/")
NODE = "urn:aiprogress:node:"
FACT = "urn:aiprogress:fact:"
ALIAS = "urn:aiprogress:alias:"
MEASUREMENT = "urn:aiprogress:measurement:"
STATUS = "urn:aiprogress:status:"
SOURCE = "urn:aiprogress:source:"
SCHEMES = {kind.name: URIRef(f"urn:aiprogress:scheme:{kind.scheme}") for kind in KINDS.values() if kind.scheme}
KIND_CLASS = {kind.name: AIP[kind.title] for kind in KINDS.values()}
CLASS_KIND = {cls: kind for kind, cls in KIND_CLASS.items()}
RELATION_PROPERTY = {r.name: AIP[r.predicate] for r in RELATIONS.values()}
PROPERTY_RELATION = {prop: name for name, prop in RELATION_PROPERTY.items()}
PREFIXES = {"aip": AIP, "dcterms": DCTERMS, "bibo": BIBO, "schema": SCHEMA, "prov": PROV, "skos": SKOS}

# Column -> predicate, read by the export and the import alike. A literal's
# datatype follows the column's type as declared in models.py (int, float,
# bool, JSON for dicts, an rdf:List for the authors); `node_id` columns hold
# the node's IRI; every `provenance` is prov:wasDerivedFrom a source entity.
# Columns absent here are not in the RDF: ids of rows, `kind` (the class),
# and the paper's copies of its node's title and year (title_key, year).
NODE_PREDICATES = {
    "id": AIP.id, "name": RDFS.label, "description": DCTERMS.description, "year": AIP.year,
    "category": AIP.category, "binding": AIP.binding, "provenance": PROV.wasDerivedFrom,
}
PAPER_PREDICATES = {
    "authors": BIBO.authorList, "venue": AIP.venue, "doi": BIBO.doi, "arxiv_id": AIP.arxivId, "url": SCHEMA.url,
    "abstract": DCTERMS.abstract, "entry_type": AIP.entryType, "citation_key": AIP.citationKey,
    "extra": AIP.extra, "field_sources": AIP.fieldSources,
}
ALIAS_PREDICATES = {"alias": AIP.text, "source": AIP.aliasSource, "node_id": AIP.aliasOf}
FACT_PREDICATES = {
    "note": AIP.note, "year": AIP.year, "confidence": AIP.confidence, "inferred": AIP.inferred,
    "intents": AIP.citationIntents, "influential": AIP.influential, "provenance": PROV.wasDerivedFrom,
}
MEASUREMENT_PREDICATES = {
    "node_id": AIP.ofNode, "quantity": AIP.quantity, "value": RDF.value, "unit": AIP.unit,
    "source": DCTERMS.source, "note": AIP.note,
}
STATUS_PREDICATES = {
    "constraint_id": AIP.ofNode, "year": AIP.year, "status": AIP.status, "source": DCTERMS.source, "note": AIP.note,
}
# Text in the store, typed xsd:anyURI in RDF.
URI_COLUMNS = frozenset({"url"})


def column_type(model: type, column: str) -> type:
    """The Python type a model declares for a column, `None` left out (int for `int | None`, dict for `dict[str, str]`)."""
    annotation = model.model_fields[column].annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    return typing.get_origin(annotation) or annotation


def relation_of_property(prop) -> str | None:
    """The relation an aip: predicate names, in either spelling and any case
    (aip:inspired-by, aip:Inspired_By), or None."""
    if prop in PROPERTY_RELATION:
        return PROPERTY_RELATION[prop]
    text = str(prop)
    if not text.startswith(str(AIP)):
        return None
    name = spelling(text[len(str(AIP)):])
    return name if name in RELATIONS else None


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


def _empty(value) -> bool:
    return value is None or value == "" or value == {}


def _encoder(model: type, column: str) -> Callable[[Any], ox.Literal]:
    """value -> its literal, by the column's declared type."""
    kind = column_type(model, column)
    if column in URI_COLUMNS:
        return lambda value: ox.Literal(value, datatype=_ANY_URI)
    if kind is bool:
        return lambda value: ox.Literal(bool(value))
    if kind is float:
        return lambda value: ox.Literal(float(value))
    if kind in (dict, list):
        return _json  # a list other than the authors (an rdf:List, written apart): its items in order, as JSON
    return ox.Literal


def _literal_columns(model: type, predicates: dict, skip: Iterable[str] = ()) -> list[tuple[int, ox.NamedNode, Callable]]:
    """(position in a row of `_columns(model)`, predicate, encoder) of each literal column."""
    columns = _columns(model)
    return [(columns.index(c), _ox(p), _encoder(model, c)) for c, p in predicates.items() if c not in skip]


def _columns(model: type) -> tuple[str, ...]:
    return tuple(model.model_fields)


def _select(model: type):
    table = model.__table__.c
    return select(*(table[c] for c in _columns(model)))


def _at(model: type, column: str) -> int:
    return _columns(model).index(column)


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

    def literals(subject, row, columns):
        for i, prop, encode in columns:
            value = row[i]
            if not _empty(value):
                yield make(subject, prop, encode(value))

    for scheme_kind, scheme in SCHEMES.items():
        yield make(_ox(scheme), a, _ox(SKOS.ConceptScheme))
        yield make(_ox(scheme), label, ox.Literal(f"{scheme_kind}s of AI progress"))

    kind_class = {kind: _ox(cls) for kind, cls in KIND_CLASS.items()}
    schemes = {kind: _ox(scheme) for kind, scheme in SCHEMES.items()}
    concept, in_scheme, pref_label = _ox(SKOS.Concept), _ox(SKOS.inScheme), _ox(SKOS.prefLabel)
    document, title, issued = _ox(BIBO.Document), _ox(DCTERMS.title), _ox(DCTERMS.issued)
    node_literals = _literal_columns(Node, NODE_PREDICATES, skip=("provenance",))
    i_id, i_kind, i_name, i_year, i_provenance = (_at(Node, c) for c in ("id", "kind", "name", "year", "provenance"))
    for row in session.execute(_select(Node)):
        node_id, kind, name, year = row[i_id], row[i_kind], row[i_name], row[i_year]
        s = node_iris[node_id]
        name_literal = ox.Literal(name)
        yield make(s, a, kind_class[kind])
        yield from literals(s, row, node_literals)
        if kind in schemes:
            yield make(s, a, concept)
            yield make(s, in_scheme, schemes[kind])
            yield make(s, pref_label, name_literal)
        if kind == NodeKind.paper.value:
            yield make(s, a, document)
            yield make(s, title, name_literal)
            if year is not None:
                yield make(s, issued, ox.Literal(f"{year:04d}", datatype=_GYEAR))
        yield from provenance_of(s, row[i_provenance])

    first, rest, nil, creator = _ox(RDF.first), _ox(RDF.rest), _ox(RDF.nil), _ox(DCTERMS.creator)
    author_list = _ox(PAPER_PREDICATES["authors"])
    paper_literals = _literal_columns(Paper, PAPER_PREDICATES, skip=("authors",))
    i_node, i_authors = _at(Paper, "node_id"), _at(Paper, "authors")
    for row in session.execute(_select(Paper)):
        s = node_iris[row[i_node]]
        authors = row[i_authors]
        if authors:
            # An rdf:List, so the order of the authors survives.
            cells = [ox.BlankNode() for _ in authors]
            yield make(s, author_list, cells[0])
            for i, author in enumerate(authors):
                yield make(cells[i], first, ox.Literal(author))
                yield make(cells[i], rest, cells[i + 1] if i + 1 < len(cells) else nil)
            for author in dict.fromkeys(authors):
                yield make(s, creator, ox.Literal(author))
        yield from literals(s, row, paper_literals)

    alias_class, alias_of, alt_label = _ox(AIP.Alias), _ox(ALIAS_PREDICATES["node_id"]), _ox(SKOS.altLabel)
    alias_literals = _literal_columns(Alias, ALIAS_PREDICATES, skip=("node_id",))
    i_alias, i_node = _at(Alias, "alias"), _at(Alias, "node_id")
    for row in session.execute(_select(Alias)):
        alias, node = row[i_alias], node_iris[row[i_node]]
        s = _ox(ALIAS + _key(alias))
        yield make(s, a, alias_class)
        yield from literals(s, row, alias_literals)
        yield make(s, alias_of, node)
        yield make(node, alt_label, ox.Literal(alias))

    relation_props = {name: _ox(prop) for name, prop in RELATION_PROPERTY.items()}
    statement, fact_class = _ox(RDF.Statement), _ox(AIP.Fact)
    subject_prop, predicate_prop, object_prop = _ox(RDF.subject), _ox(RDF.predicate), _ox(RDF.object)
    fact_literals = _literal_columns(Edge, FACT_PREDICATES, skip=("provenance",))
    i_source, i_relation, i_target, i_provenance = (_at(Edge, c) for c in ("source_id", "relation", "target_id", "provenance"))
    for row in session.execute(_select(Edge)):
        source, relation, target = row[i_source], row[i_relation], row[i_target]
        subject, prop, obj = node_iris[source], relation_props[relation], node_iris[target]
        yield make(subject, prop, obj)
        f = ox.NamedNode(str(fact_iri(source, relation, target)))
        yield make(f, a, statement)
        yield make(f, a, fact_class)
        yield make(f, subject_prop, subject)
        yield make(f, predicate_prop, prop)
        yield make(f, object_prop, obj)
        yield from literals(f, row, fact_literals)
        yield from provenance_of(f, row[i_provenance])

    measurement_class, of_node = _ox(AIP.Measurement), _ox(MEASUREMENT_PREDICATES["node_id"])
    measurement_literals = _literal_columns(Measurement, MEASUREMENT_PREDICATES, skip=("node_id",))
    i_node, i_quantity, i_source = (_at(Measurement, c) for c in ("node_id", "quantity", "source"))
    for row in session.execute(_select(Measurement)):
        node_id = row[i_node]
        s = ox.NamedNode(f"{MEASUREMENT}{quote(node_id, safe='')}/{row[i_quantity]}/{quote(row[i_source], safe='')}")
        yield make(s, a, measurement_class)
        yield make(s, of_node, node_iris[node_id])
        yield from literals(s, row, measurement_literals)

    status_class = _ox(AIP.ConstraintStatus)
    status_literals = _literal_columns(StatusRecord, STATUS_PREDICATES, skip=("constraint_id",))
    i_constraint, i_status_year = _at(StatusRecord, "constraint_id"), _at(StatusRecord, "year")
    for row in session.execute(_select(StatusRecord)):
        constraint_id = row[i_constraint]
        s = ox.NamedNode(f"{STATUS}{quote(constraint_id, safe='')}/{row[i_status_year]}")
        yield make(s, a, status_class)
        yield make(s, of_node, node_iris[constraint_id])
        yield from literals(s, row, status_literals)


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


def _read(graph: Graph, subject, model: type, predicates: dict, where: str, *, default_provenance: str = "",
          skip: Iterable[str] = ()) -> dict[str, Any]:
    """The columns of one row from its subject's triples, by the same table
    the export writes: each value typed as the model declares its column; a
    column left out takes the model's default, and one without a default is
    required."""
    values: dict[str, Any] = {}
    for column, prop in predicates.items():
        if column in skip:
            continue
        info = model.model_fields[column]
        kind = column_type(model, column)
        if column == "provenance":
            values[column] = _provenance_of(graph, subject, where, default_provenance)
            continue
        if kind is dict:
            values[column] = _json_value(graph, subject, prop, where)
            continue
        value = _one(graph, subject, prop, where, required=info.is_required())
        if value is None:
            values[column] = info.get_default(call_default_factory=True)
        elif column in ("node_id", "constraint_id"):
            values[column] = node_id_of(value)
        elif kind is list and isinstance(value, Literal):
            values[column] = _json_value(graph, subject, prop, where)
        elif kind is list:
            values[column] = [str(item) for item in Collection(graph, value)]
        elif kind is bool:
            values[column] = bool(value)
        elif kind is float:
            values[column] = float(value)
        elif kind is str:
            values[column] = str(value)
        else:
            values[column] = value
    return values


def _named_by_own_key(graph: Graph, subject) -> bool:
    key = graph.value(subject, AIP.citationKey)
    return key is None or node_id_of(subject).split(":", 1)[-1].lower() == str(key).lower()


def _nodes(graph: Graph) -> Iterable[tuple[URIRef, str]]:
    for cls, kind in CLASS_KIND.items():
        for subject in graph.subjects(RDF.type, cls):
            yield subject, kind


def from_rdf(session: Session, graph: Graph, *, default_provenance: str = "rdf",
             notes: list[dict] | None = None) -> dict[str, int]:
    """Write an RDF graph in our vocabulary into the store through the
    service layer (papers through the batch write API, so they merge as from
    any other format), in the caller's transaction. Returns counts of what
    was read; `notes` (if given) receives the values kept over the file's.
    Triples outside the vocabulary are ignored; a malformed node, edge or
    measurement or status raises InvalidInput naming its IRI."""
    counts = {"nodes": 0, "aliases": 0, "edges": 0, "measurements": 0, "statuses": 0}
    # Papers stored under their own citation key first, so that a key two papers
    # share (paper:smith2020, paper:smith2020-2) goes to the one it names.
    nodes = sorted(_nodes(graph), key=lambda pair: (not _named_by_own_key(graph, pair[0]), str(pair[0])))
    papers: list[tuple[str, batch.PaperRow]] = []
    for subject, kind in nodes:
        where = str(subject)
        node = _read(graph, subject, Node, NODE_PREDICATES, where, default_provenance=default_provenance, skip=("id",))
        node_id = str(_one(graph, subject, NODE_PREDICATES["id"], where) or node_id_of(subject))
        provenance = node.pop("provenance")
        try:
            if kind == NodeKind.paper.value:
                kind_, key = service.split_id(node_id)
                if kind_ != NodeKind.paper.value:
                    raise InvalidInput(f"{node_id}: not a paper id (papers are paper:<citation key>)")
                paper = _read(graph, subject, Paper, PAPER_PREDICATES, where, skip=("citation_key", "field_sources"))
                citation_key = str(_one(graph, subject, PAPER_PREDICATES["citation_key"], where) or key)
                # A key another paper is stored under stays that paper's (its own alias triples say so).
                # Under the source its alias triples give: a key that is another source's id (openalex:W1) keeps that scheme.
                key_source = _one(graph, URIRef(ALIAS + _key(citation_key.lower())), ALIAS_PREDICATES["source"], where)
                own_key = [(citation_key, str(key_source or "citation-key"))] if _named_by_own_key(graph, subject) else []
                values = {**paper, "name": node["name"], "year": node["year"], "description": node["description"]}
                # Where each field came from is history, not a value to recompute.
                sources = _json_value(graph, subject, PAPER_PREDICATES["field_sources"], where) or None
                papers.append((where, batch.PaperRow(node_id, values, provenance, citation_key=citation_key,
                                                     sources=sources, aliases=own_key)))
            else:
                service.upsert_node(session, node_id, provenance=provenance, **node)
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["nodes"] += 1
    for (where, row), write in zip(papers, batch.write_papers(session, [row for _, row in papers])):
        try:
            write.raise_errors()
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        if notes is not None:
            notes.extend({"where": where, "kind": p.kind, "message": p.message} for p in write.problems)
    session.flush()

    for subject in sorted(graph.subjects(RDF.type, AIP.Alias), key=str):
        alias = _read(graph, subject, Alias, ALIAS_PREDICATES, str(subject))
        service.add_alias(session, alias["node_id"], alias["alias"], source=alias["source"])
        counts["aliases"] += 1

    for subject in sorted(graph.subjects(RDF.type, AIP.Fact), key=str):
        where = str(subject)
        prop = _one(graph, subject, RDF.predicate, where, required=True)
        relation = relation_of_property(prop)
        if relation is None:
            raise InvalidInput(f"{where}: unknown relation {prop}")
        try:
            service.link(
                session,
                node_id_of(_one(graph, subject, RDF.subject, where, required=True)),
                relation,
                node_id_of(_one(graph, subject, RDF.object, where, required=True)),
                **_read(graph, subject, Edge, FACT_PREDICATES, where, default_provenance=default_provenance),
            )
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["edges"] += 1

    for subject in sorted(graph.subjects(RDF.type, AIP.Measurement), key=str):
        where = str(subject)
        try:
            values = _read(graph, subject, Measurement, MEASUREMENT_PREDICATES, where)
            service.upsert_measurement(session, values.pop("node_id"), **values)
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["measurements"] += 1

    for subject in sorted(graph.subjects(RDF.type, AIP.ConstraintStatus), key=str):
        where = str(subject)
        try:
            values = _read(graph, subject, StatusRecord, STATUS_PREDICATES, where, skip=("id",))
            service.upsert_status(session, values.pop("constraint_id"), **values)
        except AiprogressError as exc:
            raise type(exc)(exc.message, where=where) from exc
        counts["statuses"] += 1
    return counts


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
