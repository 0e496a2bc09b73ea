"""The linker: what it matches, how its links are kept, reviewed and counted."""

from __future__ import annotations

import pytest
from api_support import TOKEN, api  # noqa: F401  (api is a fixture)
from sqlalchemy import select, text
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import answers, linking, mentions, network, service
from aiprogress.graph.errors import NotFound
from aiprogress.graph.models import Edge
from aiprogress.graph.queries import adoption, candidates
from aiprogress.ingest import load
from linking.score import LABELLED, score

TECHNIQUES = [
    {"id": "technique:gan", "name": "Generative adversarial network", "year": 2014, "aliases": ["gan", "gans"]},
    {"id": "technique:bert", "name": "BERT", "year": 2018, "aliases": []},
    {"id": "technique:adam", "name": "Adam", "year": 2014, "aliases": ["adam optimizer"]},
    {"id": "technique:rnn", "name": "Recurrent neural network", "year": 1986, "aliases": ["rnn"]},
    {"id": "technique:mlp", "name": "Multilayer perceptron", "year": 1986, "aliases": []},
    {"id": "technique:attention", "name": "Attention", "year": 2014, "aliases": []},
    {"id": "technique:alexnet", "name": "AlexNet", "year": 2012, "aliases": ["supervision"]},
    {"id": "technique:lstm", "name": "LSTM", "year": 1997, "aliases": ["long short-term memory"]},
]
DATA = {
    "form": [{"technique": "technique:mlp", "forms": ["neural network"]}],
    "block": [{"technique": "technique:alexnet", "forms": ["supervision"]}],
}


def found(title: str, year: int | None = 2019, lexicon=None) -> dict[str, str]:
    lex = lexicon or mentions.build(TECHNIQUES, DATA)
    return {t: m.text for t, m in lex.link({"id": "p", "name": title, "year": year}).items()}


def test_acronyms_match_as_written_never_in_names_or_ordinary_words():
    assert found("Text GANs with BERT and Adam") == {"technique:gan": "GANs", "technique:bert": "BERT", "technique:adam": "Adam"}
    assert found("Gan Lin and Bert Smith organize an adamant berth") == {}
    assert found("gans, bert and adam in lower case") == {}
    assert found("Training with the adam optimizer") == {"technique:adam": "adam optimizer"}  # a long form matches in any case


def test_word_boundaries_hyphens_and_plurals():
    assert found("Long Short-Term Memory networks") == {"technique:lstm": "Long Short-Term Memory"}
    assert found("long short term memory") == {"technique:lstm": "long short term memory"}
    assert found("LSTMs everywhere") == {"technique:lstm": "LSTMs"}
    assert found("A ZLSTM and RNNish model") == {}


def test_the_longest_form_wins_and_overlaps_are_not_counted_twice():
    assert found("A recurrent neural network for parsing") == {"technique:rnn": "recurrent neural network"}
    assert found("A neural network for parsing") == {"technique:mlp": "neural network"}


def test_a_paper_older_than_a_technique_does_not_use_it():
    assert found("Attention, intentions and the structure of discourse", year=1986) == {}
    assert found("Attention for translation", year=2013) == {"technique:attention": "Attention"}  # a year of slack
    assert found("Attention for translation", year=None) == {"technique:attention": "Attention"}


def test_blocked_forms_and_shouting_titles_do_not_match():
    assert found("Distant supervision for relation extraction") == {}
    assert found("A GAN FOR SPEECH AND SOME OTHER WORDS IN CAPITALS") == {}


def test_fields_and_confidence():
    lex = mentions.build(TECHNIQUES, DATA)
    links = lex.link({"id": "p", "name": "A study", "year": 2019, "abstract": "We use an LSTM.", "keywords": "BERT; parsing"})
    assert {t: (m.field, m.text) for t, m in links.items()} == {"technique:lstm": ("abstract", "LSTM"), "technique:bert": ("keywords", "BERT")}
    assert links["technique:lstm"].confidence < links["technique:bert"].confidence <= 1
    assert links["technique:lstm"].note == "abstract: LSTM"


@pytest.fixture(scope="module")
def builtin_lexicon(builtin_db_file):
    engine = database.open_engine(str(builtin_db_file))
    with Session(engine) as session:
        lex = linking.lexicon(session)
    engine.dispose()
    return lex


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.name)
def test_precision_and_recall_on_the_hand_labelled_titles(builtin_lexicon, path):
    s = score(builtin_lexicon, path)
    assert s.titles >= 100
    assert s.precision >= 0.9, s.false_positive
    assert s.recall >= 0.8, s.false_negative


BIB = """
@inproceedings{a, title={Neural Machine Translation with Attention and LSTMs}, year=2017}
@inproceedings{b, title={Word Embeddings for Parsing}, year=2015}
@inproceedings{c, title={A Rule-Based Parser}, year=2001}
"""


