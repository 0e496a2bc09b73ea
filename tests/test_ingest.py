"""ingest/load.py + identity.py: BibTeX into a real store (identity, merging,
provenance, relations, strict/dry-run, limits), and the `ingest` command."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import search, service
from aiprogress.graph.models import Alias, Edge, Node, Paper
from aiprogress.ingest import load
from aiprogress.ingest.identity import arxiv_of, doi_of, first_author_key


def ingest(engine, text: str, name: str = "a.bib", **options) -> load.IngestReport:
    return load.ingest_source(engine, name, text=text, **options)


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def aliases(engine, node_id: str) -> set[str]:
    with Session(engine) as s:
        return set(s.execute(select(Alias.alias).where(Alias.node_id == node_id)).scalars())


def paper(engine, node_id: str) -> tuple[Node, Paper]:
    with Session(engine) as s:
        return s.get(Node, node_id), s.get(Paper, node_id)


def revision(engine) -> int:
    with Session(engine) as s:
        return service.current_revision(s)


# --- identity rules (pure) -----------------------------------------------------------


def test_doi_and_arxiv_are_found_wherever_they_are_written():
    assert doi_of({"doi": "https://doi.org/10.1000/ABC.d"}) == "10.1000/abc.d"
    assert doi_of({"url": "http://dx.doi.org/10.18653/v1/P18-1001"}) == "10.18653/v1/p18-1001"
    assert arxiv_of({"eprint": "1706.03762v5", "archiveprefix": "arXiv"}) == "1706.03762"
    assert arxiv_of({"eprint": "1706.03762", "eprinttype": "arxiv"}) == "1706.03762"
    assert arxiv_of({"journal": "arXiv preprint arXiv:1607.06450"}) == "1607.06450"
    assert arxiv_of({"url": "https://arxiv.org/abs/cs/0112017v2"}) == "cs/0112017"
    assert arxiv_of({"doi": "10.48550/arXiv.2005.14165"}) == "2005.14165"
    assert arxiv_of({"eprint": "PMC12345", "eprinttype": "pubmed"}) is None


def test_first_author_surname_in_either_name_order():
    assert first_author_key(["van der Maaten, Laurens"]) == first_author_key(["Laurens van der Maaten"]) == "maaten"
    assert first_author_key(["Müller, J."]) == first_author_key(["J. Muller"]) == "muller"


# --- identity in the store -------------------------------------------------------------


def test_same_doi_under_two_keys_in_two_files_is_one_node_with_both_aliases(engine):
    r1 = ingest(engine, "@article{vaswani2017, title={Attention Is All You Need}, year=2017, doi={10.5555/3295222.3295349}}", "one.bib")
    r2 = ingest(engine, "@inproceedings{Vaswani:NIPS17, title={Attention is all you need}, year=2017, doi={https://doi.org/10.5555/3295222.3295349}, pages={5998--6008}}", "two.bib")
    assert (r1.new, r2.new, r2.merged) == (1, 0, 1)
    assert count(engine, Node) == 1
    assert aliases(engine, "paper:vaswani2017") == {"vaswani2017", "vaswani:nips17"}
    node, row = paper(engine, "paper:vaswani2017")
    assert row.extra["pages"] == "5998--6008"
    assert row.field_sources["extra.pages"] == "bibtex:two.bib#Vaswani:NIPS17"
    assert row.field_sources["name"] == "bibtex:one.bib#vaswani2017"


def test_arxiv_version_and_spelling_do_not_split_a_work(sqlite_engine):
    text = """@article{a, title={Layer Normalization}, year=2016, journal={arXiv preprint arXiv:1607.06450}}
@misc{b, title={Layer norm (v2)}, year=2016, eprint={1607.06450v2}, archivePrefix={arXiv}}"""
    report = ingest(sqlite_engine, text)
    assert (report.new, report.merged) == (1, 1)
    assert aliases(sqlite_engine, "paper:a") == {"a", "b"}


def test_title_and_year_match_only_when_first_authors_agree(sqlite_engine):
    text = """@article{x1, title={Deep {L}earning}, author={LeCun, Yann and Bengio, Y.}, year=2015}
