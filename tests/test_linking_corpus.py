"""The corpus in the questions: narratives and topics asked of one ingested
file, and GraphQL's parity with the CLI for the linker's parts (candidate
techniques, promote, the corpus parts of impact and origins)."""

from __future__ import annotations

import json

import pytest
from api_support import TOKEN, api  # noqa: F401  (api is a fixture)
from test_api_loaders import counting
from sqlmodel import Session

from aiprogress.graph import answers, linking
from aiprogress.graph import db as database
from aiprogress.graph.errors import NotFound


def _lstm_corpus(tmp_path):
    """Ten papers a year from 2008 to 2016; from 2013 on, four of each year's
    name LSTMs (a technique relaxing the architecture constraint, which the
    2012 narrative focuses on)."""
    entries = []
    for year in range(2008, 2017):
        for i in range(10):
            title = f"LSTM Taggers Number {i}" if year >= 2013 and i < 4 else f"Kernel Methods Number {i}"
            entries.append(f"@inproceedings{{k{year}x{i}, title={{{title}}}, year={year}}}")
    bib = tmp_path / "lstm.bib"
    bib.write_text("\n".join(entries))
    return bib


@pytest.fixture
def lstm_db(builtin_db, cli, tmp_path):
    code, _, err = cli("ingest", _lstm_corpus(tmp_path), "--db", builtin_db)
    assert code == 0, err
    return builtin_db


def test_narratives_with_a_source_say_what_the_corpus_worked_on(lstm_db):
    engine = database.open_engine(str(lstm_db))
    try:
        with Session(engine) as s:
            plain = answers.narratives(s)
            found = answers.narratives(s, source="lstm.bib")
            then = answers.narratives(s, source="lstm.bib", as_of=2014)
            with pytest.raises(NotFound, match="absent.bib"):
                answers.narratives(s, source="absent.bib")
    finally:
        engine.dispose()
    assert plain.corpus_papers is None and all("corpus" not in p for p in plain.periods)
    assert found.corpus_papers == 90
    by_start = {p["start"]: p for p in found.periods}
    # 2010-2014: 50 papers, the 8 LSTM ones of 2013-2014 use an architecture technique, in the period's focus.
    early = by_start[2010]["corpus"]
    assert "constraint:architecture" in by_start[2010]["focus"]
    assert (early["papers"], early["counts"]["constraint:architecture"], early["focus_using"], early["focus_share"]) == (50, 8, 8, 0.16)
    assert early["most_used"] == ["constraint:architecture"]
    assert (by_start[2015]["corpus"]["papers"], by_start[2015]["corpus"]["focus_share"]) == (20, 0.4)
    # The 2005-2009 period holds corpus papers only (2008, 2009): it is listed for them.
    assert by_start[2005]["corpus"]["papers"] == 20 and by_start[2005]["corpus"]["focus_share"] is None
    works = {n["id"]: n for n in found.narratives}["narrative:deep-learning-works"]["corpus"]
    assert works == {"before": {"papers": 40, "using": 0, "share": 0.0}, "after": {"papers": 50, "using": 16, "share": 0.32}}
    # As of 2014: the corpus's papers of 2008-2014 only.
    assert then.corpus_papers == 70 and max(p["start"] for p in then.periods if p["corpus"]["papers"]) == 2010
    # The narratives themselves do not change with the corpus.
    assert [(n["id"], n["focus"]) for n in found.narratives] == [(n["id"], n["focus"]) for n in plain.narratives]