def _mentions(engine) -> dict[tuple[str, str], tuple[str, float, str]]:
    with Session(engine) as s:
        return {(e.source_id, e.target_id): (e.note, e.confidence, e.provenance)
                for e in s.scalars(select(Edge).where(Edge.relation == "mentions"))}


def test_ingest_links_and_a_relink_changes_nothing(builtin_engine):
    report = load.ingest_source(builtin_engine, "corpus.bib", text=BIB)
    links = {k: v for k, v in _mentions(builtin_engine).items() if k[0] in ("paper:a", "paper:b", "paper:c")}
    assert set(links) == {("paper:a", "technique:encoder-decoder"), ("paper:a", "technique:attention"), ("paper:a", "technique:lstm"),
                          ("paper:b", "technique:word2vec")}
    assert report.edges_inferred == 4
    assert links[("paper:a", "technique:lstm")][0] == "title: LSTMs" and links[("paper:a", "technique:lstm")][2] == mentions.PROVENANCE
    before = _mentions(builtin_engine)
    again = linking.relink(builtin_engine, batch_size=7)
    assert again.changes == 0 and again.papers > 50
    assert _mentions(builtin_engine) == before


def test_dry_run_writes_nothing_and_relink_repairs(builtin_engine):
    load.ingest_source(builtin_engine, "corpus.bib", text=BIB)
    whole = _mentions(builtin_engine)
    with database.session_scope(builtin_engine) as s:
        s.execute(text("DELETE FROM edge WHERE relation = 'mentions' AND source_id = 'paper:a'"))
        s.execute(text("UPDATE edge SET confidence = 0.1 WHERE relation = 'mentions' AND source_id = 'paper:b'"))
    damaged = _mentions(builtin_engine)
    plan = linking.relink(builtin_engine, dry_run=True)
    assert (len(plan.add), len(plan.update), len(plan.remove)) == (3, 1, 0)
    assert _mentions(builtin_engine) == damaged
    linking.relink(builtin_engine)
    assert _mentions(builtin_engine) == whole


def test_a_rejection_survives_relinking_and_a_confirmation_is_kept(builtin_engine):
    load.ingest_source(builtin_engine, "corpus.bib", text=BIB)
    with database.session_scope(builtin_engine) as s:
        assert linking.judge(s, "a", "technique:attention", linking.REJECTED, by="ann") is None
        confirmed = linking.judge(s, "paper:a", "lstm", linking.CONFIRMED)
        made = linking.judge(s, "paper:c", "technique:rnn", linking.CONFIRMED, note="the parser is an RNN")
    assert confirmed.confidence == 1.0 and made.note == "confirmed by user:user"
    assert linking.relink(builtin_engine).changes == 0
    links = _mentions(builtin_engine)
    assert ("paper:a", "technique:attention") not in links
    assert links[("paper:a", "technique:lstm")][1] == 1.0 and links[("paper:c", "technique:rnn")][1] == 1.0
    # A changed lexicon (here: a changed title) keeps the confirmed pair and still skips the rejected one.
    with database.session_scope(builtin_engine) as s:
        s.execute(text("UPDATE node SET name = 'Attention and LSTMs' WHERE id = 'paper:a'"))
    linking.relink(builtin_engine)
    links = _mentions(builtin_engine)
    assert ("paper:a", "technique:attention") not in links and links[("paper:a", "technique:lstm")][1] == 1.0
    with database.session_scope(builtin_engine) as s:
        assert [r["verdict"] for r in linking.links_of(s, "paper:a") if r["technique"] == "technique:attention"] == ["rejected"]


def test_a_mentions_fact_stated_by_a_person_is_left_alone(builtin_engine):
    with database.session_scope(builtin_engine) as s:
        service.upsert_paper(s, "paper:z", title="Attention in LSTMs", year=2018, provenance="user:me")
        service.link(s, "paper:z", "mentions", "technique:lstm", provenance="user:me", note="read it")
    linking.relink(builtin_engine)
    links = _mentions(builtin_engine)
    assert links[("paper:z", "technique:lstm")] == ("read it", None, "user:me")
    assert ("paper:z", "technique:attention") in links
    with database.session_scope(builtin_engine) as s, pytest.raises(Exception, match="not made by the linker"):
        linking.judge(s, "paper:z", "technique:lstm", linking.REJECTED)


