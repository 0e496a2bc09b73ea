"""The relation table (graph/relations.py): every consumer derives from it,
and a relation is typed the same way on every way in."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import TOKEN, api  # noqa: F401  (api is a fixture)
from rdflib import Graph, Literal, URIRef

from aiprogress.api.page import drawing
from aiprogress.api.schema import schema_text
from aiprogress.graph import db as database
from aiprogress.graph import models, rdf, service
from aiprogress.graph.errors import InvalidInput
from aiprogress.graph.relations import KINDS, RELATIONS, relation_name
from aiprogress.ingest import bibtex, datafiles, load

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# Derived from the table
# --------------------------------------------------------------------------

# Run in a fresh interpreter: a relation and a kind are added to the tables
# before anything else reads them, then each consumer is asked about them.
_EXTENDED = r'''
import json
from aiprogress.graph import relations as r

r.RELATIONS["sparks"] = r.RelationSpec(
    "sparks", frozenset({"paper"}), frozenset({"narrative"}), "paper -> the narrative it sparked", "sparked by",
    r.TARGET, True, ("sparks", "sparked-off"), r.EdgeStyle("#123456", (1, 2), 0.5),
)
r.KINDS["venue"] = r.KindSpec("venue", "Venue", "Place of publication", "triangle", "#654321", 9.0, scheme="venues")

from sqlmodel import SQLModel, Session, create_engine
from aiprogress.graph import models, network, rdf, service
from aiprogress.api.page import drawing
from aiprogress.api.schema import schema_text
from aiprogress.ingest import bibtex, load

engine = create_engine("sqlite://")
SQLModel.metadata.create_all(engine, tables=list(models.TABLES))
with Session(engine) as s:
    service.upsert_node(s, "narrative:hype", provenance="t", name="Hype")
    service.upsert_node(s, "venue:neurips", provenance="t", name="NeurIPS")
    report = load.ingest_text(s, "@article{p, title={P}, year=2020, Sparked_Off={narrative:hype}}", strict=True)
    s.commit()
    triples = {(t.predicate.value, t.object.value) for t in rdf.statements(s)}
    stored = [(e.source_id, e.relation, e.target_id) for e in service.node_edges(s, "paper:p")]

sdl = schema_text()
print(json.dumps({
    "enum": models.Relation("sparks").name, "kind_enum": models.NodeKind("venue").name,
    "stored": stored, "edges_added": report.edges_added,
    "rdf_relation": ("urn:aiprogress:ns:sparks", "urn:aiprogress:node:narrative:hype") in triples,
    "rdf_class": ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "urn:aiprogress:ns:Venue") in triples,
    "rdf_scheme": ("http://www.w3.org/2004/02/skos/core#inScheme", "urn:aiprogress:scheme:venues") in triples,
    "style": drawing.RELATION_STYLE["sparks"], "kind_style": drawing.KIND_STYLE["venue"],
    "legend": [x for x in drawing.legend()["relations"] if x["relation"] == "sparks"],
    "bibtex_fields": sorted(f for f, rel in load.RELATION_FIELDS.items() if rel == "sparks"),
    "list_field": "sparked_off" in bibtex.LIST_FIELDS and "sparked-off" in bibtex.VERBATIM_FIELDS,
    "origin_is_target": "sparks" in network.ORIGIN_IS_TARGET, "lineage": "sparks" in network.LINEAGE_RELATIONS,
    "graphql_relation": "  sparks\n" in sdl.split("enum Relation {")[1].split("}")[0] + "\n",
    "graphql_kind": "  venue\n" in sdl.split("enum NodeKind {")[1].split("}")[0] + "\n",
}))
'''


def test_a_relation_and_a_kind_added_to_the_tables_reach_every_consumer():
    done = subprocess.run([sys.executable, "-c", _EXTENDED], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["enum"] == "sparks" and seen["kind_enum"] == "venue"
    # BibTeX field (another spelling, any case) -> the store's CHECK constraint -> RDF.
    assert seen["stored"] == [["paper:p", "sparks", "narrative:hype"]] and seen["edges_added"] == 1
    assert seen["rdf_relation"] and seen["rdf_class"] and seen["rdf_scheme"]
    assert seen["style"] == {"color": "#123456", "dashes": [1, 2], "width": 0.5}
    assert seen["kind_style"]["shape"] == "triangle" and seen["kind_style"]["label"] == "Place of publication"
    assert seen["legend"] and seen["legend"][0]["direction"] == "paper -> the narrative it sparked"
    assert seen["legend"][0]["inverse"] == "sparked by"
    assert seen["bibtex_fields"] == ["sparked-off", "sparked_off", "sparks"] and seen["list_field"]
    assert seen["origin_is_target"] and seen["lineage"]
    assert seen["graphql_relation"] and seen["graphql_kind"]


def test_the_store_and_the_graphql_enums_hold_the_tables_names():
    checks = {c.name: str(c.sqltext) for t in models.TABLES for c in t.constraints if c.name and c.name.startswith("ck_")}
    assert re.findall(r"'([^']+)'", checks["ck_edge_relation"]) == list(RELATIONS)
    assert re.findall(r"'([^']+)'", checks["ck_node_kind"]) == list(KINDS)
    sdl = schema_text()
    enum = sdl.split("enum Relation {")[1].split("}")[0].split()
    assert enum == [r.identifier for r in RELATIONS.values()]
    assert sdl.split("enum NodeKind {")[1].split("}")[0].split() == list(KINDS)


def test_the_page_draws_and_explains_each_relation_and_kind_as_declared():
    legend = drawing.legend()
    assert [r["relation"] for r in legend["relations"]] == list(RELATIONS)
    for entry in legend["relations"]:
        spec = RELATIONS[entry["relation"]]
        assert (entry["color"], entry["width"], entry["direction"], entry["inverse"]) == (spec.style.color, spec.style.width, spec.direction, spec.inverse)
    assert {k["kind"] for k in legend["kinds"]} == set(KINDS) - {"constraint"}  # constraints are drawn by binding
    for kind, spec in KINDS.items():
        assert drawing.vis_node({"id": f"{kind}:x", "kind": kind, "name": "X"})["shape"] == spec.shape


def test_the_readme_relation_table_is_the_relation_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in RELATIONS:
            rows[cells[0]] = cells[1:]
    assert set(rows) == set(RELATIONS)
    for name, (direction, kinds) in rows.items():
        spec = RELATIONS[name]
        assert direction == spec.direction.replace("->", "→"), name
        sources, targets = (set(part.strip() for part in side.split(",")) for side in kinds.split("→"))
        assert (sources, targets) == (set(spec.sources), set(spec.targets)), name
    # Every BibTeX field that states a relation is named where the README lists them.
    for field in {f for spec in RELATIONS.values() for f in spec.bibtex_fields}:
        assert f"`{field}`" in readme, field


# --------------------------------------------------------------------------
# One spelling printed, any spelling read
# --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["inspired-by", "inspired_by", "Inspired_By", " INSPIRED-BY "])
def test_a_relation_in_any_spelling_is_the_stored_one(typed):
    assert relation_name(typed) == "inspired-by"


def test_an_unknown_relation_names_the_known_ones():
    with pytest.raises(InvalidInput, match="inspired-by"):
        relation_name("inspired by")


def _two_techniques(session) -> None:
    service.upsert_node(session, "technique:a", provenance="t", name="A", category="method")
    service.upsert_node(session, "technique:b", provenance="t", name="B", category="method")


def test_the_service_and_data_files_take_either_spelling(sqlite_engine, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "nodes.toml").write_text(
        '[[technique]]\nid = "technique:a"\nname = "A"\ncategory = "method"\n'
        '[[technique]]\nid = "technique:b"\nname = "B"\ncategory = "method"\n'
        '[[technique]]\nid = "technique:c"\nname = "C"\ncategory = "method"\n'
        '[[edge]]\nsource = "technique:b"\nrelation = "Inspired_By"\ntarget = "technique:a"\nnote = "n"\n'
    )
    with database.session_scope(sqlite_engine) as s:
        datafiles.load_data(s, data)
        service.link(s, "technique:c", "INSPIRED-BY", "technique:a", provenance="t")
        service.unlink(s, "technique:c", "inspired_by", "technique:a")
        edges = [(e.relation, e.other_id) for e in service.node_edges(s, "technique:b", relation="Inspired_By")]
    assert edges == [("inspired-by", "technique:a")]


@pytest.mark.parametrize("field", ["inspired-by", "inspired_by", "Inspired_By"])
def test_bibtex_relation_fields_take_either_spelling(sqlite_engine, field):
    with database.session_scope(sqlite_engine) as s:
        _two_techniques(s)
        report = load.ingest_text(s, f"@article{{p, title={{P}}, year=2020, {field}={{technique:a}}}}")
        assert report.edges_added == 1 and not report.errors
        assert [(e.relation, e.other_id) for e in service.node_edges(s, "paper:p")] == [("inspired-by", "technique:a")]
        # The relation field names nodes: kept as written, not LaTeX-decoded nor left in Paper.extra.
        assert field.lower() in bibtex.VERBATIM_FIELDS
        assert s.get(models.Paper, "paper:p").extra == {}


@pytest.mark.parametrize("local", ["inspired-by", "inspired_by", "Inspired-By"])
def test_rdf_import_takes_either_spelling_and_exports_one(sqlite_engine, local):
    graph = Graph()
    for node_id in ("technique:a", "technique:b"):
        node = rdf.node_iri(node_id)
        graph.add((node, rdf.RDF.type, rdf.AIP.Technique))
        graph.add((node, rdf.RDFS.label, Literal(node_id)))
        graph.add((node, rdf.AIP.category, Literal("method")))
    fact = URIRef("urn:aiprogress:fact:x")
    graph.add((fact, rdf.RDF.type, rdf.AIP.Fact))
    graph.add((fact, rdf.RDF.subject, rdf.node_iri("technique:b")))
    graph.add((fact, rdf.RDF.predicate, URIRef(str(rdf.AIP) + local)))
    graph.add((fact, rdf.RDF.object, rdf.node_iri("technique:a")))
    with database.session_scope(sqlite_engine) as s:
        assert rdf.from_rdf(s, graph)["edges"] == 1
    with database.session_scope(sqlite_engine) as s:
        exported = rdf.to_rdf(s)
    assert (rdf.node_iri("technique:b"), rdf.AIP["inspired-by"], rdf.node_iri("technique:a")) in exported


def test_the_cli_takes_either_spelling_and_prints_the_hyphen(cli, builtin_db, tmp_path):
    outputs = []
    for typed in ("inspired-by", "inspired_by", "Inspired_By"):
        code, out, err = cli("origins", "technique:lstm", "--relation", typed, "--db", builtin_db, "--json")
        assert code == 0, err
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0]["relations"] == ["inspired-by"] and outputs[0]["reached"]
    code, _, err = cli("render", "--relation", "INSPIRED_BY", "--out", tmp_path / "page.html", "--db", builtin_db)
    assert code == 0, err
    code, _, err = cli("origins", "technique:lstm", "--relation", "inspired by", "--db", builtin_db)
    assert code != 0 and "inspired-by" in err


_ORIGINS = "query($r: [Relation!]) { origins(id: \"technique:lstm\", relations: $r) { relations count } }"


def test_graphql_takes_either_spelling_and_prints_its_enum_name(api):  # noqa: F811
    by_literal = api.data('{ origins(id: "technique:lstm", relations: [INSPIRED_BY]) { relations count } }')
    assert by_literal["origins"]["relations"] == ["inspired-by"] and by_literal["origins"]["count"] > 0
    for typed in ("inspired_by", "inspired-by", "Inspired-By"):
        assert api.data(_ORIGINS, {"r": [typed]}) == by_literal
    error = api.error(_ORIGINS, {"r": ["inspired by"]})
    assert "inspired by" in error["message"]
    linked = api.data(
        'mutation($r: Relation!) { link(input: {sourceId: "technique:lstm", relation: $r, targetId: "technique:attention", provenance: "user:t"}) { relation } }',
        {"r": "Inspired-By"}, token=TOKEN,
    )
    # GraphQL enum values cannot hold a hyphen: the one place the underscore is printed.
    assert linked["link"]["relation"] == "inspired_by"


# --------------------------------------------------------------------------
# One edge shape; one column -> predicate table for RDF both ways
# --------------------------------------------------------------------------


def test_every_way_of_reading_edges_hands_out_the_one_record(builtin_engine):
    from aiprogress.api.loaders import EdgeRecord, Loaders
    from aiprogress.graph.network import snapshot

    fields = [f for f in models.EdgeFact.__dataclass_fields__]
    assert fields == [*models.Edge.model_fields, "direction", "other"]
    with database.session_scope(builtin_engine) as s:
        detail = service.node_edges(s, "technique:transformer")
        g = snapshot(s)
        facts = g.facts(g.incident(g.node_index("technique:transformer")))
        loaded = Loaders(lambda: s).edges.load(["technique:transformer"])[0]
    assert EdgeRecord is models.EdgeFact
    for records in (detail, facts, loaded):
        assert records and all(type(r) is models.EdgeFact for r in records)
    key = lambda r: (r.source_id, r.relation, r.target_id, r.note, r.provenance)  # noqa: E731
    assert sorted(map(key, detail)) == sorted(map(key, facts)) == sorted(map(key, loaded))


def test_rdf_export_and_import_read_one_table_covering_every_column():
    left_out = {
        models.Node: {"kind"},  # the node's class
        models.Paper: {"node_id", "title_key", "year"},  # the subject; copies of the node's title and year
        models.Alias: set(),
        models.Edge: {"id", "source_id", "relation", "target_id"},  # the statement's subject, predicate, object
        models.Measurement: {"id"},
        models.StatusRecord: {"id"},
    }
    tables = {
        models.Node: rdf.NODE_PREDICATES, models.Paper: rdf.PAPER_PREDICATES, models.Alias: rdf.ALIAS_PREDICATES,
        models.Edge: rdf.FACT_PREDICATES, models.Measurement: rdf.MEASUREMENT_PREDICATES,
        models.StatusRecord: rdf.STATUS_PREDICATES,
    }
    for model, table in tables.items():
        assert set(model.model_fields) - set(table) == left_out[model], model.__name__
        assert set(table) <= set(model.model_fields), model.__name__


def test_the_page_api_takes_either_spelling(api):  # noqa: F811
    drawn = {}
    for typed in ("inspired-by", "Inspired_By"):
        response = api.client.get("/api/view", params={"relations": typed})
        assert response.status_code == 200, response.text
        drawn[typed] = sorted(e["id"] for e in response.json()["edges"])
    assert drawn["inspired-by"] and drawn["inspired-by"] == drawn["Inspired_By"]
    assert all(e.split("|")[1] == "inspired-by" for e in drawn["inspired-by"])
