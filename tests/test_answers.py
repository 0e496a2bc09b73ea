"""The query service (graph/answers.py): every question asked through the
CLI, GraphQL and the page gives the same answer for the same ids, however
a node is named (id, alias, citation key, constraint slug), and as of a year."""

from __future__ import annotations

import json

import pytest
from api_support import api  # noqa: F401  (api is a fixture)

from aiprogress.graph import answers
from aiprogress.graph import db as database
from aiprogress.graph import service
from aiprogress.graph.errors import InvalidInput, NotFound
from aiprogress.graph.network import Snapshot
from aiprogress.graph.queries import frontier as pure_frontier


def ask_cli(cli, db, *args) -> dict | list:
    code, out, err = cli(*args, "--db", db, "--json")
    assert code == 0, err
    return json.loads(out)


def as_of_args(as_of: int | None) -> tuple[list[str], str]:
    """The as-of year as CLI flags and as a GraphQL argument."""
    return (["--as-of", str(as_of)], f", asOf: {as_of}") if as_of is not None else ([], "")


NAMES = {
    "technique:transformer": ["technique:transformer", "transformer", "Transformer"],
    "paper:krizhevsky2012imagenet": ["paper:krizhevsky2012imagenet", "krizhevsky2012imagenet"],
    "technique:attention": ["technique:attention", "attention"],
}


@pytest.mark.parametrize("as_of", [None, 2017])
@pytest.mark.parametrize("direction", ["origins", "impact"])
@pytest.mark.parametrize("node_id", list(NAMES))
def test_lineage_is_the_same_through_every_entry_point(api, cli, builtin_db, node_id, direction, as_of):
    flags, arg = as_of_args(as_of)
    answers_seen = []
    for ref in NAMES[node_id]:
        by_cli = [r["id"] for r in ask_cli(cli, builtin_db, direction, ref, *flags)["reached"]]
        by_graphql = [r["node"]["id"] for r in api.data(f'{{ {direction}(id: "{ref}", limit: 500{arg}) {{ reached {{ node {{ id }} }} }} }}')[direction]["reached"]]
        params = {"mode": direction, **({"as_of": as_of} if as_of is not None else {})}
        page = api.client.get(f"/api/focus/{ref}", params=params)
        assert page.status_code == 200, page.text
        by_page = page.json()["nodes"]
        assert by_page[0] == node_id
        assert by_cli == by_graphql == by_page[1:]
        drawn = api.client.get("/api/view", params={"focus": ref, **params}).json()
        assert {n["id"] for n in drawn["nodes"]} == set(by_page)
        answers_seen.append(by_cli)
    assert all(seen == answers_seen[0] for seen in answers_seen)
    if as_of is None and (direction, node_id) != ("origins", "paper:krizhevsky2012imagenet"):  # a paper's origins are its citations, not followed by default
        assert answers_seen[0], "a walk from a well-linked node reaches something"


def test_path_is_the_same_through_cli_and_graphql(api, cli, builtin_db):
    for source, target in (("backpropagation", "vaswani2017attention"), ("technique:backpropagation", "paper:vaswani2017attention")):
        by_cli = ask_cli(cli, builtin_db, "path", source, target, "--undirected")["nodes"]
        by_graphql = [n["id"] for n in api.data(f'{{ path(source: "{source}", target: "{target}", directed: false) {{ nodes {{ id }} }} }}')["path"]["nodes"]]
        assert by_cli == by_graphql
        assert by_cli[0] == "technique:backpropagation" and by_cli[-1] == "paper:vaswani2017attention"


