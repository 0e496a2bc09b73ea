"""Exports, RDF round trips, SPARQL and copies between backends, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from aiprogress.graph import db as database
from aiprogress.graph import export, rdf, service, sparql, transfer
from aiprogress.graph.errors import Conflict, InvalidInput, NotFound
from aiprogress.graph.models import TABLES
from aiprogress.ingest import datafiles


def _small_graph(session) -> None:
    service.upsert_node(session, "constraint:architecture", provenance="test", name="Architecture", binding="leverage", description="What a model can express")
    service.upsert_node(session, "field:neuroscience", provenance="test", name="Neuroscience")
    service.upsert_node(session, "technique:attention", provenance="builtin:t.toml", name="Attention", category="method", year=2014)
    service.upsert_node(session, "technique:transformer", provenance="builtin:t.toml", name="Transformer", category="architecture", year=2017)
    service.upsert_paper(
        session, "paper:vaswani2017attention", provenance="bibtex:x.bib#vaswani2017attention", title="Attention Is All You Need", year=2017,
        authors=["Vaswani, Ashish", "Shazeer, Noam", "Parmar, Niki"], arxiv_id="1706.03762", doi="10.5555/abc.1",
        venue="NeurIPS", url="https://example.org/a?b=c&d", extra={"pages": "5998--6008"}, entry_type="inproceedings",
    )
    service.add_alias(session, "technique:transformer", "Transformers", source="abbreviation")
    service.link(session, "technique:attention", "enables", "technique:transformer", provenance="user:ada", note='self-attention "alone"', year=2017, confidence=0.9)
    service.link(session, "paper:vaswani2017attention", "introduces", "technique:transformer", provenance="user:ada")
    service.link(session, "technique:transformer", "relaxes", "constraint:architecture", provenance="user:ada", inferred=True, confidence=0.25)
    service.link(session, "technique:attention", "inspired-by", "field:neuroscience", provenance="user:bo", note="visual attention")
    service.upsert_measurement(session, "technique:transformer", quantity="parameters", value=2.13e8, unit="count", source="Vaswani et al. 2017", note="big model")


@pytest.fixture
def small(engine):
    with database.session_scope(engine) as s:
        _small_graph(s)
    return engine


def _export(engine, name: str) -> bytes:
    with database.session_scope(engine) as s:
        return export.export_bytes(s, name)


# -- RDF -------------------------------------------------------------------------


def _reimport(data: bytes, fmt: str, url: str) -> tuple[Graph, object]:
    graph = Graph().parse(data=data, format=fmt)
    engine = database.open_engine(url)
    database.create_schema(engine)
    with database.session_scope(engine) as s:
        rdf.from_rdf(s, graph)
    return graph, engine


@pytest.mark.parametrize("fmt, rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("json-ld", "json-ld")])
def test_rdf_export_import_export_is_isomorphic(small, database_url, tmp_path, fmt, rdflib_format):
    first = _export(small, fmt)
    # Import into a second, empty database of the other kind of file.
    graph, other = _reimport(first, rdflib_format, f"sqlite:///{tmp_path / 'other.db'}")
    try:
        second = Graph().parse(data=_export(other, fmt), format=rdflib_format)
    finally:
        other.dispose()
    assert len(graph) > 50
    assert isomorphic(graph, second)


def test_round_trip_of_the_builtin_history_keeps_every_row(engine, tmp_path):
    with database.session_scope(engine) as s:
        datafiles.load_builtin(s)
        before = service.stats(s)
        first = rdf.to_rdf(s)
    graph, other = _reimport(first.serialize(format="nt", encoding="utf-8"), "nt", f"sqlite:///{tmp_path / 'copy.db'}")
    with database.session_scope(other) as s:
        assert service.stats(s) == before
        assert isomorphic(first, rdf.to_rdf(s))
        transformer = service.node_detail(s, "technique:transformer")
    with database.session_scope(engine) as s:
        original = service.node_detail(s, "technique:transformer")
    strip = lambda d: sorted((e.relation, e.other_id, e.note, e.provenance, e.year, e.confidence) for e in d.edges)  # noqa: E731
    assert strip(transformer) == strip(original)
    other.dispose()


def test_edges_keep_their_evidence_in_rdf(small):
    turtle = _export(small, "turtle")
    g = Graph().parse(data=turtle, format="turtle")
    fact = rdf.fact_iri("technique:attention", "enables", "technique:transformer")
    assert (rdf.node_iri("technique:attention"), rdf.AIP["enables"], rdf.node_iri("technique:transformer")) in g
    assert g.value(fact, rdf.AIP.note) == Literal('self-attention "alone"')
    assert g.value(fact, rdf.AIP.confidence).toPython() == 0.9
    assert g.value(g.value(fact, rdf.PROV.wasDerivedFrom), rdf.RDFS.label) == Literal("user:ada")
    paper = rdf.node_iri("paper:vaswani2017attention")
    from rdflib.collection import Collection

    assert [str(a) for a in Collection(g, g.value(paper, rdf.BIBO.authorList))] == ["Vaswani, Ashish", "Shazeer, Noam", "Parmar, Niki"]
    assert (rdf.node_iri("constraint:architecture"), rdf.SKOS.inScheme, rdf.SCHEMES["constraint"]) in g


def test_rdf_import_errors_name_the_resource_and_write_nothing(engine):
    bad = Graph()
    fact = URIRef("urn:aiprogress:fact:x")
    bad.add((fact, rdf.RDF.type, rdf.AIP.Fact))
    bad.add((fact, rdf.RDF.subject, rdf.node_iri("technique:a")))
    bad.add((fact, rdf.RDF.predicate, rdf.AIP["enables"]))
    bad.add((fact, rdf.RDF.object, rdf.node_iri("technique:b")))
    node = rdf.node_iri("technique:c")
    bad.add((node, rdf.RDF.type, rdf.AIP.Technique))
    bad.add((node, rdf.RDFS.label, Literal("C")))
    bad.add((node, rdf.AIP.category, Literal("method")))
    with pytest.raises(NotFound) as info:
        with database.session_scope(engine) as s:
            rdf.from_rdf(s, bad)
    assert "urn:aiprogress:fact:x" in str(info.value) and "technique:a" in str(info.value)
    with database.session_scope(engine) as s:
        assert service.stats(s)["total_nodes"] == 0


def test_import_rdf_file_errors(tmp_path):
    (tmp_path / "x.ttl").write_text("this is not turtle")
    with pytest.raises(InvalidInput, match="x.ttl"):
        rdf.parse_file(str(tmp_path / "x.ttl"))
    with pytest.raises(InvalidInput, match="no such file"):
        rdf.parse_file(str(tmp_path / "missing.ttl"))


# -- network formats ---------------------------------------------------------------


def test_gexf_opens_with_kinds_and_relations_as_attributes(small):
    g = nx.read_gexf(io.BytesIO(_export(small, "gexf")))
    assert g.nodes["technique:transformer"]["kind"] == "technique"
    assert g.nodes["technique:transformer"]["label"] == "Transformer"
    assert g.nodes["constraint:architecture"]["binding"] == "leverage"
    relations = sorted((u, d["relation"], v) for u, v, d in g.edges(data=True))
    assert ("technique:attention", "enables", "technique:transformer") in relations
    assert len(relations) == 4
    edge = next(d for u, v, d in g.edges(data=True) if d["relation"] == "relaxes")
    assert edge["inferred"] is True and edge["confidence"] == 0.25


def test_graphml_and_node_link_hold_the_same_graph(small):
    gml = nx.read_graphml(io.BytesIO(_export(small, "graphml")))
    nl = nx.node_link_graph(json.loads(_export(small, "node-link")), edges="edges")
    for g in (gml, nl):
        assert set(g.nodes) == {"constraint:architecture", "field:neuroscience", "technique:attention", "technique:transformer", "paper:vaswani2017attention"}
        assert sorted(d["relation"] for _, _, d in g.edges(data=True)) == ["enables", "inspired-by", "introduces", "relaxes"]
        assert g.nodes["paper:vaswani2017attention"]["year"] == 2017


def test_csv_zip_has_nodes_and_edges(small):
    archive = zipfile.ZipFile(io.BytesIO(_export(small, "csv")))
    assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
    nodes = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), encoding="utf-8")))
    edges = list(csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), encoding="utf-8")))
    assert len(nodes) == 5 and len(edges) == 4
    enables = next(e for e in edges if e["relation"] == "enables")
    assert enables["note"] == 'self-attention "alone"' and enables["confidence"] == "0.9" and enables["inferred"] == "false"
    assert next(n for n in nodes if n["id"] == "constraint:architecture")["description"] == "What a model can express"


def test_unknown_format_lists_the_known_ones(engine):
    with database.session_scope(engine) as s, pytest.raises(InvalidInput) as info:
        export.export_bytes(s, "dot")
    assert "'dot'" in str(info.value) and "gexf" in str(info.value) and "turtle" in str(info.value)


# -- SPARQL ----------------------------------------------------------------------

ORIGINS = """
SELECT ?origin ?name WHERE {
  ?origin aip:enables+ <urn:aiprogress:node:technique:transformer> ; rdfs:label ?name .
} ORDER BY ?origin
"""


def test_sparql_select_sees_the_current_graph(small):
    with database.session_scope(small) as s:
        result = sparql.query(s, ORIGINS)
        assert result.kind == "SELECT" and result.variables == ["origin", "name"]
        assert [r["name"] for r in result.rows] == ["Attention"]
        payload = json.loads(result.to_json())
        assert payload["head"]["vars"] == ["origin", "name"]
        assert payload["results"]["bindings"][0]["name"]["value"] == "Attention"
    with database.session_scope(small) as s:
        service.upsert_node(s, "technique:rnn", provenance="t", name="RNN", category="architecture", year=1986)
        service.link(s, "technique:rnn", "enables", "technique:attention", provenance="t")
    with database.session_scope(small) as s:  # a committed write is seen by the next query
        assert [r["name"] for r in sparql.query(s, ORIGINS).rows] == ["RNN", "Attention"] or \
            sorted(r["name"] for r in sparql.query(s, ORIGINS).rows) == ["Attention", "RNN"]


def test_sparql_ask_construct_and_evidence(small):
    with database.session_scope(small) as s:
        assert sparql.query(s, "ASK { ?p a aip:Paper ; bibo:doi '10.5555/abc.1' }").boolean is True
        rows = sparql.query(s, """
            SELECT ?note ?conf WHERE { ?f rdf:subject ?a ; rdf:predicate aip:enables ; aip:note ?note ; aip:confidence ?conf }
        """).rows
        assert rows == [{"note": 'self-attention "alone"', "conf": 0.9}]
        constructed = sparql.query(s, "CONSTRUCT { ?a aip:enables ?b } WHERE { ?a aip:enables ?b }")
        assert len(constructed.triples) == 1


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
        ("DELETE WHERE { ?s ?p ?o }", "read-only"),
        ("SELEC ?x WHERE { ?x ?y ?z }", "not a valid SPARQL query"),
        ("   ", "empty"),
        # A federated query would make this process fetch a URL of the caller's choosing.
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("ASK { \\u0053ERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", "SERVICE"),
    ],
)
def test_sparql_refuses_updates_and_names_syntax_errors(small, text, fragment):
    with database.session_scope(small) as s, pytest.raises(InvalidInput, match=fragment):
        sparql.query(s, text)
    with database.session_scope(small) as s:
        assert service.stats(s)["total_nodes"] == 5


def test_sparql_reads_the_word_service_in_a_literal_as_a_word(small):
    with database.session_scope(small) as s:
        rows = sparql.query(s, 'SELECT ?name WHERE { ?n aip:category "architecture" ; rdfs:label ?name FILTER(?name != "service") }').rows
    assert rows == [{"name": "Transformer"}]


# -- copy between backends ---------------------------------------------------------


def test_copy_moves_every_row_and_refuses_a_full_target(small, tmp_path):
    from conftest import dump_rows

    target = f"sqlite:///{tmp_path / 'copy.db'}"
    counts = transfer.copy_graph(str(small.url.render_as_string(hide_password=False)), target)
    assert counts["node"] == 5 and counts["edge"] == 4 and counts["measurement"] == 1
    copy = database.open_engine(target)
    try:
        graph_tables = {t.name for t in TABLES}
        assert [t for t in dump_rows(copy) if t[0] in graph_tables] == [t for t in dump_rows(small) if t[0] in graph_tables]
        with database.session_scope(copy) as s:  # ids continue after the copied ones
            service.link(s, "paper:vaswani2017attention", "relaxes", "constraint:architecture", provenance="t")
    finally:
        copy.dispose()
    with pytest.raises(Conflict, match="already holds a graph"):
        transfer.copy_graph(str(small.url.render_as_string(hide_password=False)), target)


def test_copy_from_sqlite_into_postgres_and_back(small, pg_cluster, tmp_path):
    pg = pg_cluster.create_database()
    try:
        transfer.copy_graph(small.url.render_as_string(hide_password=False), pg)
        back = f"sqlite:///{tmp_path / 'back.db'}"
        transfer.copy_graph(pg, back)
        first, again = Graph(), Graph()
        with database.session_scope(small) as s:
            first = rdf.to_rdf(s)
        engine = database.open_engine(pg)
        with database.session_scope(engine) as s:
            service.link(s, "paper:vaswani2017attention", "relaxes", "constraint:architecture", provenance="t")  # sequences moved on
        engine.dispose()
        engine = database.open_engine(back)
        with database.session_scope(engine) as s:
            again = rdf.to_rdf(s)
        engine.dispose()
        assert isomorphic(first, again)
    finally:
        pg_cluster.drop_database(pg)


# -- CLI -------------------------------------------------------------------------


def test_cli_export_import_sparql(cli, builtin_db, tmp_path):
    out = tmp_path / "g.ttl"
    code, stdout, err = cli("export", "--format", "turtle", "--out", out, "--db", builtin_db)
    assert code == 0, err
    code, stdout, err = cli("import-rdf", out, "--db", tmp_path / "new.db", "--json")
    assert code == 0, err
    assert json.loads(stdout)["edges"] > 100
    code, stdout, err = cli("sparql", "SELECT ?n WHERE { <urn:aiprogress:node:technique:transformer> rdfs:label ?n }", "--db", tmp_path / "new.db", "--json")
    assert code == 0, err
    assert json.loads(stdout)["results"]["bindings"][0]["n"]["value"]
    code, stdout, err = cli("sparql", "DELETE WHERE { ?s ?p ?o }", "--db", tmp_path / "new.db")
    assert code == 3 and "read-only" in err
    code, stdout, err = cli("export", "--format", "gexf", "--db", builtin_db)
    assert code == 0 and nx.read_gexf(io.BytesIO(stdout.encode())).number_of_nodes() > 100


def test_the_readme_sparql_examples_answer_on_the_builtin_history(builtin_engine):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"```sparql\n(.*?)```", readme, re.S).group(1)
    queries = [q.strip() for q in re.split(r"\n\s*\n", block) if q.strip()]
    assert len(queries) == 3
    with database.session_scope(builtin_engine) as s:
        for text in queries:
            assert sparql.query(s, text).rows, text