def test_narratives_source_in_the_cli_and_graphql_agree(lstm_db, cli, api):
    code, out, err = cli("narratives", "--source", "lstm.bib", "--json", "--db", lstm_db)
    assert code == 0, err
    by_cli = json.loads(out)
    query = """{ narrativeShifts(source: "lstm.bib") { corpusPapers
      periods { start corpus { papers counts shares mostUsed focusUsing focusShare } }
      narratives { narrative { id } corpusBefore { papers using share } corpusAfter { papers using share } } } }"""
    by_graphql = api.data(query)["narrativeShifts"]
    assert by_graphql["corpusPapers"] == by_cli["corpus_papers"] == 90
    assert [(p["start"], p["corpus"]["papers"], p["corpus"]["focusShare"], p["corpus"]["mostUsed"], p["corpus"]["counts"]) for p in by_graphql["periods"]] == [
        (p["start"], p["corpus"]["papers"], p["corpus"]["focus_share"], p["corpus"]["most_used"], p["corpus"]["counts"]) for p in by_cli["periods"]]
    assert [(n["narrative"]["id"], n["corpusBefore"], n["corpusAfter"]) for n in by_graphql["narratives"]] == [
        (n["id"], *((n["corpus"]["before"], n["corpus"]["after"]) if n["corpus"] else (None, None))) for n in by_cli["narratives"]]
    plain = api.data("{ narrativeShifts { corpusPapers periods { corpus { papers } } narratives { corpusBefore { papers } } } }")["narrativeShifts"]
    assert plain["corpusPapers"] is None and {p["corpus"] is None for p in plain["periods"]} == {True}
    error = api.error('{ narrativeShifts(source: "absent.bib") { corpusPapers } }')
    assert error["extensions"]["code"] == "not-found" and "absent.bib" in error["message"]
    code, out, _ = cli("narratives", "--source", "lstm.bib", "--db", lstm_db)
    assert code == 0 and "The corpus (lstm.bib): 90 dated paper(s)" in out and "32.0% of 50" in out


def test_narratives_source_tables_fit_80_columns(lstm_db, cli, monkeypatch):
    from aiprogress.api.cli import common

    monkeypatch.setattr(common.console, "width", 80)
    code, out, err = cli("narratives", "--source", "lstm.bib", "--db", lstm_db)
    assert code == 0, err
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80, out
    assert any("narrative:deep-learning-works" in line for line in lines)


def test_topics_of_a_source_count_the_techniques_the_linker_found(lstm_db, cli):
    code, out, err = cli("topics", "--source", "lstm.bib", "--json", "--db", lstm_db)
    assert code == 0, err
    shifts = json.loads(out)["shifts"]
    rise = [s for s in shifts if s["topic"] == "technique:lstm" and s["source"] == "technique"]
    assert rise and rise[0]["year"] == 2013 and rise[0]["direction"] == "rise" and rise[0]["count"] == 4


def test_graphql_impact_and_origins_carry_the_corpus_parts(lstm_db, api):
    engine = database.open_engine(str(lstm_db))
    try:
        with Session(engine) as s:
            impact = answers.impact(s, "technique:lstm", corpus=True).to_dict()["corpus_use"]
            origins = answers.origins(s, "k2013x0", corpus=True).to_dict()["techniques_used"]
            late = answers.lineage(s, "impact", "technique:lstm", corpus=True, examples=3, as_of=2013).to_dict()["corpus_use"]
    finally:
        engine.dispose()
    data = api.data('{ impact(id: "technique:lstm", limit: 1) { corpusUse(limit: 3) { papers byYear { key papers } bySource { key papers } examples { id year } } } }')
    use = data["impact"]["corpusUse"]
    assert use["papers"] == impact["papers"] and use["papers"] >= 16
    assert {int(r["key"]): r["papers"] for r in use["byYear"]} == impact["by_year"]
    assert {r["key"]: r["papers"] for r in use["bySource"]} == impact["by_source"] and impact["by_source"]["bibtex:lstm.bib"] == 16
    assert [e["id"] for e in use["examples"]] == [e["id"] for e in impact["examples"][:3]]
    by_fragment = api.data('{ impact(id: "technique:lstm") { ...F } } fragment F on Lineage { ... on Lineage { corpusUse(limit: 2) { papers examples { id } } } }')
    assert by_fragment["impact"]["corpusUse"]["papers"] == use["papers"] and len(by_fragment["impact"]["corpusUse"]["examples"]) == 2
    as_of = api.data('{ impact(id: "technique:lstm", asOf: 2013) { corpusUse(limit: 3) { papers } } }')["impact"]["corpusUse"]
    assert as_of["papers"] == late["papers"] == use["papers"] - 12  # the 2014-2016 LSTM papers are not yet written
    data = api.data('{ origins(id: "k2013x0") { techniquesUsed { relation technique { id } origins { distance node { id } } } } }')
    used = data["origins"]["techniquesUsed"]
    assert [(t["technique"]["id"], t["relation"]) for t in used] == [(t["id"], t["relation"]) for t in origins] == [("technique:lstm", "mentions")]
    assert [(o["node"]["id"], o["distance"]) for o in used[0]["origins"]] == [(o["id"], o["distance"]) for o in origins[0]["origins"]]
    assert used[0]["origins"]  # LSTM has origins in the history (RNNs, backpropagation ...)
    # Only a technique's impact and a paper's origins have corpus parts.
    other = api.data('{ impact(id: "k2013x0") { corpusUse { papers } } origins(id: "technique:lstm") { techniquesUsed { relation } } }')
    assert other == {"impact": {"corpusUse": None}, "origins": {"techniquesUsed": []}}


