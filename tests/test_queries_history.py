"""The framework's answers, asked of the built-in history (data/*.toml, data/papers.bib)."""

from __future__ import annotations

import json

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import network
from aiprogress.graph.models import CONSTRAINT_IDS
from aiprogress.graph.queries import constraint_timeline, frontier, gaps, narrative_shifts, origins, path


@pytest.fixture(scope="module")
def history(builtin_db_file):
    engine = database.open_engine(str(builtin_db_file))
    with database.session_scope(engine) as s:
        g = network.snapshot(s)
    yield g
    engine.dispose()


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


def test_narratives_in_order_with_their_triggers(history):
    result = narrative_shifts(history)
    assert [n["id"] for n in result] == [
        "narrative:deep-learning-works",
        "narrative:internet-scale-data",
        "narrative:scaling-laws",
        "narrative:return-to-first-principles",
    ]
    triggers = {n["id"]: {t["id"]: t["year"] for t in n["triggers"]} for n in result}
    assert 2012 in triggers["narrative:deep-learning-works"].values()
    assert set(triggers["narrative:internet-scale-data"].values()) >= {2017, 2018}
    assert set(triggers["narrative:scaling-laws"].values()) >= {2019, 2020}
    assert result.narratives[-1]["year"] == 2023
    assert result.periods and all(p["total"] == sum(p["relaxes"].values()) for p in result.periods)


def test_frontier_says_energy_has_no_breakthrough(history):
    status = {s.id: s for s in frontier(history, now=2025)}
    assert set(status) == set(CONSTRAINT_IDS)
    assert status["constraint:energy"].latest_year is None and status["constraint:energy"].breakthroughs == 0
    assert status["constraint:energy"].binding == "hard"
    assert all(status[c].breakthroughs > 0 for c in CONSTRAINT_IDS if c != "constraint:energy")


def test_gaps_of_the_history(history):
    found = gaps(history)
    assert found.narratives_without_trigger == ["narrative:return-to-first-principles"]
    assert found.duplicate_papers == []


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
    assert code == 0 and "Energy" in out and "no breakthrough" in out

    code, out, err = cli("timeline", "optimization-regularization", "--db", builtin_db, "--json")
    assert code == 0 and "technique:weight-decay" in out

    for command in (["impact", "technique:attention"], ["narratives"], ["gaps"], ["topics"], ["path", "technique:attention", "technique:bert"]):
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
