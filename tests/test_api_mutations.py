"""Mutations and the BibTeX upload through HTTP: what they write, and who may write."""

from __future__ import annotations

import pytest
from api_support import TOKEN, api, make_api  # noqa: F401  (api is a fixture)

CREATE = 'mutation($input: NodeInput!) { createNode(input: $input) { __typename id kind name year provenance ... on Technique { category } } }'
LINK = "mutation($input: LinkInput!) { link(input: $input) { id relation sourceId targetId provenance note year confidence direction } }"
BIB = "@article{newpaper2024, title={A Brand New Result on Zebrafinches}, author={Doe, Jane}, year={2024}, cites={vaswani2017attention}}\n"


def test_create_update_delete_a_node(api):
    created = api.data(CREATE, {"input": {"id": "technique:zebra-net", "name": "ZebraNet", "year": 2024, "category": "architecture", "provenance": "user:test"}}, token=TOKEN)["createNode"]
    assert created == {"__typename": "Technique", "id": "technique:zebra-net", "kind": "technique", "name": "ZebraNet", "year": 2024, "provenance": "user:test", "category": "architecture"}
    assert api.data('{ node(id: "technique:zebra-net") { name } }')["node"]["name"] == "ZebraNet"
    # The full-text index follows the write.
    assert api.data('{ search(text: "zebranet") { hits { node { id } } } }')["search"]["hits"][0]["node"]["id"] == "technique:zebra-net"

    updated = api.data('mutation { updateNode(id: "technique:zebra-net", changes: {description: "Stripes all the way down."}) { name description year } }', token=TOKEN)["updateNode"]
    assert updated == {"name": "ZebraNet", "description": "Stripes all the way down.", "year": 2024}
    assert api.data('{ search(text: "stripes") { totalCount } }')["search"]["totalCount"] == 1

    assert api.data('mutation { deleteNode(id: "technique:zebra-net") }', token=TOKEN) == {"deleteNode": "technique:zebra-net"}
    assert api.error('{ node(id: "technique:zebra-net") { id } }')["extensions"]["code"] == "not-found"
    assert api.data('{ search(text: "zebranet") { totalCount } }')["search"]["totalCount"] == 0


def test_create_errors_name_the_problem(api):
    taken = api.error(CREATE, {"input": {"id": "technique:transformer", "name": "Again", "category": "method"}}, token=TOKEN)
    assert taken["extensions"]["code"] == "conflict" and "technique:transformer" in taken["message"]
    bad_id = api.error(CREATE, {"input": {"id": "gadget:x", "name": "X"}}, token=TOKEN)
    assert bad_id["extensions"]["code"] == "invalid-input" and "unknown kind 'gadget'" in bad_id["message"]
    no_category = api.error(CREATE, {"input": {"id": "technique:x", "name": "X"}}, token=TOKEN)
    assert "category" in no_category["message"]
    missing = api.error('mutation { updateNode(id: "technique:nope", changes: {name: "N"}) { id } }', token=TOKEN)
    assert missing["extensions"]["code"] == "not-found"


def test_link_and_unlink_follow_the_relation_rules(api):
    edge = api.data(LINK, {"input": {"sourceId": "technique:transformer", "relation": "relaxes", "targetId": "constraint:energy", "provenance": "user:test", "note": "why", "year": 2017, "confidence": 0.4}}, token=TOKEN)["link"]
    assert edge["relation"] == "relaxes" and edge["provenance"] == "user:test" and edge["confidence"] == 0.4 and edge["direction"] is None
    seen = api.data('{ node(id: "constraint:energy") { edges(direction: IN, relation: relaxes) { id other { id } } } }')["node"]["edges"]
    assert {"id": edge["id"], "other": {"id": "technique:transformer"}} in seen

    forbidden = api.error(LINK, {"input": {"sourceId": "constraint:energy", "relation": "cites", "targetId": "paper:vaswani2017attention", "provenance": "user:test"}}, token=TOKEN)
    assert forbidden["extensions"]["code"] == "forbidden-relation"
    assert "constraint:energy (constraint) -cites-> paper:vaswani2017attention (paper) is not allowed" in forbidden["message"]
    no_provenance = api.error(LINK, {"input": {"sourceId": "technique:transformer", "relation": "enables", "targetId": "technique:bert", "provenance": " "}}, token=TOKEN)
    assert "provenance" in no_provenance["message"]
    unknown_end = api.error(LINK, {"input": {"sourceId": "technique:transformer", "relation": "enables", "targetId": "technique:nope", "provenance": "p"}}, token=TOKEN)
    assert unknown_end["extensions"]["code"] == "not-found" and "technique:nope" in unknown_end["message"]

    unlink = 'mutation { unlink(sourceId: "technique:transformer", relation: relaxes, targetId: "constraint:energy") }'
    assert api.data(unlink, token=TOKEN) == {"unlink": True}
    assert api.error(unlink, token=TOKEN)["extensions"]["code"] == "not-found"
    seen = api.data('{ node(id: "constraint:energy") { edges { id } } }')["node"]["edges"]
    assert edge["id"] not in {e["id"] for e in seen}


