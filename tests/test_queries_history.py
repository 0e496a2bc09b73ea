"""The framework's answers, asked of the built-in history (data/*.toml, data/papers.bib)."""

from __future__ import annotations

import json

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import network, service
from aiprogress.graph.models import CONSTRAINT_IDS
from aiprogress.graph.queries import constraint_timeline, frontier, gaps, narrative_shifts, open_problems, origins, path


@pytest.fixture(scope="module")
def history(builtin_db_file):
    engine = database.open_engine(str(builtin_db_file))
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
    yield g
    engine.dispose()


@pytest.fixture(scope="module")
def statuses(builtin_db_file):
    engine = database.open_engine(str(builtin_db_file))
    with database.session_scope(engine) as s:
        records = service.constraint_statuses(s)
    engine.dispose()
    return records


def test_origins_of_the_transformer(history):
    result = origins(history, "technique:transformer")
    for ancestor in ("technique:attention", "technique:encoder-decoder", "technique:lstm", "technique:rnn"):
        assert ancestor in result, ancestor
        chain = result.chain(ancestor)
        assert chain[0].target == "technique:transformer" or chain[0].source == "technique:transformer"
        assert all(e.provenance for e in chain)
    assert result.distance("technique:attention") == 1
    assert {f["id"] for f in result.fields} >= {"field:engineering"}


def test_optimization_timeline_is_sorted_and_holds_the_classics(history):
    entries = constraint_timeline(history, "optimization-regularization").entries
    years = [b.year for b in entries]
    assert years == sorted(years)
    ids = [b.id for b in entries]
    for technique in ("weight-decay", "dropout", "batch-norm", "layer-norm", "residual-connections", "adam"):
        assert f"technique:{technique}" in ids, technique
    weight_decay = entries[ids.index("technique:weight-decay")]
    assert weight_decay.year == 1991
    assert ids.index("technique:weight-decay") < min(ids.index(f"technique:{t}") for t in ("dropout", "batch-norm", "layer-norm", "adam"))


def test_optimization_timeline_starts_with_weight_decay(history):
    first = constraint_timeline(history, "optimization-regularization").entries[0]
    assert (first.id, first.year) == ("technique:weight-decay", 1991)


def test_narratives_in_order_with_their_triggers_and_focus(history):
    result = narrative_shifts(history)
    assert [n["id"] for n in result] == ["narrative:deep-learning-works", "narrative:internet-scale-data", "narrative:scaling-laws"]
    triggers = {n["id"]: {t["id"]: t["year"] for t in n["triggers"]} for n in result}
    assert 2012 in triggers["narrative:deep-learning-works"].values()
    assert set(triggers["narrative:internet-scale-data"].values()) >= {2017, 2018}
    assert set(triggers["narrative:scaling-laws"].values()) >= {2019, 2020}
    focus = {n["id"]: [f["id"] for f in n["focus"]] for n in result}
    assert focus == {
        "narrative:deep-learning-works": ["constraint:architecture", "constraint:compute", "constraint:parameters"],
        "narrative:internet-scale-data": ["constraint:data"],
        "narrative:scaling-laws": ["constraint:compute", "constraint:parameters"],
    }
    assert all(f["note"] for n in result for f in n["focus"])
    assert [(c["year"], c["to"]) for c in result.focus_changes] == [(2017, ["constraint:data"]), (2019, ["constraint:compute", "constraint:parameters"])]


def test_narrative_counts_are_evidence_beside_the_recorded_focus(history):
    periods = {p["start"]: p for p in narrative_shifts(history).periods}
    assert all(p["total"] == sum(p["relaxes"].values()) for p in periods.values())
    # 2010-2014: the framework's focus is parameters, architecture and compute; the count is evidence only.
    assert periods[2010]["narratives"] == ["narrative:deep-learning-works"]
    assert periods[2010]["focus"] == ["constraint:architecture", "constraint:compute", "constraint:parameters"]
    assert periods[2020]["focus"] == ["constraint:compute", "constraint:parameters"]
    assert periods[2020]["most_relaxed"] and periods[2020]["most_relaxed"] != periods[2020]["focus"]


