"""The graph queries through GraphQL agree with graph/queries and carry their supporting edges."""

from __future__ import annotations

from api_support import TOKEN, api  # noqa: F401  (api is a fixture)

from aiprogress.graph import db as database
from aiprogress.graph import network, queries, service
from aiprogress.graph.queries import topics


def direct(engine, fn):
    with database.session_scope(engine) as session:
        return fn(network.snapshot(session))


def test_origins_of_the_transformer(api, builtin_engine):
    data = api.data('{ origins(id: "transformer", limit: 500) { root { id } count fields reached { distance node { id } via { sourceId relation targetId note provenance } chain { sourceId targetId } } supportingEdges { sourceId relation targetId } } }')["origins"]
    expected = direct(builtin_engine, lambda g: queries.origins(g, "technique:transformer"))
    assert data["root"]["id"] == "technique:transformer" and data["count"] == expected.count
    assert [r["node"]["id"] for r in data["reached"]] == expected.ids()
    assert "paper:vaswani2017attention" in expected.ids() and "technique:lstm" in expected.ids()
    distances = [r["distance"] for r in data["reached"]]
    assert distances == sorted(distances)
    for r in data["reached"]:
        assert r["via"]["provenance"] and r["node"]["id"] in (r["via"]["sourceId"], r["via"]["targetId"])
        assert len(r["chain"]) == r["distance"]
    assert len(data["supportingEdges"]) == len(data["reached"])
    assert {f["id"] for f in data["fields"]} == {f["id"] for f in expected.fields}


def test_impact_and_depth_and_limit(api, builtin_engine):
    data = api.data('{ impact(id: "technique:backpropagation", depth: 1, limit: 2) { count blocked reached { distance } supportingEdges { id } } }')["impact"]
    expected = direct(builtin_engine, lambda g: queries.impact(g, "technique:backpropagation", depth=1))
    assert data["count"] == expected.count and data["blocked"] == expected.blocked
    assert len(data["reached"]) == min(2, expected.count) and all(r["distance"] == 1 for r in data["reached"])


def test_path_and_no_path(api):
    data = api.data('{ path(source: "backpropagation", target: "transformer") { length nodes { id } supportingEdges { sourceId targetId note } } }')["path"]
    nodes = [n["id"] for n in data["nodes"]]
    assert nodes[0] == "technique:backpropagation" and nodes[-1] == "technique:transformer"
    assert data["length"] == len(data["supportingEdges"]) == len(nodes) - 1
    for step, (a, b) in zip(data["supportingEdges"], zip(nodes, nodes[1:])):
        assert {step["sourceId"], step["targetId"]} == {a, b} and step["note"]
    error = api.error('{ path(source: "transformer", target: "backpropagation") { length } }')
    assert error["extensions"]["code"] == "no-path"


def test_constraint_timeline(api, builtin_engine):
    data = api.data('{ constraintTimeline(constraint: "compute") { constraint { id } entries { year node { id } evidence { relation targetId } } supportingEdges { id } } }')["constraintTimeline"]
    expected = direct(builtin_engine, lambda g: queries.constraint_timeline(g, "constraint:compute"))
    assert data["constraint"]["id"] == "constraint:compute"
    assert [e["node"]["id"] for e in data["entries"]] == [b.id for b in expected.entries]
    assert all(e["evidence"] == {"relation": "relaxes", "targetId": "constraint:compute"} for e in data["entries"])
    assert len(data["supportingEdges"]) == len(data["entries"]) > 0
    assert api.error('{ constraintTimeline(constraint: "nope") { entries { year } } }')["extensions"]["code"] == "not-found"