@pytest.mark.parametrize("as_of", [None, 2012])
def test_timeline_is_the_same_for_every_name_of_a_constraint(api, cli, builtin_db, as_of):
    flags, arg = as_of_args(as_of)
    seen = []
    # the id, the slug, and an alias ("training compute" names constraint:compute)
    for ref in ("constraint:compute", "compute", "training compute"):
        by_cli = [(e["id"], e["year"]) for e in ask_cli(cli, builtin_db, "timeline", ref, *flags)["entries"]]
        data = api.data(f'{{ constraintTimeline(constraint: "{ref}"{arg}) {{ constraint {{ id }} entries {{ year node {{ id }} }} }} }}')["constraintTimeline"]
        assert data["constraint"]["id"] == "constraint:compute"
        assert by_cli == [(e["node"]["id"], e["year"]) for e in data["entries"]]
        seen.append(by_cli)
    assert seen[0] == seen[1] == seen[2] and seen[0]
    if as_of is not None:
        assert all(year <= as_of for _, year in seen[0])


@pytest.mark.parametrize("as_of", [None, 2015])
def test_narratives_frontier_gaps_topics_search_agree(api, cli, builtin_db, as_of):
    flags, arg = as_of_args(as_of)
    by_cli = ask_cli(cli, builtin_db, "narratives", *flags)
    by_graphql = api.data(f"{{ narrativeShifts(bucketYears: 5{arg}) {{ periods {{ start focus }} narratives {{ year narrative {{ id }} triggers {{ id }} }} }} }}")["narrativeShifts"]
    page = api.client.get("/api/timeline", params={"as_of": as_of} if as_of is not None else {}).json()
    assert [n["id"] for n in by_cli["narratives"]] == [n["narrative"]["id"] for n in by_graphql["narratives"]] == [n["id"] for n in page["narratives"]]
    assert [[t["id"] for t in n["triggers"]] for n in by_cli["narratives"]] == [[t["id"] for t in n["triggers"]] for n in by_graphql["narratives"]] == [n["triggers"] for n in page["narratives"]]
    assert [(p["start"], p["focus"]) for p in by_cli["periods"]] == [(p["start"], p["focus"]) for p in by_graphql["periods"]]

    cli_frontier = ask_cli(cli, builtin_db, "frontier", "--now", "2025", *flags)
    gql_frontier = api.data(f"{{ frontier(now: 2025{arg}) {{ id latest latestYear lastDecade }} }}")["frontier"]
    assert [(c["id"], c["latest"], c["latest_year"], c["last_decade"]) for c in cli_frontier] == [(c["id"], c["latest"], c["latestYear"], c["lastDecade"]) for c in gql_frontier]

    cli_gaps = ask_cli(cli, builtin_db, "gaps", *flags)
    assert cli_gaps["counts"] == api.data(f"{{ gaps(limit: 500{arg}) {{ counts }} }}")["gaps"]["counts"]

    cli_topics = ask_cli(cli, builtin_db, "topics", "--min-papers", "1", "--min-count", "1", "--threshold", "1", *flags)
    gql_topics = api.data(f"{{ topicShifts(minPapers: 1, minCount: 1, threshold: 1.0{arg}) {{ topic year direction }} }}")["topicShifts"]
    assert [(s["topic"], s["year"], s["direction"]) for s in cli_topics["shifts"]] == [(s["topic"], s["year"], s["direction"]) for s in gql_topics]

    cli_search = [h["id"] for h in ask_cli(cli, builtin_db, "search", "attention", *flags)["hits"]]
    gql_search = [h["node"]["id"] for h in api.data(f'{{ search(text: "attention"{arg}) {{ hits {{ node {{ id }} }} }} }}')["search"]["hits"]]
    assert cli_search == gql_search and cli_search
    if as_of is not None:
        assert "paper:vaswani2017attention" not in cli_search


def test_as_of_hides_later_nodes_and_later_facts(builtin_engine):
    with database.session_scope(builtin_engine) as session:
        # A fact dated after both its ends: present in 2018, absent in 2016.
        service.link(session, "technique:lstm", "relaxes", "constraint:energy", provenance="user:test", year=2018)
    with database.session_scope(builtin_engine) as session:
        now = answers.graph_at(session)
        then = answers.graph_at(session, 2016)
        assert "paper:vaswani2017attention" in now.index and "paper:vaswani2017attention" not in then.index
        assert all(y is None or y <= 2016 for y in then.years)
        assert "constraint:energy" in then.index and "field:neuroscience" in then.index  # undated: always there
        assert [b.id for b in answers.timeline(session, "energy", as_of=2018).entries] == ["technique:lstm"]
        assert answers.timeline(session, "energy", as_of=2016).entries == []
        assert answers.graph_at(session, 2016).src is then.src  # kept per store revision and year (bound to each session)
        with pytest.raises(NotFound, match="2017"):
            answers.origins(session, "transformer", as_of=2016)
        with pytest.raises(InvalidInput):
            answers.frontier(session, as_of=True)