@book{x2, title={Deep learning.}, author={Yann LeCun}, year=2015}
@book{x3, title={Deep Learning}, author={Goodfellow, Ian}, year=2016}
@book{x4, title={Deep Learning}, author={Goodfellow, Ian}, year=2015}
@misc{n1, title={Personal notes}, year=1992}
@misc{n2, title={Personal notes}, year=1992}"""
    report = ingest(sqlite_engine, text)
    # x2 is x1; x3 differs by year; x4 by first author; untitled-author placeholders stay apart.
    assert (report.new, report.merged) == (5, 1)
    assert aliases(sqlite_engine, "paper:x1") == {"x1", "x2"}


def test_reingesting_an_unchanged_file_writes_nothing(sqlite_engine):
    text = "@article{a, title={A}, year=2001}\n@article{b, title={B}, year=2002, cites={a}}"
    first = ingest(sqlite_engine, text)
    assert (first.new, first.edges_added) == (2, 1)
    before = revision(sqlite_engine)
    again = ingest(sqlite_engine, text)
    assert (again.new, again.merged, again.unchanged, again.edges_added) == (0, 0, 2, 0)
    assert revision(sqlite_engine) == before
    assert count(sqlite_engine, Node) == 2 and count(sqlite_engine, Edge) == 1


def test_a_later_file_never_silently_overwrites_and_overwrite_allows_it(sqlite_engine):
    ingest(sqlite_engine, "@article{a, title={Original Title of the Work}, journal={J One}, year=2001, doi={10.1000/x}}", "mine.bib")
    report = ingest(sqlite_engine, "@article{other, title={Changed Title of the Work}, journal={J Two}, year=2001, doi={10.1000/X}, volume={3}}", "theirs.bib")
    node, row = paper(sqlite_engine, "paper:a")
    assert (node.name, row.venue, row.extra["journal"], row.extra["volume"]) == ("Original Title of the Work", "J One", "J One", "3")
    kept = [p for p in report.problems if p["kind"] == "kept-value"]
    assert any("'Original Title of the Work'" in p["message"] and "'Changed Title of the Work'" in p["message"] for p in kept)
    ingest(sqlite_engine, "@article{other, title={Changed Title of the Work}, journal={J Two}, year=2001, doi={10.1000/X}}", "theirs.bib", overwrite=True)
    node, row = paper(sqlite_engine, "paper:a")
    assert (node.name, row.venue) == ("Changed Title of the Work", "J Two")
    assert row.field_sources["name"] == "bibtex:theirs.bib#other"


def test_the_same_file_edited_updates_its_own_values(sqlite_engine):
    ingest(sqlite_engine, "@article{a, title={Tpyo in title}, year=2001}", "mine.bib")
    report = ingest(sqlite_engine, "@article{a, title={Typo in title}, year=2001}", "mine.bib")
    assert (report.new, report.merged) == (0, 1)
    assert paper(sqlite_engine, "paper:a")[0].name == "Typo in title"


def test_same_key_for_a_different_work_in_another_file_gets_its_own_node(sqlite_engine):
    ingest(sqlite_engine, "@article{smith2020, title={On Apples}, author={Smith, A.}, year=2020}", "one.bib")
    report = ingest(sqlite_engine, "@article{smith2020, title={On Pears}, author={Smith, B.}, year=2020}", "two.bib")
    assert report.new == 1
    assert paper(sqlite_engine, "paper:smith2020-2")[0].name == "On Pears"
    assert [p["kind"] for p in report.problems] == ["kept-value"]  # the key already names the first


# --- relations ---------------------------------------------------------------------------


@pytest.fixture
def with_nodes(sqlite_engine):
    with database.session_scope(sqlite_engine) as s:
        service.upsert_node(s, "constraint:compute", provenance="test", name="Compute", binding="hard")
        service.upsert_node(s, "technique:transformer", provenance="test", name="Transformer", category="architecture")
        service.add_alias(s, "technique:transformer", "Transformer")
        service.add_alias(s, "technique:transformer", "self-attention")
        service.upsert_node(s, "field:neuroscience", provenance="test", name="Neuroscience")
    return sqlite_engine


def test_relation_fields_become_edges_with_provenance_and_evidence(with_nodes):
    text = """@article{old, title={Old}, year=1990}
