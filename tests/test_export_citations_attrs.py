"""Exports carry what the importers add: the ids other sources know a work
by (OpenAlex, Semantic Scholar corpus, MAG: aliases) and a citation's
Semantic Scholar intents and influential flag, through RDF (there and back),
GraphML, GEXF, node-link JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import networkx as nx
from rdflib import Graph
from rdflib.compare import isomorphic
from sqlalchemy import select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import export, rdf
from aiprogress.graph.models import Alias, Edge
from aiprogress.ingest import load


def _store(engine) -> None:
    """Three works known to OpenAlex and S2: 1 cites 2 (influential, methodology),
    1 cites 3 (stated: no intents, not influential), 3 cites 2 (OpenAlex: nothing stated)."""
    works = "".join(json.dumps({"id": f"https://openalex.org/W{n}", "title": f"Work {n}", "publication_year": 2020,
                                "ids": {"mag": str(700 + n)}, "referenced_works": [f"https://openalex.org/W{r}" for r in refs]}) + "\n"
                    for n, refs in ((1, []), (2, []), (3, [2])))
    load.ingest_source(engine, "works.jsonl", text=works, format="openalex")
    papers = [{"paperId": f"p{n}", "corpusId": 40 + n, "title": f"Work {n}", "year": 2020, "externalIds": {"CorpusId": 40 + n, "MAG": str(700 + n)}}
              for n in (1, 2, 3)]
    load.ingest_source(engine, "s2.json", text=json.dumps(papers))
    cites = "".join(json.dumps({"citingcorpusid": "41", "citedcorpusid": c, "isinfluential": flag, "intents": intents}) + "\n"
                    for c, flag, intents in (("42", True, ["methodology"]), ("43", False, [])))
    load.ingest_source(engine, "citations.jsonl", text=cites, format="semanticscholar")


def _bytes(engine, name: str) -> bytes:
    with database.session_scope(engine) as s:
        return export.export_bytes(s, name)


W1, W2, W3 = "paper:openalex:W1", "paper:openalex:W2", "paper:openalex:W3"


def test_the_store_holds_what_the_exports_must_carry(sqlite_engine):
    _store(sqlite_engine)
    with Session(sqlite_engine) as s:
        edges = {(e.source_id, e.target_id): (e.intents, e.influential) for e in s.execute(select(Edge)).scalars()}
        aliases = set(s.execute(select(Alias.alias).where(Alias.node_id == W1)).scalars())
    assert edges == {(W1, W2): (["methodology"], True), (W1, W3): ([], False), (W3, W2): (None, None)}
    assert {"openalex:w1", "s2:41", "mag:701"} <= aliases


def test_rdf_carries_them_there_and_back(engine, tmp_path):
    _store(engine)
    first = Graph().parse(data=_bytes(engine, "turtle"), format="turtle")
    fact = rdf.fact_iri(W1, "cites", W2)
    assert json.loads(first.value(fact, rdf.AIP.citationIntents)) == ["methodology"]
    assert first.value(fact, rdf.AIP.influential).toPython() is True
    assert first.value(rdf.fact_iri(W3, "cites", W2), rdf.AIP.influential) is None
    other = database.open_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    database.create_schema(other)
    try:
        with database.session_scope(other) as s:
            rdf.from_rdf(s, first)
        with Session(other) as s:
            edges = {(e.source_id, e.target_id): (e.intents, e.influential) for e in s.execute(select(Edge)).scalars()}
            aliases = set(s.execute(select(Alias.alias, Alias.source).where(Alias.node_id == W1)).all())
        assert edges == {(W1, W2): (["methodology"], True), (W1, W3): ([], False), (W3, W2): (None, None)}
        assert {("s2:41", "s2"), ("mag:701", "mag"), ("openalex:w1", "openalex")} <= aliases
        assert isomorphic(first, Graph().parse(data=_bytes(other, "turtle"), format="turtle"))
    finally:
        other.dispose()


def test_graphml_gexf_and_node_link_carry_them(sqlite_engine):
    _store(sqlite_engine)
    graphs = {
        "graphml": nx.read_graphml(io.BytesIO(_bytes(sqlite_engine, "graphml"))),
        "gexf": nx.read_gexf(io.BytesIO(_bytes(sqlite_engine, "gexf"))),
        "node-link": nx.node_link_graph(json.loads(_bytes(sqlite_engine, "node-link")), edges="edges"),
    }
    for name, g in graphs.items():
        node = g.nodes[W1]
        assert (node["openalex"], node["s2"], node["mag"]) == ("W1", "41", "701"), name
        by_ends = {(u, v): d for u, v, d in g.edges(data=True)}
        assert (by_ends[(W1, W2)]["intents"], by_ends[(W1, W2)]["influential"]) == ("methodology", True), name
        assert (by_ends[(W1, W3)]["intents"], by_ends[(W1, W3)]["influential"]) == ("", False), name
        assert "intents" not in by_ends[(W3, W2)] and "influential" not in by_ends[(W3, W2)], name


def test_csv_carries_them(sqlite_engine):
    _store(sqlite_engine)
    archive = zipfile.ZipFile(io.BytesIO(_bytes(sqlite_engine, "csv")))
    edges = {(e["source"], e["target"]): (e["intents"], e["influential"])
             for e in csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), encoding="utf-8"))}
    assert edges == {(W1, W2): ("methodology", "true"), (W1, W3): ("", "false"), (W3, W2): ("", "")}
