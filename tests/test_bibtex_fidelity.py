"""BibTeX fidelity on real samples (tests/samples/bibtex-fidelity, licences in
its README): no merged works, no lost words, exports that re-import."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import export, rdf
from aiprogress.graph.models import Edge, Node, Paper
from aiprogress.ingest import load
from aiprogress.ingest.bibtex import decode_latex, parse_file, parse_text, year_of

SAMPLES = Path(__file__).parent / "samples" / "bibtex-fidelity"


def store(tmp_path, name="store.db"):
    engine = database.open_engine(str(tmp_path / name))
    database.create_schema(engine)
    return engine


def papers(engine) -> dict:
    with Session(engine) as s:
        return {p.node_id: (s.get(Node, p.node_id).name, s.get(Node, p.node_id).year, p.authors, p.venue, p.doi, p.arxiv_id, p.url,
                            p.abstract, p.entry_type, p.extra) for p in s.scalars(select(Paper))}


def counts(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(Node)).scalar_one(), s.execute(select(func.count()).select_from(Edge)).scalar_one()


# --- 1. crossref, xdata and @set carry no identity -------------------------------------


def test_crossref_children_do_not_inherit_the_proceedings_doi(tmp_path):
    engine = store(tmp_path)
    text = """@inproceedings{a, title={First Paper}, author={Ann, A.}, crossref={icml2020}}