def test_frontier_reads_what_binds_as_the_framework_does(history, statuses):
    status = {s.id: s for s in frontier(history, statuses, as_of=2025)}
    assert set(status) == set(CONSTRAINT_IDS)
    assert {c: s.status for c, s in status.items()} == {
        "constraint:compute": "binding",
        "constraint:parameters": "binding",
        "constraint:data": "expected-to-bind",
        "constraint:energy": "expected-to-bind",
        "constraint:optimization-regularization": "solved",
        "constraint:architecture": "open",
        "constraint:compute-efficiency": "open",
    }
    optimization = status["constraint:optimization-regularization"]
    # Solved per the framework, though optimisers keep arriving (Muon at scale, 2025): the pace is evidence beside the status.
    assert optimization.status_source == "framework repository README" and optimization.latest_year == 2025
    assert optimization.latest == ["technique:muon"]
    assert status["constraint:energy"].kind == "hard" and status["constraint:energy"].latest == ["technique:diloco"]
    assert [s.status for s in frontier(history, statuses, as_of=2025)][:2] == ["binding", "binding"]


def test_frontier_moves_with_the_narratives(history, statuses):
    binding = lambda year: {s.id for s in frontier(history, statuses, as_of=year) if s.status == "binding"}
    assert binding(2012) == {"constraint:parameters", "constraint:architecture", "constraint:compute"}
    assert binding(2017) == {"constraint:data"}
    assert binding(2020) == {"constraint:parameters", "constraint:compute"}
    assert binding(2011) == set()
    at_2020 = {s.id: s for s in frontier(history, statuses, as_of=2020)}
    assert at_2020["constraint:data"].status == "open" and at_2020["constraint:energy"].status is None
    assert at_2020["constraint:compute"].latest_year <= 2020


def test_open_problems_of_the_history(history):
    found = open_problems(history)
    assert len(found.problems) == 6 and len(found.themes) == 4
    assert all(p["bears_on"] and p["named_by"][0]["id"] == "proposal:return-to-first-principles" for p in found.problems)
    assert open_problems(history, as_of=2022).problems == []


def test_gaps_of_the_history(history):
    found = gaps(history)
    assert found.narratives_without_trigger == []
    assert found.duplicate_papers == []
    assert found.papers_without_technique == []


def test_path_explains_with_evidence(history):
    p = path(history, "technique:attention", "technique:bert")
    assert p.nodes() == ["technique:attention", "technique:transformer", "technique:bert"]
    assert all(step.note for step in p.steps)


def test_cli_queries(cli, builtin_db):
    code, out, err = cli("origins", "technique:transformer", "--db", builtin_db, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"technique:attention", "technique:lstm", "technique:rnn"} <= {r["id"] for r in data["reached"]}
    assert all(r["chain"] for r in data["reached"])

    code, out, err = cli("frontier", "--now", "2025", "--db", builtin_db)
    assert code == 0 and "expected to bind (2024)" in out and "solved (2024)" in out and "framework repository README" in out
    code, out, err = cli("frontier", "--db", builtin_db, "--json")
    assert code == 0 and {r["id"]: r["status"] for r in json.loads(out)}["constraint:optimization-regularization"] == "solved"

    code, out, err = cli("narratives", "--db", builtin_db, "--json")
    assert code == 0 and [f["id"] for f in json.loads(out)["narratives"][1]["focus"]] == ["constraint:data"]

    code, out, err = cli("problems", "--db", builtin_db)
    assert code == 0 and "problem:privacy" in out and "theme:multi-modality" in out

    code, out, err = cli("timeline", "optimization-regularization", "--db", builtin_db, "--json")
    assert code == 0 and "technique:weight-decay" in out

    for command in (["impact", "technique:attention"], ["narratives"], ["gaps"], ["topics"], ["problems", "--json"], ["path", "technique:attention", "technique:bert"]):
        code, out, err = cli(*command, "--db", builtin_db)
        assert code == 0, (command, err)


def test_cli_unknown_id_is_one_line_and_non_zero(cli, builtin_db):
    code, out, err = cli("origins", "technique:nope", "--db", builtin_db)
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0 and "technique:nope" in err
    code, out, err = cli("path", "technique:bert", "technique:attention", "--db", builtin_db)
    assert code != 0 and "no directed chain" in err and err.strip().count("\n") == 0
    code, out, err = cli("timeline", "warp-drive", "--db", builtin_db)
    assert code != 0 and "constraint:warp-drive" in err