def test_adoption_counts_papers_per_year_and_per_constraint(builtin_engine):
    load.ingest_source(builtin_engine, "corpus.bib", text=BIB)
    with Session(builtin_engine) as s:
        ids = service.papers_from(s, "corpus.bib")
        g = network.snapshot(s)
        lstm = adoption.adoption(g, "technique:lstm", papers=ids)
        by = adoption.adoption_by_constraint(g, papers=ids)
        use = adoption.corpus_use(g, "technique:lstm", {"paper:a": "bibtex:corpus.bib"}, limit=1)
    assert [(y.year, y.papers, y.using, y.share) for y in lstm.years] == [(2001, 1, 0, 0.0), (2015, 1, 0, 0.0), (2017, 1, 1, 1.0)]
    relaxing_architecture = {c["id"]: set(c["techniques"]) for c in by.constraints}["constraint:architecture"]
    assert "technique:lstm" in relaxing_architecture
    shares = {y["year"]: y["shares"]["constraint:architecture"] for y in by.years}
    assert shares[2001] == 0.0 and shares[2017] == 1.0  # the rule-based parser uses nothing; the LSTM paper does
    assert use["by_source"]["bibtex:corpus.bib"] == 1 and len(use["examples"]) == 1 and use["papers"] > 1


def test_cli_link_review_and_adoption(builtin_db, cli, tmp_path):
    bib = tmp_path / "corpus.bib"
    bib.write_text(BIB)
    assert cli("ingest", bib, "--db", builtin_db)[0] == 0
    code, out, _ = cli("link", "--dry-run", "--db", builtin_db)
    assert code == 0 and "would change: 0 added, 0 removed, 0 updated" in out
    code, out, _ = cli("reject-link", "paper:a", "technique:attention", "--by", "ann", "--db", builtin_db)
    assert code == 0 and "Rejected" in out
    code, out, _ = cli("links", "paper:a", "--db", builtin_db)
    assert "rejected" in out and "title: LSTMs" in out
    code, out, _ = cli("link", "--db", builtin_db)
    assert code == 0 and "changed: 0 added" in out
    code, out, _ = cli("adoption", "technique:lstm", "--source", "corpus.bib", "--db", builtin_db)
    assert code == 0 and "used by 1 of 3" in out and "100.0%" in out
    code, out, _ = cli("adoption", "--by", "constraint", "--source", "corpus.bib", "--db", builtin_db)
    assert code == 0 and "Architecture" in out and "100.0%" in out
    code, _, err = cli("adoption", "--db", builtin_db)
    assert code != 0 and "--by constraint" in err


def test_answers_adoption_and_corpus_use_as_of_a_year(builtin_engine):
    load.ingest_source(builtin_engine, "corpus.bib", text=BIB)
    with Session(builtin_engine) as s:
        lstm = answers.adoption(s, "lstm", source="corpus.bib", as_of=2016)
        assert [(y.year, y.using) for y in lstm.years] == [(2001, 0), (2015, 0)]  # paper:a (2017) is not yet written
        assert answers.adoption(s, "lstm", source="corpus.bib").using == 1
        before = answers.corpus_use(s, "technique:lstm", as_of=2016)
        assert before["papers"] == answers.corpus_use(s, "technique:lstm")["papers"] - 1
        with pytest.raises(NotFound, match="after the year asked for"):
            answers.adoption(s, "technique:transformer", as_of=2010)
        impact = answers.impact(s, "technique:lstm", corpus=True).to_dict()
        assert impact["corpus_use"]["by_source"]["bibtex:corpus.bib"] == 1
        origins = answers.origins(s, "paper:a", corpus=True).to_dict()
        assert {t["id"] for t in origins["techniques_used"]} >= {"technique:lstm", "technique:attention"}
        assert "corpus_use" not in answers.impact(s, "paper:a", corpus=True).to_dict()


def test_linker_tables_fit_80_columns(builtin_db, cli, tmp_path, monkeypatch):
    from aiprogress.api.cli import common

    bib = tmp_path / "corpus.bib"
    bib.write_text(BIB)
    assert cli("ingest", bib, "--db", builtin_db)[0] == 0
    monkeypatch.setattr(common.console, "width", 80)
    for args, whole in (
        (["adoption", "--by", "constraint"], ["Optimization & regularization", "Architecture"]),
        (["adoption", "lstm"], ["LSTM (technique:lstm): used by"]),
        (["impact", "technique:lstm"], ["Papers using technique:lstm", "bibtex:corpus.bib", "paper:hochreiter1997long"]),
        (["origins", "paper:a"], ["technique:attention", "technique:encoder-decoder"]),
    ):
        code, out, err = cli(*args, "--db", builtin_db)
        assert code == 0, err
        lines = out.splitlines()
        assert max(map(len, lines)) <= 80, out
        for text in whole:
            assert any(text in line for line in lines), f"{text!r} is not on one line in:\n{out}"