@article{new, title={New}, year=2017,
  relaxes = {constraint:compute}, techniques = {transformer}, Inspired_By = {field:neuroscience and old},
  cites = {old, nosuchpaper}, enables = {constraint:compute}}"""
    report = ingest(with_nodes, text, "rel.bib")
    with Session(with_nodes) as s:
        edges = {(e.source_id, e.relation, e.target_id): e for e in s.scalars(select(Edge))}
    assert set(edges) == {
        ("paper:new", "relaxes", "constraint:compute"),
        ("paper:new", "introduces", "technique:transformer"),
        ("paper:new", "inspired-by", "field:neuroscience"),
        ("paper:new", "inspired-by", "paper:old"),
        ("paper:new", "cites", "paper:old"),
    }
    e = edges[("paper:new", "relaxes", "constraint:compute")]
    assert (e.provenance, e.note, e.year, e.inferred) == ("bibtex:rel.bib#new", "BibTeX field relaxes of new", 2017, False)
    kinds = sorted(p["kind"] for p in report.errors)
    assert kinds == ["forbidden-relation", "unknown-reference"]
    assert any("nosuchpaper" in p["message"] for p in report.errors)
    assert count(with_nodes, Node) == 5  # nothing invented for the unknown reference


def test_keywords_naming_a_technique_become_the_linkers_links_not_introduces_facts(with_nodes):
    report = ingest(with_nodes, "@article{p, title={P}, year=2018, keywords={Self-Attention; speech}}")
    with Session(with_nodes) as s:
        (edge,) = s.scalars(select(Edge)).all()
    assert (edge.relation, edge.target_id, edge.inferred, edge.provenance) == ("mentions", "technique:transformer", True, "linker:1")
    assert edge.note == "keywords: Self-Attention" and 0 < edge.confidence < 1
    assert report.edges_inferred == 1


# --- strict, dry run, limits ------------------------------------------------------------


BAD = "@article{good, title={Good}, year=2001}\n@article{bad, title={Bad}, year={20O1}}\n"


def test_default_reports_bad_entries_and_ingests_the_rest(sqlite_engine):
    report = ingest(sqlite_engine, BAD)
    assert report.new == 2 and [p["kind"] for p in report.errors] == ["odd-year"]
    assert report.errors[0]["line"] == 2


def test_strict_aborts_the_file_with_nothing_written(sqlite_engine):
    report = ingest(sqlite_engine, BAD, strict=True)
    assert report.aborted and "odd-year" in report.aborted
    assert count(sqlite_engine, Node) == 0


def test_strict_aborts_on_a_problem_found_while_writing(with_nodes):
    report = ingest(with_nodes, "@article{a, title={A}, year=2001}\n@article{b, title={B}, year=2001, cites={ghost}}", strict=True)
    assert report.aborted and "ghost" in report.aborted
    assert count(with_nodes, Paper) == 0


def test_dry_run_reports_what_would_happen_and_writes_nothing(sqlite_engine):
    report = ingest(sqlite_engine, "@article{a, title={A}, year=2001, doi={10.1000/a}}\n@article{b, title={A again}, doi={10.1000/A}}", dry_run=True)
    assert (report.new, report.merged, report.dry_run) == (1, 1, True)
    assert count(sqlite_engine, Node) == 0 and revision(sqlite_engine) == 0


def test_batches_see_each_other(sqlite_engine):
    text = "".join(f"@article{{k{i}, title={{Paper {i}}}, year=2000, doi={{10.1000/{i % 50}}}}}\n" for i in range(120))
    report = ingest(sqlite_engine, text, batch_size=7)
    assert (report.new, report.merged) == (50, 70)
    assert count(sqlite_engine, Alias) == 120


# --- the command ---------------------------------------------------------------------------


def test_cli_ingest_summary_report_file_and_strict_exit(cli, tmp_path):
    db = tmp_path / "g.db"
    bib = tmp_path / "refs.bib"
    bib.write_text(BAD + "@ InProceedings{hidden,\n title={H}\n}\n")
    report_file = tmp_path / "r.json"
    code, out, _ = cli("ingest", str(bib), "--db", db, "--report", report_file)
    assert code == 0 and "refs.bib" in out and "not-an-entry" in out
    data = json.loads(report_file.read_text())
    (f,) = data["files"]
    assert (f["new"], f["problem_count"]) == (2, 2)
    assert {(p["kind"], p["line"]) for p in f["problems"]} == {("odd-year", 2), ("not-an-entry", 3)}
    code, out, err = cli("ingest", str(bib), "--db", tmp_path / "s.db", "--strict")
    assert code == 3 and "nothing written" in err


def test_cli_ingest_dir_and_stdin_and_dry_run(cli, tmp_path, monkeypatch):
    import io
    import sys

    folder = tmp_path / "bibs"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.bib").write_text("@article{a, title={A}, year=2001}")
    (folder / "sub" / "two.bib").write_text("@article{b, title={B}, year=2002, cites={a}}")
    db = tmp_path / "g.db"
    code, out, _ = cli("ingest", folder, "--db", db, "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True
    code, out, _ = cli("ingest", folder, "--db", db, "--json")
    files = json.loads(out)["files"]
    assert [f["new"] for f in files] == [1, 1] and files[1]["edges_added"] == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO("@article{c, title={C}, year=2003}"))
    code, out, _ = cli("ingest", "-", "--db", db, "--json")
    assert json.loads(out)["files"][0]["new"] == 1


def test_cli_field_length_limit(cli, tmp_path):
    bib = tmp_path / "long.bib"
    bib.write_text("@article{a, title={A}, abstract={%s}}\n@article{b, title={B}}" % ("x" * 500))
    code, out, _ = cli("ingest", bib, "--db", tmp_path / "g.db", "--max-field-chars", "100", "--json")
    f = json.loads(out)["files"][0]
    assert f["new"] == 1 and f["problems"][0]["kind"] == "limit"
    code, _, err = cli("ingest", bib, "--db", tmp_path / "g.db", "--max-file-bytes", "10")
    assert code != 0 and "limit" in err and "long.bib" in err


def test_a_title_edited_by_a_user_survives_re_ingest(engine, tmp_path):
    """Issue 4: a later file never silently overwrites a value a user curated."""
    from aiprogress.graph import db as database
    from aiprogress.graph import service
    from aiprogress.ingest import load

    bib = tmp_path / "refs.bib"
    bib.write_text("@article{smith2020deep,\n  title = {Deep Things},\n  author = {Smith, Ann},\n  year = {2020},\n}\n")
    with database.session_scope(engine) as s:
        load.ingest_file(s, bib)
    with database.session_scope(engine) as s:
        service.update_node(s, "paper:smith2020deep", name="Deep Things, Revisited")
    with database.session_scope(engine) as s:
        report = load.ingest_file(s, bib)
    with database.session_scope(engine) as s:
        assert service.get_node(s, "paper:smith2020deep").name == "Deep Things, Revisited"
        assert search.search(s, "revisited")[0].node_id == "paper:smith2020deep"
    assert any(p["kind"] == "kept-value" and "Deep Things, Revisited" in p["message"] for p in report.to_dict()["problems"])


def test_several_files_read_the_linkers_lexicon_once_and_each_is_linked(builtin_engine, tmp_path, monkeypatch):
    from aiprogress.graph import linking

    builds = []
    real = linking.lexicon
    monkeypatch.setattr(linking, "lexicon", lambda *a, **k: builds.append(1) or real(*a, **k))
    paths = []
    for n in range(3):
        path = tmp_path / f"f{n}.bib"
        path.write_text(f"@article{{p{n}, title={{Dropout regularizes deep networks, part {n}}}, year={{2015}}}}\n", encoding="utf-8")
        paths.append(str(path))
    reports = list(load.ingest_sources(builtin_engine, paths, parse_ahead=False))
    assert [r.edges_inferred for r in reports] == [1, 1, 1] and len(builds) == 1


def test_two_different_works_under_one_key_become_two_papers_with_their_own_words(sqlite_engine):
    text = ("@article{k1, title={First Work About Cats}, author={Doe, Jane}, year={2001}, journal={J1}}\n"
            "@article{k1, title={Second Different Work On Dogs}, author={Roe, Rick}, year={2005}, volume={7}}\n")
    report = ingest(sqlite_engine, text)
    assert report.new == 2 and [p["kind"] for p in report.problems] == ["duplicate-key"]
    with Session(sqlite_engine) as s:
        papers = {p.citation_key: (s.get(Node, p.node_id).name, p.authors, s.get(Node, p.node_id).year)
                  for p in s.exec(select(Paper)).scalars()}
    assert papers == {"k1": ("First Work About Cats", ["Doe, Jane"], 2001),
                      "k1-2": ("Second Different Work On Dogs", ["Roe, Rick"], 2005)}
