"""Questions in plain words (graph/ask): the committed question set meets
its goal on the built-in history and on a store with an ingested corpus;
answers are built from the query's result with the facts behind it;
ambiguity is asked back; a question about nothing in the graph gets a
helpful answer; the CLI and GraphQL give the same answer."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "ask"))
from questionset import GOAL_EXACT, GOAL_WRONG, corpus_store, grade, questions, shares  # noqa: E402

from api_support import api  # noqa: E402,F401  (a fixture)
from aiprogress.graph import answers, db as database, network, service  # noqa: E402
from aiprogress.graph.ask import ask, interpret, patterns  # noqa: E402
from aiprogress.graph.ask.answer import Reply  # noqa: E402
from aiprogress.graph.ask.interpret import read  # noqa: E402


@pytest.fixture(scope="module")
def corpus_db(builtin_db_file, tmp_path_factory) -> Path:
    return corpus_store(builtin_db_file, tmp_path_factory.mktemp("ask-corpus"))


@pytest.fixture
def history(builtin_engine):
    with database.session_scope(builtin_engine) as s:
        yield s


def _graded(path: Path, store: str) -> tuple[dict[str, float], list[str]]:
    engine = database.open_engine(str(path))
    try:
        with database.session_scope(engine) as s:
            grades, misses = [], []
            for q in questions(store):
                got = interpret(s, q["ask"])
                grades.append(grade(q, got))
                if grades[-1] != "exact":
                    misses.append(f"{grades[-1]}: {q['ask']!r} -> {got.status} {got.intent} {got.args or got.candidates}")
            return shares(grades), misses
    finally:
        engine.dispose()


def test_the_question_set_is_large_and_varied():
    every = questions("corpus")
    assert len(questions("builtin")) >= 150
    statuses = {q.get("status", "ok") for q in every}
    assert statuses == {"ok", "clarify", "not_found", "unknown"}
    assert {q.get("intent") for q in every} >= {k.intent for k in patterns.KINDS}
    assert sum(q.get("store") == "corpus" for q in every) >= 10


@pytest.mark.parametrize("store", ["builtin", "corpus"])
def test_the_question_set_meets_the_goal(store, builtin_db_file, corpus_db):
    result, misses = _graded(builtin_db_file if store == "builtin" else corpus_db, store)
    assert result["exact"] >= GOAL_EXACT and result["wrong"] <= GOAL_WRONG, (result, misses)


def test_an_origins_answer_is_built_from_the_query(history):
    answer = ask(history, "Where did the Transformer come from?")
    assert answer.interpretation.command == "aiprogress origins technique:transformer"
    full = answers.origins(history, "technique:transformer")
    nearest = [r.id for r in full.lineage.reached(3)]
    g = network.snapshot(history)
    assert answer.text.startswith(f"Transformer (2017) rests on {full.count} earlier ideas; nearest: ")
    assert all(g.names[g.index[i]] in answer.text for i in nearest)
    # The facts behind it carry their notes and provenance, and the page focuses the lineage.
    assert answer.facts[0]["note"] and answer.facts[0]["provenance"]
    assert (answer.facts[0]["source"], answer.facts[0]["target"]) == (nearest[0], "technique:transformer")
    assert answer.focus == {"id": "technique:transformer", "mode": "origins"}


def test_years_limits_and_ranges_reach_the_query(history):
    answer = ask(history, "what did attention lead to by 2018, top 2")
    assert answer.interpretation.args == {"id": "technique:attention", "as_of": 2018, "limit": 2}
    assert answer.interpretation.command == "aiprogress impact technique:attention --as-of 2018 --limit 2"
    assert len(answer.facts) == 2 and all((f["year"] or 0) <= 2018 for f in answer.facts)
    later = ask(history, "What did the transformer lead to in the 2020s?")
    g = network.snapshot(history)
    listed = later.result["listed"]
    assert listed and all(2020 <= g.years[g.index[i]] <= 2029 for i in listed)
    assert any("applied to the answer" in n for n in later.interpretation.notes)


def test_a_path_question_names_the_chain(history):
    answer = ask(history, "How did LSTMs get to GPT-3?")
    chain = answers.path(history, "technique:lstm", "technique:gpt-3")
    assert answer.focus == {"path": ["technique:lstm", "technique:gpt-3"]}
    assert [(f["source"], f["target"]) for f in answer.facts] == [(s.source, s.target) for s in chain.steps]
    assert f"{chain.length} step" in answer.text


def test_an_ambiguous_name_is_asked_back(history):
    answer = ask(history, "What did Bahdanau lead to?")
    assert answer.status == "clarify" and answer.interpretation.intent == "impact"
    assert {c["id"] for c in answer.candidates} == {"technique:attention", "paper:bahdanau2014neural"}
    assert answer.text.startswith("'bahdanau' may name several things. Did you mean ")
    assert "technique:attention" in answer.text and "paper:bahdanau2014neural" in answer.text


def test_a_question_about_nothing_in_the_graph_is_answered_helpfully(history):
    answer = ask(history, "Where did quantum annealing come from?")
    assert answer.status == "not_found" and answer.interpretation.intent == "origins"
    assert "nothing in the graph is named 'quantum annealing'" in answer.text
    assert 'For example: "Where did the Transformer come from?"' in answer.text
    hidden = ask(history, "what came before the transformer as of 2016")
    assert hidden.status == "not_found" and "dated 2017" in hidden.text
    unknown = ask(history, "What's the weather in Paris?")
    assert unknown.status == "unknown"
    assert all(k.examples[0] in unknown.text for k in patterns.KINDS)


def test_misspellings_are_read_and_said(history):
    answer = ask(history, "what relaxed the comptue constraint?")
    assert answer.interpretation.args == {"constraint": "constraint:compute"}
    assert answer.interpretation.mended == {"comptue": "compute"}


def test_the_names_are_built_once_per_snapshot_and_after_a_write(builtin_engine):
    with database.session_scope(builtin_engine) as s:
        interpret(s, "what is lora")
        built = network.snapshot(s).memo["ask.lexicon"]
        interpret(s, "what is bert")
        assert network.snapshot(s).memo["ask.lexicon"] is built
    with database.session_scope(builtin_engine) as s:
        service.add_alias(s, "technique:lora", "low rank adapters")
    with database.session_scope(builtin_engine) as s:
        assert interpret(s, "where did low rank adapters come from").args == {"id": "technique:lora"}


def test_a_new_kind_is_one_declared_pattern_and_its_query(history, monkeypatch):
    def stats_reply(session, args):
        totals = service.stats(session)
        return Reply(f"{totals['total_nodes']} nodes.")

    kind = patterns.Kind("size", "how big the graph is", ("how big is the graph?",), triggers=(r"\bhow big\b",),
                         reply=stats_reply, command="stats")
    monkeypatch.setattr(patterns, "KINDS", (*patterns.KINDS, kind))
    answer = ask(history, "How big is the graph?")
    assert answer.interpretation.command == "aiprogress stats"
    assert answer.text == f"{service.stats(history)['total_nodes']} nodes."


def test_understanding_a_question_costs_little_beyond_the_query(builtin_db_file):
    engine = database.open_engine(str(builtin_db_file))
    try:
        with database.session_scope(engine) as s:
            interpret(s, "warm up")  # the names of the graph are built once
            lex_g = network.snapshot(s)
            from aiprogress.graph.ask import entities
            lex, g = entities.lexicon(s)
            asked = [q["ask"] for q in questions("builtin")]
            started = time.perf_counter()
            for q in asked:
                read(lex, g, q)
            mean_ms = (time.perf_counter() - started) * 1000 / len(asked)
            assert lex_g.memo["ask.lexicon"] is lex
    finally:
        engine.dispose()
    assert mean_ms < 50, mean_ms


def test_cli_ask(cli, builtin_db):
    code, out, err = cli("ask", "How did LSTMs get to GPT-3?", "--db", builtin_db)
    assert code == 0, err
    assert out.startswith("Understood: aiprogress path technique:lstm technique:gpt-3\n")
    assert "The facts behind it: 2" in out and "[builtin:edges.toml]" in out
    code, out, err = cli("ask", "what is the wheather in paris", "--db", builtin_db, "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "unknown" and "I understand these kinds of question" in data["text"]


def test_graphql_ask(api):
    query = """query($q: String!) { ask(question: $q) { text interpretation { status intent command arguments }
      facts { source relation target note provenance } candidates { id } nodes { id }
      path { length nodes { id } } lineage { count reached { node { id } } } focus } }"""
    data = api.data(query, {"q": "how did we get from backprop to BERT"})["ask"]
    assert data["interpretation"]["command"] == "aiprogress path technique:backpropagation technique:bert"
    assert data["path"]["nodes"][0]["id"] == "technique:backpropagation" and data["path"]["nodes"][-1]["id"] == "technique:bert"
    assert data["path"]["length"] == len(data["facts"]) and data["lineage"] is None
    assert data["focus"] == {"path": ["technique:backpropagation", "technique:bert"]}
    data = api.data(query, {"q": "where did the transformer come from, top 3"})["ask"]
    assert data["interpretation"]["arguments"] == {"id": "technique:transformer", "limit": 3}
    assert len(data["lineage"]["reached"]) == 3 and data["lineage"]["count"] > 3
    data = api.data(query, {"q": "where did Kingma's paper come from"})["ask"]
    assert data["interpretation"]["status"] == "clarify"
    assert {c["id"] for c in data["candidates"]} == {"paper:kingma2014adam", "paper:kingma2013autoencoding"}


def test_the_readme_examples_are_understood_as_shown(cli, builtin_db):
    import re
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^\$ aiprogress (ask .*)\n(Understood: .*)$", readme, flags=re.M)
    assert len(shown) >= 5
    for command, understood in shown:
        if "--source" in understood:  # asked of a store with that corpus, not the built-in history
            continue
        code, out, err = cli(*shlex.split(command), "--db", builtin_db)
        assert code == 0, err
        assert out.splitlines()[0] == understood, command


def test_a_corpus_said_but_not_held_is_not_silently_dropped(history, corpus_db):
    answer = ask(history, "Which papers in my ACL file use BERT?")
    assert answer.status == "not_found" and answer.interpretation.intent == "adoption"
    assert "no corpus 'acl' was ingested into this store" in answer.text
    engine = database.open_engine(str(corpus_db))
    try:
        with database.session_scope(engine) as s:
            held = ask(s, "Which papers in my ACL file use BERT?")
            assert held.interpretation.command == "aiprogress adoption technique:bert --source all_P_acl.bib"
            missing = ask(s, "which papers in my LREC file use BERT?")
            assert "no corpus 'lrec'" in missing.text and "all_P_acl.bib" in missing.text
    finally:
        engine.dispose()


def test_a_name_found_in_part_of_a_longer_one_is_no_answer(history):
    # `Transformer-XL` is not in the built-in history: the Transformer is no answer to it.
    answer = ask(history, "where did transformer-XL come from?")
    assert answer.status == "not_found" and "nothing in the graph is named 'transformer xl'" in answer.text
    # A name with a word that only qualifies it still names it.
    assert ask(history, "what did BERT-based models lead to").interpretation.args == {"id": "technique:bert"}


def test_asking_on_every_backend(engine):
    from aiprogress.ingest import datafiles

    with database.session_scope(engine) as s:
        datafiles.load_builtin(s)
    with database.session_scope(engine) as s:
        assert ask(s, "How did LSTMs get to GPT-3?").interpretation.command == "aiprogress path technique:lstm technique:gpt-3"
        assert ask(s, "where did Kingma's paper come from").status == "clarify"
        assert "Neural Machine Translation" in ask(s, "find papers about machine translation").text
        assert ask(s, "what relaxed the comptue constraint").text.startswith("Compute was relaxed by")


def test_a_pasted_document_is_refused_in_one_line(history, cli, builtin_db):
    from aiprogress.graph.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at most 500 characters"):
        ask(history, "where did " + "the transformer " * 100 + "come from")
    code, _, err = cli("ask", "x" * 501, "--db", builtin_db)
    assert code != 0 and err.startswith("error: question: a question is at most 500 characters")