def test_narrative_shifts(api, builtin_engine):
    data = api.data('{ narrativeShifts { bucketYears periods { start end focus mostRelaxed narratives } narratives { year narrative { id } triggers { id } focus { id } } focusChanges { year narrative from to } supportingEdges { sourceId relation targetId } } }')["narrativeShifts"]
    expected = direct(builtin_engine, lambda g: queries.narrative_shifts(g))
    assert [n["narrative"]["id"] for n in data["narratives"]] == [n["id"] for n in expected.narratives]
    assert len(data["periods"]) == len(expected.periods) and len(data["focusChanges"]) == len(expected.focus_changes)
    triggers = {(t["id"], n["narrative"]["id"]) for n in data["narratives"] for t in n["triggers"]}
    focus = {(n["narrative"]["id"], f["id"]) for n in data["narratives"] for f in n["focus"]}
    assert focus == {(n["id"], f["id"]) for n in expected.narratives for f in n["focus"]} and focus
    assert triggers and {(e["sourceId"], e["targetId"]) for e in data["supportingEdges"] if e["relation"] == "triggered"} == triggers
    assert {(e["sourceId"], e["targetId"]) for e in data["supportingEdges"] if e["relation"] == "focuses_on"} == focus
    assert [p["focus"] for p in data["periods"]] == [p["focus"] for p in expected.periods]
    assert [p["mostRelaxed"] for p in data["periods"]] == [p["most_relaxed"] for p in expected.periods]


def test_topic_shifts_frontier_gaps(api, builtin_engine):
    shifts = api.data("{ topicShifts(minPapers: 1, minCount: 1, threshold: 1.0, limit: 5) { topic year direction z } }")["topicShifts"]
    expected = direct(builtin_engine, lambda g: queries.topic_shifts(topics.corpus(g), min_papers=1, min_count=1, threshold=1.0, limit=5))
    assert [(s["topic"], s["year"]) for s in shifts] == [(s.topic, s.year) for s in expected]
    frontier = api.data("{ frontier { id kind status statusYear statusSource latest supportingEdges { sourceId relation targetId } } }")["frontier"]
    with database.session_scope(builtin_engine) as session:
        expected = queries.frontier(network.snapshot(session), service.constraint_statuses(session))
    assert [(c["id"], c["status"], c["statusYear"]) for c in frontier] == [(c.id, c.status, c.status_year) for c in expected]
    assert {c["id"]: c["status"] for c in frontier}["constraint:optimization-regularization"] == "solved"
    for c in frontier:
        assert {e["sourceId"] for e in c["supportingEdges"]} == set(c["latest"])
        assert all(e["relation"] == "relaxes" and e["targetId"] == c["id"] for e in c["supportingEdges"])
    problems = api.data("{ openProblems { problems { node { id } namedBy { id } linked { id } supportingEdges { relation } } themes { node { id } linked { id } } } }")["openProblems"]
    bears_on = {p["node"]["id"]: {c["id"] for c in p["linked"]} for p in problems["problems"]}
    assert bears_on["problem:privacy"] == {"constraint:data"} and "constraint:energy" in bears_on["problem:expensive-models"]
    assert all(p["namedBy"] == [{"id": "proposal:return-to-first-principles"}] for p in problems["problems"])
    assert {"technique:clip", "technique:dall-e"} <= {e["id"] for t in problems["themes"] if t["node"]["id"] == "theme:multi-modality" for e in t["linked"]}
    gaps = api.data("{ gaps { counts narrativesWithoutTrigger } }")["gaps"]
    assert gaps["counts"]["narratives_without_trigger"] == len(gaps["narrativesWithoutTrigger"])


def test_queries_see_a_write_at_once(api):
    api.data('mutation { link(input: {sourceId: "technique:transformer", relation: relaxes, targetId: "constraint:energy", provenance: "user:test", year: 2017}) { id } }', token=TOKEN)
    entries = api.data('{ constraintTimeline(constraint: "constraint:energy") { entries { node { id } } } }')["constraintTimeline"]["entries"]
    assert {"node": {"id": "technique:transformer"}} in entries


def test_topic_shifts_of_one_source(api):
    builtin = api.data('{ topicShifts(source: "builtin:papers.bib", minPapers: 1, minCount: 1, threshold: 1.0, limit: 5) { topic } }')["topicShifts"]
    assert builtin  # the 48 built-in papers are a corpus of their own
    error = api.error('{ topicShifts(source: "nowhere.bib") { topic } }')
    assert error["extensions"]["code"] == "not-found" and "nowhere.bib" in error["message"]