def test_frontier_moves_between_2012_and_2020(builtin_engine):
    with database.session_scope(builtin_engine) as session:
        early = {s.id: s for s in answers.frontier(session, as_of=2012)}
        late = {s.id: s for s in answers.frontier(session, as_of=2020)}
    assert all(s.latest_year is None or s.latest_year <= 2012 for s in early.values())
    assert all(s.latest_year is None or s.latest_year <= 2020 for s in late.values())
    assert [s.latest_year for s in early.values()] != [late[c].latest_year for c in early]


def test_pure_frontier_as_of_ignores_later_breakthroughs():
    g = Snapshot.from_records(
        [{"id": "constraint:compute", "binding": "hard"}, {"id": "technique:gpu", "year": 2007}, {"id": "technique:tpu", "year": 2016}],
        [{"source_id": "technique:gpu", "relation": "relaxes", "target_id": "constraint:compute"},
         {"source_id": "technique:tpu", "relation": "relaxes", "target_id": "constraint:compute"}],
    )
    (now,) = pure_frontier(g, [], now=2025)
    (then,) = pure_frontier(g, [], as_of=2010)
    assert (now.latest_year, now.latest, now.breakthroughs) == (2016, ["technique:tpu"], 2)
    assert (then.latest_year, then.latest, then.breakthroughs, then.last_decade) == (2007, ["technique:gpu"], 1, 1)


def test_arguments_are_checked_once_with_the_same_error_everywhere(api, cli, builtin_db):
    code, _, err = cli("origins", "transformer", "--depth", "-1", "--db", builtin_db)
    assert code != 0 and "depth must be 0 or more" in err
    error = api.error('{ origins(id: "transformer", depth: -1) { count } }')
    assert error["extensions"]["code"] == "invalid-input" and "depth must be 0 or more" in error["message"]
    code, _, err = cli("origins", "transformer", "--relation", "rhymes-with", "--db", builtin_db)
    assert code != 0 and "rhymes-with" in err
    assert api.client.get("/api/focus/transformer", params={"mode": "sideways"}).status_code == 400


def test_render_and_the_page_view_as_of_a_year(api, cli, builtin_db, tmp_path):
    import re

    out = tmp_path / "2012.html"
    code, _, err = cli("render", "--out", out, "--as-of", "2012", "--db", builtin_db)
    assert code == 0, err
    bundle = json.loads(re.search(r'<script type="application/json" id="aiprogress-data">(.*?)</script>', out.read_text()).group(1))
    years = [n["year"] for n in bundle["view"]["nodes"] if n.get("year") is not None]
    assert years and max(years) == 2012
    assert max(n["year"] for n in bundle["timeline"]["narratives"] if n["year"] is not None) <= 2012
    drawn = api.client.get("/api/view", params={"as_of": 2012, "constraint": "compute"}).json()  # a slug names the constraint too
    assert {n["id"] for n in drawn["nodes"]} <= {n["id"] for n in bundle["view"]["nodes"]}
    assert "constraint:compute" in {n["id"] for n in drawn["nodes"]}


def test_the_page_focus_reads_no_evidence(builtin_engine):
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(builtin_engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement))
    with database.session_scope(builtin_engine) as session:
        ids = answers.focus(session, "backpropagation", "impact")
    assert len(ids) > 20 and ids[0] == "technique:backpropagation"
    assert statements and not [s for s in statements if "note" in s], "the focus needs ids only, not the facts' notes"
