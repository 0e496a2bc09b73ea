"""HTTP: /export/{format} and the read-only SPARQL endpoint (SPARQL 1.1 protocol)."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from aiprogress.api.app import create_app
from aiprogress.graph import db as database
from aiprogress.graph import export
from aiprogress.ingest import datafiles

ORIGINS_OF_THE_TRANSFORMER = """
SELECT ?name WHERE {
  ?origin (aip:enables|^aip:inspired-by)+ <urn:aiprogress:node:technique:transformer> ; rdfs:label ?name .
}"""


@pytest.fixture
def client(engine):
    with database.session_scope(engine) as s:
        datafiles.load_builtin(s)
    with TestClient(create_app(engine=engine)) as c:
        yield c


@pytest.mark.parametrize("name", sorted(export.FORMATS))
def test_every_registered_format_is_served_with_its_media_type(client, name):
    fmt = export.FORMATS[name]
    response = client.get(f"/export/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == fmt.media_type
    assert f'filename="aiprogress.{fmt.extension}"' in response.headers["content-disposition"]
    assert len(response.content) > 1000


def test_export_route_gives_the_same_graph_as_the_cli(client):
    g = nx.read_gexf(io.BytesIO(client.get("/export/gexf").content))
    assert g.nodes["technique:transformer"]["kind"] == "technique"
    turtle = Graph().parse(data=client.get("/export/turtle").content, format="turtle")
    assert len(turtle) > 5000


def test_unknown_export_format_is_one_json_error(client):
    response = client.get("/export/dot")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid-input"
    assert "gexf" in response.json()["error"]["message"]


def test_sparql_get_and_both_posts_answer_results_json(client):
    answers = [
        client.get("/sparql", params={"query": ORIGINS_OF_THE_TRANSFORMER}),
        client.post("/sparql", data={"query": ORIGINS_OF_THE_TRANSFORMER}),
        client.post("/sparql", content=ORIGINS_OF_THE_TRANSFORMER, headers={"content-type": "application/sparql-query"}),
    ]
    names = []
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        names.append(sorted(b["name"]["value"] for b in response.json()["results"]["bindings"]))
    assert names[0] == names[1] == names[2]
    assert any("ttention" in n for n in names[0])


def test_sparql_construct_answers_turtle(client):
    response = client.get("/sparql", params={"query": "CONSTRUCT { ?a aip:enables ?b } WHERE { ?a aip:enables ?b }"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.text, format="turtle")) > 10


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get("/sparql", params={"update": "DELETE WHERE { ?s ?p ?o }"}),
        lambda c: c.post("/sparql", data={"update": "DELETE WHERE { ?s ?p ?o }"}),
        lambda c: c.post("/sparql", content="DELETE WHERE { ?s ?p ?o }", headers={"content-type": "application/sparql-update"}),
        lambda c: c.post("/sparql", content="DELETE WHERE { ?s ?p ?o }", headers={"content-type": "application/sparql-query"}),
    ],
)
def test_sparql_updates_are_refused(client, call):
    response = call(client)
    assert response.status_code == 400
    assert "read-only" in response.json()["error"]["message"]
    assert client.get("/sparql", params={"query": "ASK { ?s a aip:Technique }"}).json()["boolean"] is True


def test_sparql_errors(client):
    assert client.get("/sparql").status_code == 400
    bad = client.get("/sparql", params={"query": "SELECT WHERE"})
    assert bad.status_code == 400 and "not a valid SPARQL query" in bad.json()["error"]["message"]