def test_ingest_bibtex_returns_the_report_and_writes_the_papers(api):
    report = api.data("mutation($t: String!) { ingestBibtex(text: $t, fileName: \"mine.bib\") { source entries new failed edgesAdded problems } }", {"t": BIB + "@misc{broken,\n"}, token=TOKEN)["ingestBibtex"]
    assert report["source"] == "mine.bib" and report["new"] == 1 and report["edgesAdded"] >= 1
    assert report["problems"] and report["problems"][0]["line"] == 2
    paper = api.data('{ node(id: "newpaper2024") { name edges(relation: cites) { targetId } } }')["node"]
    assert paper["name"].startswith("A Brand New Result") and paper["edges"] == [{"targetId": "paper:vaswani2017attention"}]


def test_ingest_bibtex_strict_writes_nothing_on_a_problem(api):
    error = api.error("mutation($t: String!) { ingestBibtex(text: $t, strict: true) { new } }", {"t": BIB + "@misc{broken,\n"}, token=TOKEN)
    assert error["extensions"]["code"] == "invalid-input" and error["extensions"].get("where")
    assert api.error('{ node(id: "newpaper2024") { id } }')["extensions"]["code"] == "not-found"


def test_upload_route_ingests_a_bib_file(api):
    response = api.client.post("/ingest/bibtex?source=upload.bib", content=BIB.encode(), headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-bibtex"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["new"] == 1 and report["source"] == "upload.bib"
    assert api.data('{ node(id: "newpaper2024") { year } }')["node"]["year"] == 2024
    again = api.client.post("/ingest/bibtex", content=BIB.encode(), headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert again["new"] == 0 and again["unchanged"] == 1
    latin1 = api.client.post("/ingest/bibtex", content="@misc{x, title={caf\xe9}}".encode("latin-1"), headers={"Authorization": f"Bearer {TOKEN}"})
    assert latin1.status_code == 400 and "not UTF-8" in latin1.json()["error"]["message"]


WRITES = [
    'mutation { createNode(input: {id: "field:ornithology", name: "Ornithology"}) { id } }',
    'mutation { deleteNode(id: "technique:transformer") }',
    'mutation { link(input: {sourceId: "technique:transformer", relation: enables, targetId: "technique:bert", provenance: "x"}) { id } }',
    'mutation { unlink(sourceId: "technique:transformer", relation: enables, targetId: "technique:bert") }',
    'mutation { updateNode(id: "technique:transformer", changes: {name: "X"}) { id } }',
    'mutation { ingestBibtex(text: "@misc{k, title={T}}") { new } }',
]


@pytest.mark.parametrize("mutation", WRITES)
def test_writes_need_the_right_bearer_token(api, mutation):
    for token, reason in ((None, "Authorization: Bearer"), ("wrong-token", "not the one")):
        error = api.error(mutation, token=token or "")
        assert error["extensions"]["code"] == "permission-denied" and reason in error["message"]
    # Nothing was written by the refused attempts.
    assert api.data('{ node(id: "technique:transformer") { name edges(relation: enables, direction: OUT) { targetId } } }')["node"]["name"] == "Transformer"
    assert api.error('{ node(id: "field:ornithology") { id } }')["extensions"]["code"] == "not-found"


def test_a_server_without_a_token_refuses_every_write_but_serves_reads(builtin_db):
    api = make_api(builtin_db, token="")
    for mutation in WRITES:
        error = api.error(mutation, token="anything")
        assert error["extensions"]["code"] == "permission-denied"
        assert "no token is configured" in error["message"] and "AIPROGRESS_TOKEN" in error["message"]
    upload = api.client.post("/ingest/bibtex", content=BIB.encode(), headers={"Authorization": "Bearer anything"})
    assert upload.status_code == 401 and "no token is configured" in upload.json()["error"]["message"]
    assert api.data('{ node(id: "transformer") { name } }')["node"]["name"] == "Transformer"


def test_upload_without_token_is_refused(api):
    response = api.client.post("/ingest/bibtex", content=BIB.encode())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "permission-denied"
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.error('{ node(id: "newpaper2024") { id } }')["extensions"]["code"] == "not-found"