def test_graphql_adoption_and_verdicts_need_the_token(api):
    query = '{ adoption(technique: "technique:transformer") { papers using technique { id } years { year using } } }'
    data = api.data(query)["adoption"]
    assert data["technique"]["id"] == "technique:transformer" and data["using"] >= 1
    by = api.data('{ adoption(byConstraint: true, yearFrom: 2017) { byConstraint { year constraints { constraint { id } share } } } }')["adoption"]
    assert by["byConstraint"][0]["year"] == 2017 and by["byConstraint"][0]["constraints"][0]["constraint"]["id"].startswith("constraint:")
    reject = 'mutation { rejectLink(paper: "vaswani2017attention", technique: "technique:attention") }'
    assert api.error(reject)["extensions"]["code"] == "permission-denied"
    assert api.data(reject, token=TOKEN) == {"rejectLink": True}
    confirm = api.data('mutation { confirmLink(paper: "paper:vaswani2017attention", technique: "technique:lstm") { confidence note } }', token=TOKEN)
    assert confirm["confirmLink"]["confidence"] == 1.0


@pytest.mark.parametrize("module", [adoption, candidates, mentions], ids=lambda m: m.__name__)
def test_the_examples_in_the_docstrings(module):
    import doctest

    assert doctest.testmod(module).failed == 0


def test_candidates_ignore_what_the_lexicon_names_and_promote_links_the_corpus(builtin_db, cli, tmp_path):
    lines = [f"@inproceedings{{old{i}, title={{A Study of Parsing Number {i}}}, year={2010 + i % 3}}}" for i in range(36)]
    lines += [f"@inproceedings{{mem{i}, title={{Memory Networks for Reading {i}}}, year=2013}}" for i in range(8)]
    lines += [f"@inproceedings{{lstm{i}, title={{LSTM Taggers {i}}}, year=2013}}" for i in range(8)]
    bib = tmp_path / "rise.bib"
    bib.write_text("\n".join(lines))
    assert cli("ingest", bib, "--db", builtin_db)[0] == 0
    code, out, _ = cli("gaps", "--source", "rise.bib", "--json", "--db", builtin_db)
    found = {c["phrase"]: c for c in __import__("json").loads(out)["candidate_techniques"]}
    assert "memory networks" in found and "lstm" not in found and "lstm taggers" not in found
    assert found["memory networks"]["first_year"] == 2013 and found["memory networks"]["papers"] == 8
    assert found["memory networks"]["examples"][0]["id"].startswith("paper:mem")
    code, out, _ = cli("promote", "memory networks", "--id", "technique:memory-networks", "--category", "architecture",
                       "--year", "2014", "--form", "memnet", "--db", builtin_db)
    assert code == 0 and "8 paper(s) now mention it" in out
    code, out, _ = cli("adoption", "technique:memory-networks", "--source", "rise.bib", "--db", builtin_db)
    assert "used by 8 of 52" in out
    code, out, _ = cli("gaps", "--source", "rise.bib", "--json", "--db", builtin_db)
    assert "memory networks" not in {c["phrase"] for c in __import__("json").loads(out)["candidate_techniques"]}


def test_on_each_backend_an_upgraded_store_takes_links_and_verdicts(database_url):
    from alembic import command

    engine = database.open_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(database._alembic_config(conn), "0002")
        with database.session_scope(engine) as s:
            service.upsert_node(s, "technique:lstm", provenance="t", name="LSTM", category="architecture", year=1997)
            service.upsert_paper(s, "paper:p", title="Parsing with LSTMs", year=2016, provenance="t")
        database.create_schema(engine)  # 0002 -> 0004: the relation and the verdict table
        assert linking.relink(engine).changes == 1
        assert _mentions(engine) == {("paper:p", "technique:lstm"): ("title: LSTMs", 0.9, mentions.PROVENANCE)}
        with database.session_scope(engine) as s:
            linking.judge(s, "paper:p", "technique:lstm", linking.REJECTED)
        assert linking.relink(engine).changes == 0 and _mentions(engine) == {}
    finally:
        engine.dispose()


def test_papers_read_by_id_are_those_read_whole(engine):
    """linking.papers of some ids (through the driver on SQLite, decoding a
    paper's extra fields only where they hold keywords) gives what reading
    every paper gives, keywords of any JSON type included."""
    from aiprogress.graph import batch

    extras = [{"keywords": "transformers; attention"}, {"note": "no keywords here", "x": "\"keywords\""}, {},
              {"keywords": ["a", "b"]}, {"keywords": None}]
    with database.session_scope(engine) as s:
        batch.write_papers(s, [batch.PaperRow(f"paper:k{i}", {"name": f"K {i}", "year": 2020, "extra": e}, "t") for i, e in enumerate(extras)])
    with database.session_scope(engine) as s:
        whole = {r["id"]: r for r in linking.papers(s) if r["id"].startswith("paper:k")}
        by_id = {r["id"]: r for r in linking.papers(s, [f"paper:k{i}" for i in range(len(extras))])}
    assert by_id == whole
    assert [by_id[f"paper:k{i}"]["keywords"] for i in range(len(extras))] == ["transformers; attention", None, None, ["a", "b"], None]