def _rise_corpus(tmp_path):
    lines = [f"@inproceedings{{old{i}, title={{A Study of Parsing Number {i}}}, year={2010 + i % 3}}}" for i in range(36)]
    lines += [f"@inproceedings{{mem{i}, title={{Memory Networks for Reading {i}}}, year=2013}}" for i in range(8)]
    lines += [f"@inproceedings{{lstm{i}, title={{LSTM Taggers {i}}}, year=2013}}" for i in range(8)]
    bib = tmp_path / "rise.bib"
    bib.write_text("\n".join(lines))
    return bib


def test_graphql_candidates_and_promote_match_the_cli(builtin_db, cli, api, tmp_path):
    assert cli("ingest", _rise_corpus(tmp_path), "--db", builtin_db)[0] == 0
    code, out, _ = cli("gaps", "--source", "rise.bib", "--json", "--db", builtin_db)
    by_cli = json.loads(out)["candidate_techniques"]
    query = '{ candidateTechniques(source: "rise.bib") { phrase firstYear peakYear peakShare riseYear z papers examples { id year } } }'
    by_graphql = api.data(query)["candidateTechniques"]
    assert [c["phrase"] for c in by_graphql] == [c["phrase"] for c in by_cli] and "memory networks" in [c["phrase"] for c in by_cli]
    memory = next(c for c in by_graphql if c["phrase"] == "memory networks")
    assert (memory["firstYear"], memory["papers"]) == (2013, 8) and memory["examples"][0]["id"].startswith("paper:mem")
    assert api.error('{ candidateTechniques(source: "absent.bib") { phrase } }')["extensions"]["code"] == "not-found"
    # Every example of every candidate is read in one statement: one candidate or all, the same statements.
    statements = []
    for n in (1, 50, 1, 50):  # the first two warm the in-memory graph and the compiled statements
        with counting(api.client.app.state.engine) as run:
            api.data(f'{{ candidateTechniques(source: "rise.bib", limit: {n}) {{ phrase examples {{ id name aliases }} }} }}')
        statements.append(len(run))
    assert len(by_graphql) >= 3 and statements[2] == statements[3], statements

    promote = """mutation { promote(phrase: "memory networks", id: "technique:memory-networks", category: architecture, year: 2014, forms: ["memnet"], by: "ann")
      { linked added removed technique { id name aliases } } }"""
    assert api.error(promote)["extensions"]["code"] == "permission-denied"
    done = api.data(promote, token=TOKEN)["promote"]
    assert done["linked"] == 8 and done["added"] == 8 and done["removed"] == 0
    assert done["technique"]["id"] == "technique:memory-networks" and {"memory networks", "memnet"} <= set(done["technique"]["aliases"])
    # The store and the candidates see it at once.
    assert api.data('{ adoption(technique: "technique:memory-networks", source: "rise.bib") { using } }')["adoption"]["using"] == 8
    assert "memory networks" not in [c["phrase"] for c in api.data(query)["candidateTechniques"]]
    error = api.error(promote, token=TOKEN)  # twice: the id is taken
    assert error["extensions"]["code"] in ("conflict", "invalid-input") and "technique:memory-networks" in error["message"]


def test_promote_and_link_is_one_service_for_both_entry_points(builtin_engine):
    from aiprogress.ingest import load

    load.ingest_source(builtin_engine, "rise.bib", text="@inproceedings{m1, title={Memory Networks for Reading}, year=2015}")
    done = linking.promote_and_link(builtin_engine, "memory networks", "technique:memory-networks", category="architecture", year=2014)
    assert (done.technique, done.linked) == ("technique:memory-networks", 1)
    assert linking.relink(builtin_engine).changes == 0
    with pytest.raises(Exception, match="technique:"):
        linking.promote_and_link(builtin_engine, "reading", "paper:reading", category="method")