@inproceedings{b, title={Second Paper}, author={Bob, B.}, crossref={icml2020}}
@proceedings{icml2020, title={Proceedings of the 37th ICML}, year=2020, doi={10.5555/icml2020}, url={https://icml.cc/2020}}"""
    report = load.ingest_source(engine, "icml.bib", text=text, strict=True)
    assert report.aborted is None and report.new == 3
    rows = papers(engine)
    assert rows["paper:a"][4] is None and rows["paper:a"][6] is None
    assert rows["paper:a"][3] == "Proceedings of the 37th ICML" and rows["paper:a"][1] == 2020
    assert rows["paper:icml2020"][4] == "10.5555/icml2020"


def test_biber_sets_are_no_papers_and_their_members_stay_apart(tmp_path):
    engine = store(tmp_path)
    report = load.ingest_source(engine, str(SAMPLES / "biber-sets.bib"), strict=True)
    assert report.aborted is None
    assert sorted(papers(engine)) == ["paper:Elias1955a", "paper:Elias1955b"]
    assert [p["kind"] for p in report.problems if p["key"] == "Elias1955"] == ["set"]


def test_biber_xdata_is_read_into_its_users_through_aliases_and_is_no_paper():
    result = parse_file(SAMPLES / "biber-xdata.bib")
    (xd1,) = result.records
    assert (xd1.fields["publisher"], xd1.fields["location"], xd1.fields["note"]) == ("Macmillan", "New York and London", "A Note")
    assert "ids" not in xd1.fields and "xdata" not in xd1.fields
    assert [(p.kind, p.key) for p in result.errors] == [("undefined-crossref", "xd1")]  # `missingxd`


# --- 2. LaTeX: logos become names, formatting keeps its text, the unknown is kept ----------


@pytest.mark.parametrize("latex, text", [
    (r"{\TeX}", "TeX"), (r"\LaTeX\ and \BibTeX", "LaTeX and BibTeX"), (r"\texttt{word2vec}", "word2vec"),
    (r"\mbox{T5}", "T5"), (r"\textsf{BLEU}", "BLEU"), (r"{\tt SYSDEP}", "SYSDEP"), (r"Pascal \MF", "Pascal Metafont"),
    (r"{\I}lhan", r"\Ilhan"), (r"How to build a {\tt \bs strut}", r"How to build a \strut"),
    (r"Don't just {\tt \char`\\let} \TeX\ hang", r"Don't just \let TeX hang"), (r"a\textasciicircum{}b", "a^b"), (r"\foo{bar} baz", r"\foo{bar} baz"), (r"M{\"u}ller", "Müller"),
])
def test_latex_words_are_never_lost(latex, text):
    assert decode_latex(latex) == text


def test_tugboat_titles_keep_their_logos_and_unknown_macros_are_reported():
    result = parse_file(SAMPLES / "tugboat-excerpt.bib")
    titles = {r.key: r.fields["title"] for r in result.records}
    assert titles["Wonneberger:TB12-1-111"] == "BibTeX reconsidered"
    assert titles["Fuchs:TB1-1-17"] == "The format of TeX's DVI files"
    assert titles["Kim:TB2-1-10"] == "Update on Pascal Metafont"
    assert titles["Lawson:TB2-1-20"].endswith("TeX/Pascal compilation unit, SYSDEP")
    unknown = parse_text(r"@article{k, title={A \weird{macro}}}")
    assert unknown.records[0].fields["title"] == r"A \weird{macro}"
    assert [(p.kind, p.line, p.key) for p in unknown.errors] == [("unknown-latex", 1, "k")]


def test_hostile_nesting_is_one_problem_and_the_rest_of_the_file_is_ingested(tmp_path):
    engine = store(tmp_path)
    text = ("@article{good1, title={Good one}, year=2001}\n"
            "@article{deep, title={" + "{" * 300 + "x" + "}" * 300 + "}}\n"
            "@article{bold, title={" + r"\textbf{" * 3000 + "x" + "}" * 3000 + "}}\n"
            "@article{good2, title={Good two}, year=2002}\n")
    report = load.ingest_source(engine, "hostile.bib", text=text)
    assert sorted(papers(engine)) == ["paper:good1", "paper:good2"]
    assert [(p["kind"], p["line"], p["key"]) for p in report.errors] == [("bad-latex", 2, "deep"), ("bad-latex", 3, "bold")]


# --- 3. identity: no merged articles, conflicts reported -------------------------------------


def test_two_tugboat_greetings_of_one_issue_stay_two_papers(tmp_path):
    engine = store(tmp_path)
    report = load.ingest_source(engine, str(SAMPLES / "tugboat-excerpt.bib"))
    assert report.new == report.entries == 7
    greetings = [v for v in papers(engine).values() if v[0] == "Greetings from the Editor"]
    assert len(greetings) == 2


def test_a_shared_doi_with_a_different_title_is_an_identity_conflict(tmp_path):
    engine = store(tmp_path)
    text = """@article{one, title={Predictive coding}, author={Elias, P.}, year=1955, doi={10.1109/TIT.1955.1055126}}
@article{two, title={A completely unrelated survey of bananas}, author={Other, O.}, year=2011, doi={10.1109/tit.1955.1055126}}
@article{three, title={Yet another thing entirely}, author={Third, T.}, year=2019, eprint={1706.03762}, archiveprefix={arXiv}}
@article{four, title={Attention is all you need}, author={Vaswani, A.}, year=2017, eprint={1706.03762v2}, archiveprefix={arXiv}}"""
    report = load.ingest_source(engine, "clash.bib", text=text)
    conflicts = [p for p in report.errors if p["kind"] == "identity-conflict"]
    assert [p["key"] for p in conflicts] == ["two", "four"]
    assert "paper:one" in conflicts[0]["message"] and "clash.bib#one" in conflicts[0]["message"]
    assert len(papers(engine)) == 4
    assert papers(engine)["paper:two"][9]["doi"] == "10.1109/tit.1955.1055126"
    strict = load.ingest_source(store(tmp_path, "strict.db"), "clash.bib", text=text, strict=True)
    assert strict.aborted and "identity-conflict" in strict.aborted
    with Session(engine) as s:
        exported = export.export_bytes(s, "bibtex").decode("utf-8")
    again = store(tmp_path, "again.db")
    load.ingest_source(again, "export.bib", text=exported)
    assert papers(again) == papers(engine)


def test_jabref_complex_bib_doi_shared_by_two_articles_is_reported(tmp_path):
    engine = store(tmp_path)
    report = load.ingest_source(engine, str(SAMPLES / "jabref-complex-excerpt.bib"))
    assert report.new == 2
    (conflict,) = [p for p in report.errors if p["kind"] == "identity-conflict"]
    assert conflict["key"] == "10250999" and "paper:1025014" in conflict["message"] and "jabref-complex-excerpt.bib#1025014" in conflict["message"]
    strict = load.ingest_source(store(tmp_path, "strict.db"), str(SAMPLES / "jabref-complex-excerpt.bib"), strict=True)
    assert strict.aborted and "identity-conflict" in strict.aborted


# --- 4 and 5. exports round-trip ------------------------------------------------------------


FAITHFUL = r"""@article{Cai09, title={{BERT} for \{braces\} and \$5 and \$10, 50\% \& \#1 a\_b}, author={{Barnes and Noble} and Smith, J. and others}, year=2009, journal={J. of {ImageNet} Studies}}
@article{x1, title={Plain}, year=2001, date={2001-01-03T15:00:00}, cites={Cai09}}
"""


def test_bibtex_export_is_faithful_and_keys_are_unique_ignoring_case(tmp_path):
    first = store(tmp_path, "first.db")
    load.ingest_source(first, "one.bib", text=FAITHFUL)
    load.ingest_source(first, "two.bib", text="@article{cai09, title={Another Work Altogether}, year=2009, volume={3}}")
    assert "paper:cai09-2" in papers(first)
    with Session(first) as s:
        text = export.export_bytes(s, "bibtex").decode("utf-8")
    keys = [line.split("{", 1)[1].rstrip(",").lower() for line in text.splitlines() if line.startswith("@")]
    assert len(keys) == len(set(keys)) == 3
    assert "{BERT}" in text and r"\$5" in text and "{Barnes and Noble} and Smith, J. and others" in text
    second = store(tmp_path, "second.db")
    again = load.ingest_source(second, "export.bib", text=text)
    assert again.errors == []
    assert papers(first) == papers(second)
    assert counts(first) == counts(second)
    title, _, authors = papers(second)["paper:Cai09"][:3]
    assert title == "BERT for {braces} and $5 and $10, 50% & #1 a_b" and authors == ["Barnes and Noble", "Smith, J."]


@pytest.mark.parametrize("fmt, ext", [("turtle", "turtle"), ("nt", "ntriples"), ("json-ld", "jsonld")])
def test_rdf_export_with_a_shared_key_re_imports(tmp_path, fmt, ext):
    first = store(tmp_path, "first.db")
    load.ingest_source(first, "one.bib", text="@article{smith2020, title={On Apples}, author={Smith, A.}, year=2020}")
    load.ingest_source(first, "two.bib", text="@article{smith2020, title={On Pears}, author={Smith, B.}, year=2020, cites={smith2020}}")
    path = tmp_path / f"graph.{ext}"
    with Session(first) as s:
        path.write_bytes(export.export_bytes(s, fmt))
    second = store(tmp_path, "second.db")
    with database.session_scope(second) as s:
        rdf.from_rdf(s, rdf.parse_file(str(path)))
    assert papers(first) == papers(second)
    assert counts(first) == counts(second)


# --- 6. dates and names -------------------------------------------------------------------


@pytest.mark.parametrize("date, year", [("2001-01-03T15:00:00", 2001), ("1034~", 1034), ("1999-XX-XX", 1999), ("2009-02?", 2009),
                                        ("2001/2003", 2001), ("../2005", 2005)])
def test_biblatex_edtf_dates_give_their_year(date, year):
    result = parse_text(f"@online{{k, title={{T}}, date={{{date}}}}}")
    assert year_of(result.records[0].fields) == year and result.errors == []


def test_implausible_years_and_dates_are_reported_and_entry_types_required():
    result = parse_text("@{nokind, title={X}}\n@article{z, title={Z}, year={0000}}\n@article{d, title={D}, date={2999-13-45}}\n"
                        "@article{s, title={S}, year={2023a}, author={A, B. and others}}")
    assert [(p.kind, p.key) for p in result.errors] == [("failed-block", "nokind"), ("odd-year", "z"), ("bad-date", "d")]
    assert [p.kind for p in result.problems if p not in result.errors] == ["year-suffix"]
    s = result.records[-1]
    assert s.authors == ["A, B."] and s.fields["author-et-al"] == "yes"


def test_bibtexparser_messages_go_to_the_report_not_the_log(capfd, caplog):
    # bibtexparser logs "Parsing of `@article` block (line 0) aborted ..." (0-based) on stderr; the report has it once, 1-based.
    result = parse_text("@article{a, title={A}\n@article{b, title={B}}\n")
    assert not [r for r in caplog.records if r.name.startswith("bibtexparser")]
    assert capfd.readouterr().err == ""
    assert [(p.kind, p.line) for p in result.problems] == [("failed-block", 1)]


# --- 7. exports for tools -------------------------------------------------------------------


def test_graphml_edge_ids_are_unique_and_papers_carry_authors_venue_doi(tmp_path):
    engine = store(tmp_path)
    load.ingest_source(engine, "g.bib", text="""@article{a, title={A}, author={Ann, A. and Bob, B.}, journal={J}, doi={10.1000/a}, year=2001}
@article{b, title={B}, year=2002, cites={a}, inspired-by={a}}
@article{c, title={C}, year=2003, cites={a, b}}""")
    with Session(engine) as s:
        graphml = export.export_bytes(s, "graphml")
        gexf = export.export_bytes(s, "gexf")
    ids = [e.get("id") for e in ET.fromstring(graphml).iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(ids) == 4 and len(set(ids)) == 4
    import networkx as nx

    g = nx.read_graphml(io.BytesIO(graphml))
    assert (g.nodes["paper:a"]["authors"], g.nodes["paper:a"]["venue"], g.nodes["paper:a"]["doi"]) == ("Ann, A.; Bob, B.", "J", "10.1000/a")
    assert nx.read_gexf(io.BytesIO(gexf)).nodes["paper:a"]["doi"] == "10.1000/a"


@pytest.mark.parametrize("fmt", ["bibtex", "turtle"])
def test_all_samples_round_trip_through_an_export_into_an_empty_store(tmp_path, fmt):
    first = store(tmp_path, "first.db")
    for path in sorted(SAMPLES.glob("*.bib")):
        load.ingest_source(first, str(path))
    with Session(first) as s:
        data = export.export_bytes(s, fmt)
    second = store(tmp_path, "second.db")
    if fmt == "bibtex":
        load.ingest_source(second, "export.bib", text=data.decode("utf-8"))
    else:
        path = tmp_path / "graph.turtle"
        path.write_bytes(data)
        with database.session_scope(second) as s:
            rdf.from_rdf(s, rdf.parse_file(str(path)))
    assert counts(first) == counts(second) and counts(first)[0] >= 12
    assert papers(first) == papers(second)
