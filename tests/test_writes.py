"""One write rulebook: a paper merges the same way whether it arrives by
BibTeX, by RDF import or by a single service write (graph/merge.py,
graph/batch.py), and the smaller write rules every way in shares."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph

from aiprogress.graph import batch, bulk, db as database, merge, rdf, service
from aiprogress.graph.errors import Conflict, InvalidInput
from aiprogress.graph.models import Node, Paper
from aiprogress.ingest import bibtex, load
from aiprogress.ingest.bibtex_rows import paper_values

FIRST = "@inproceedings{smith2020, title={Deep Nets}, author={Smith, Ann}, year={2020}, booktitle={ICML}, pages={1--9}}\n"
# The same work again, from another file: the title in other case, another venue, an abstract and a note.
SECOND = "@inproceedings{smith2020, title={Deep nets}, author={Smith, Ann}, year={2020}, booktitle={NeurIPS}, abstract={A study.}, note={x}}\n"
ARRIVES_FROM = "bibtex:second.bib#smith2020"


def _second_as_service_call() -> dict:
    (record,) = bibtex.parse_text(SECOND, "second.bib").records
    v = paper_values(record)
    v.pop("_keys")
    return {"title": v.pop("name"), "year": v.pop("year"), "citation_key": record.key, **v}


def _state(engine) -> dict:
    with database.session_scope(engine) as s:
        paper = s.get(Paper, "paper:smith2020").model_dump()
        node = s.get(Node, "paper:smith2020").model_dump()
        return {"node": node, "paper": paper, "stats": service.stats(s)}


def _by_bibtex(engine) -> list[tuple[str, str]]:
    report = load.ingest_source(engine, "second.bib", text=SECOND)
    return sorted((p["kind"], p["message"]) for p in report.problems)


def _by_service(engine) -> list[tuple[str, str]]:
    notes: list[dict] = []
    with database.session_scope(engine) as s:
        service.upsert_paper(s, "paper:smith2020", provenance=ARRIVES_FROM, notes=notes, **_second_as_service_call())
    return sorted((n["kind"], n["message"]) for n in notes)


def _by_rdf(engine, tmp_path) -> list[tuple[str, str]]:
    # The paper as another store holds it after one single write, exported as Turtle.
    other = database.open_engine(f"sqlite:///{tmp_path / 'other.db'}")
    database.create_schema(other)
    with database.session_scope(other) as s:
        service.upsert_paper(s, "paper:smith2020", provenance=ARRIVES_FROM, **_second_as_service_call())
    with database.session_scope(other) as s:
        turtle = rdf.to_rdf(s).serialize(format="turtle")
    other.dispose()
    notes: list[dict] = []
    with database.session_scope(engine) as s:
        rdf.from_rdf(s, Graph().parse(data=turtle, format="turtle"), notes=notes)
    return sorted((n["kind"], n["message"]) for n in notes)


def test_the_same_paper_merges_the_same_way_by_every_format(database_url, tmp_path):
    outcomes = []
    for i, arrive in enumerate((_by_bibtex, _by_service, lambda e: _by_rdf(e, tmp_path))):
        url = database_url if i == 0 else f"sqlite:///{tmp_path / f'store{i}.db'}"
        engine = database.open_engine(url)
        database.create_schema(engine)
        load.ingest_source(engine, "first.bib", text=FIRST)
        problems = arrive(engine)
        outcomes.append((_state(engine), problems))
        engine.dispose()
    (state, problems), *others = outcomes
    for other in others:
        assert other == (state, problems)
    paper, node = state["paper"], state["node"]
    # Empty fields filled, values from another source kept, each field's source recorded.
    assert node["name"] == "Deep Nets" and paper["venue"] == "ICML" and paper["abstract"] == "A study."
    assert paper["extra"] == {"booktitle": "ICML", "pages": "1--9", "note": "x"}
    assert paper["field_sources"]["abstract"] == ARRIVES_FROM and paper["field_sources"]["extra.note"] == ARRIVES_FROM
    assert paper["field_sources"]["name"] == "bibtex:first.bib#smith2020"
    assert node["provenance"] == "bibtex:first.bib"
    assert [k for k, _ in problems] == ["kept-value"] * 2  # venue, extra.booktitle (the title differs only in case)
    assert any("venue: kept 'ICML'" in m and "ignored 'NeurIPS'" in m for _, m in problems)


def test_merge_policy_is_a_pure_function():
    current = {f: None for f in merge.MERGED_FIELDS} | {"name": "A", "doi": "10.1/a", "extra": {}}
    out = merge.merge_paper(current, {"name": "f#1", "doi": "f#1"}, {"name": "B", "doi": "10.1/b", "venue": "V"},
                            {"name": "g#2", "doi": "g#2", "venue": "g#2"})
    assert out.values["name"] == "A" and out.values["doi"] == "10.1/a" and out.values["venue"] == "V"
    assert out.sources == {"name": "f#1", "doi": "f#1", "venue": "g#2"} and out.changed
    assert [k.field for k in out.kept] == ["name"]  # a DOI is never rewritten, and not reported as kept
    same_source = merge.merge_paper(current, {"name": "f#1"}, {"name": "B"}, {"name": "f#1"})
    assert same_source.values["name"] == "B" and not same_source.kept
    forced = merge.merge_paper(current, {"name": "f#1"}, {"name": "B"}, {"name": "g#2"}, overwrite=True)
    assert forced.values["name"] == "B" and forced.sources["name"] == "g#2"
    assert current["name"] == "A"  # the input is not changed



def test_a_new_paper_merges_as_into_nothing():
    incoming = {"name": "A", "year": 2020, "doi": "", "authors": [], "venue": "V", "extra": {"note": "n", "pages": ""}}
    for given in (incoming, {"name": "A"}, {"name": "A", "extra": None}):
        fast = merge.new_paper(given, "f#1")
        slow = merge.merge_paper(None, None, given, merge.sources_for(given, "f#1"))
        assert (fast.values, list(fast.sources.items()), fast.changed, fast.kept) == (slow.values, list(slow.sources.items()), slow.changed, slow.kept)
    assert list(merge.new_paper(incoming, "f#1").sources) == ["name", "year", "venue", "extra.note", "extra.pages"]


def test_write_papers_reports_per_row_and_single_writes_raise(session):
    rows = [
        batch.PaperRow("paper:a", {"name": "A", "year": 99999, "doi": "10.1234/x"}, "t"),
        batch.PaperRow("paper:b", {"name": "B", "doi": "10.1234/x"}, "t"),
        batch.PaperRow("paper:c", {"name": ""}, "t"),
    ]
    a, b, c = batch.write_papers(session, rows)
    assert a.change == service.ADDED and [p.kind for p in a.problems] == ["odd-year"]
    assert "from -2999 to 2999" in a.problems[0].message
    assert b.change == service.ADDED and [p.kind for p in b.problems] == ["identifier-taken"]
    assert session.get(Paper, "paper:b").doi is None
    assert c.change == batch.REFUSED and session.get(Node, "paper:c") is None
    with pytest.raises(Conflict, match="already belongs to paper:a"):
        service.upsert_paper(session, "paper:d", title="D", year=2020, provenance="t", doi="10.1234/x")
    with pytest.raises(InvalidInput, match="year must be a whole number from -2999 to 2999"):
        service.upsert_paper(session, "paper:e", title="E", year=-99999, provenance="t")


def test_write_edges_checks_every_row_even_when_many_are_alike(session):
    # Rows alike in relation, end kinds and values pass the edge rules once;
    # a self-link, a bad year or an unknown kind among them is still refused.
    batch.write_papers(session, [batch.PaperRow(f"paper:{k}", {"name": k.upper()}, "t") for k in "abcd"])
    service.upsert_node(session, "technique:t", provenance="t", name="T", category="method")
    rows = [
        batch.EdgeRow("paper:a", "cites", "paper:b", "t", year=2020),
        batch.EdgeRow("paper:c", "cites", "paper:c", "t", year=2020),
        batch.EdgeRow("paper:c", "cites", "paper:d", "t", year=True),
        batch.EdgeRow("paper:d", "cites", "technique:t", "t", year=2020),
        batch.EdgeRow("paper:d", "cites", "paper:a", "t", year=99999),
        batch.EdgeRow("paper:d", "cites", "paper:b", "t", note=["not text"]),
        batch.EdgeRow("paper:d", "cites", "paper:c", "t", year=2020),
    ]
    problems = batch.write_edges(session, rows)
    assert [p and p.kind for p in problems] == [None, "invalid-input", "invalid-input", "forbidden-relation", "invalid-input", "invalid-input", None]
    assert "linked to itself" in problems[1].message and "got True" in problems[2].message
    assert bulk.edges_from(session, ["paper:a", "paper:c", "paper:d"]) == {("paper:a", "cites", "paper:b"), ("paper:d", "cites", "paper:c")}


# -- one year rule ---------------------------------------------------------------


def test_one_year_rule_names_the_field_and_the_range(session):
    service.upsert_node(session, "technique:a", provenance="t", name="A", category="method")
    service.upsert_node(session, "technique:b", provenance="t", name="B", category="method")
    for bad in (99999, -99999):
        with pytest.raises(InvalidInput, match=r"year must be a whole number from -2999 to 2999, got " + str(bad)):
            service.link(session, "technique:a", "enables", "technique:b", provenance="t", year=bad)
        with pytest.raises(InvalidInput, match=r"year must be a whole number from -2999 to 2999, got " + str(bad)):
            service.update_node(session, "technique:a", year=bad)
    service.link(session, "technique:a", "enables", "technique:b", provenance="t", year=2999)


# -- aliases never shadow ids -----------------------------------------------------


def test_an_ids_field_cannot_make_an_alias_of_another_nodes_id(engine):
    with database.session_scope(engine) as s:
        service.upsert_node(s, "technique:transformer", provenance="t", name="Transformer", category="architecture")
    text = ("@article{b1, title={Before}, year={2019}}\n"
            "@article{a1, title={Some Paper}, year={2020}, ids={technique:transformer, paper:b1, a1-old}}\n")
    report = load.ingest_source(engine, "ids.bib", text=text)
    taken = [p for p in report.problems if p["kind"] == "alias-taken"]
    assert len(taken) == 2 and {p["key"] for p in taken} == {"a1"}
    assert all("id of another node" in p["message"] for p in taken)
    with database.session_scope(engine) as s:
        assert service.resolve_id(s, "technique:transformer") == "technique:transformer"
        assert service.resolve_id(s, "a1-old") == "paper:a1"
        with pytest.raises(Conflict, match="id of another node"):
            service.add_alias(s, "paper:a1", "paper:b1")
    assert load.ingest_source(engine, "ids.bib", text=text, strict=True).aborted


# -- the report file ----------------------------------------------------------------


def test_the_report_file_is_written_when_an_ingest_fails_outright(cli, tmp_path):
    bib = tmp_path / "big.bib"
    bib.write_text(FIRST * 3)
    report = tmp_path / "report.json"
    code, _, err = cli("ingest", str(bib), "--db", tmp_path / "x.db", "--report", report, "--max-file-bytes", "10")
    assert code != 0 and err.strip().count("\n") == 0 and err.strip().startswith("error:")
    data = json.loads(report.read_text())
    assert [f["source"] for f in data["files"]] == [str(bib)]
    assert "10" in data["files"][0]["aborted"]


def test_a_batch_reads_each_kind_of_paper_identity_once(engine):
    """Placing a batch reads the stored papers sharing a DOI, a title or a
    citation key with its records in one statement per kind of key (each
    record's own paper:KEY among the ids), on either backend: the papers the
    batch merges into are not read a second time."""
    from sqlalchemy import event

    text = "".join(f"@article{{k{i}, title={{Paper {i}}}, author={{Smith, A}}, year={{2020}}, doi={{10.1234/p{i}}}}}\n" for i in range(5))
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _many):
        if "FROM paper JOIN node" in " ".join(statement.split()):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = load.ingest_source(engine, "papers.bib", text=text)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.new == 5 and not report.errors
    assert len(statements) == 3  # by DOI, by title key, by node id (no record has an arXiv id)


def test_the_rows_a_paper_write_makes_have_every_column():
    # batch._node_row and _paper_row spell the columns out: one added to the models must be added there too.
    assert batch._NODE_VALUES == tuple(c for c in bulk.NODE_COLUMNS if c in merge.MERGED_FIELDS)
    state = batch._State({"name": "A", "year": None, "extra": {}}, {}, "a", "t", True)
    assert set(batch._paper_row("paper:a", state)) == set(bulk.PAPER_COLUMNS)
    assert set(batch._node_row("paper:a", state)) | {"category", "binding"} == set(bulk.NODE_COLUMNS)


def test_json_columns_are_stored_as_json_dumps_spells_them(sqlite_engine):
    """graph/bulk.py encodes the JSON columns itself on SQLite; the text is
    what SQLAlchemy's JSON type (json.dumps) would have written, so stores
    written either way read and compare alike."""
    authors = ["Müller, Jörg", 'O"Brien, Pat']
    extra = {"note": "tab\there", "pages": "1--9", "n": "é\u2028"}
    with database.session_scope(sqlite_engine) as s:
        (write,) = batch.write_papers(s, [batch.PaperRow("paper:m", {"name": "M", "authors": authors, "extra": extra}, "f#m")])
        assert write.change == service.ADDED
    with sqlite_engine.connect() as c:
        stored = c.exec_driver_sql("SELECT authors, extra, field_sources FROM paper WHERE node_id = 'paper:m'").one()
    assert tuple(stored) == (json.dumps(authors), json.dumps(extra), json.dumps([["f#m", "name", "authors", "extra.note", "extra.pages", "extra.n"]]))


def test_title_keys_are_the_words_joined_by_one_space():
    """Both spellings of the title key (graph/identifiers.py, and ingest's
    ASCII fast path) give letters and digits, lower case, accents dropped,
    each run of anything else one space, none at the ends."""
    import re
    import unicodedata

    from aiprogress.graph.identifiers import title_key
    from aiprogress.ingest import identity

    def by_definition(title: str) -> str:
        text = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
        return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()

    titles = ["", "  ", "Attention Is All You Need", "  {BERT}: Pre-training -- of\tDeep\nBidirectional ... ", "x", "---",
              "Über die Größe: 3D-Modelle (2nd ed.)", "Ångström-scale  NLP!", "123 go", "ﬁne-tuning ½"]
    for t in titles:
        assert title_key(t) == identity.title_key(t) == by_definition(t), t
    assert title_key(None) == identity.title_key(None) == ""


def test_a_batch_of_more_than_900_records_reads_each_kind_of_key_in_one_statement(sqlite_engine):
    """On SQLite the look-ups of a batch bind as many keys as SQLite allows
    (32,766 since 3.32), not 900: a batch of 2,000 entries read its aliases,
    its ids and each kind of identity in three statements each."""
    from sqlalchemy import event

    text = "".join(f"@article{{k{i}, title={{Paper {i}}}, author={{Smith, A}}, year={{2020}}, doi={{10.1234/p{i}}}}}\n" for i in range(1000))
    statements: list[str] = []
    event.listen(sqlite_engine, "before_cursor_execute", lambda _c, _k, statement, *_: statements.append(" ".join(statement.split())))
    report = load.ingest_source(sqlite_engine, "many.bib", text=text)
    assert report.new == 1000 and not report.errors
    reads = [s for s in statements if s.startswith("SELECT") and " IN (" in s]
    assert sum("FROM alias WHERE alias IN" in s for s in reads) == 1
    assert sum("FROM paper JOIN node" in s for s in reads) == 3  # DOIs, title keys, node ids
