"""ingest/importers: OpenAlex, Semantic Scholar, arXiv, CSL-JSON and RIS
through the one write path, with references that resolve whenever the cited
work arrives. Committed MIT/BSD samples under tests/corpora/formats (the
suite reads nothing outside tests/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from aiprogress.graph.errors import InvalidInput
from aiprogress.graph.models import Alias, Edge, Node, Paper, PendingCitation
from aiprogress.ingest import importers, load

from api_support import TOKEN, api  # noqa: F401  (api is a fixture)

HERE = Path(__file__).parent
SAMPLES = HERE / "corpora" / "formats"


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def papers(engine) -> dict[str, Paper]:
    with Session(engine) as s:
        return {p.node_id: p for p in s.execute(select(Paper)).scalars()}


def name_of(engine, node_id: str) -> str:
    with Session(engine) as s:
        return s.get(Node, node_id).name


def ingest(engine, path, **options) -> load.IngestReport:
    return load.ingest_source(engine, str(path), **options)


def ingest_text(engine, name: str, text: str, **options) -> load.IngestReport:
    return load.ingest_source(engine, name, text=text, **options)


# --- picking the importer --------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("W2741809807_single_work.json", "openalex"),
    ("paper_batch_with_not_found_null.json", "semanticscholar"),
    ("citation_item.json", "semanticscholar"),
    ("atom_q_testing.xml", "arxiv"),
    ("bbt_Date_export_to_Better_CSL-JSON_360_811.csl.json", "csl-json"),
    ("jgmciteproc_issue_19.json", "csl-json"),
    ("rispy_example_full.ris", "ris"),
    ("rispy_example_wos.ris", "ris"),
])
def test_format_is_found_by_extension_and_content(name, expected):
    assert importers.pick(str(SAMPLES / name)).name == expected


def test_format_flag_overrides_and_unknown_json_is_reported(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"error": "Paper not found"}', encoding="utf-8")
    found, parsed = importers.parse(str(odd))
    assert not parsed.records and [p.kind for p in parsed.problems] == ["unknown-format"]
    assert importers.pick(str(odd), name="semanticscholar").name == "semanticscholar"
    with pytest.raises(Exception, match="unknown format"):
        importers.pick(str(odd), name="endnote")


# --- each format's values ---------------------------------------------------------


def test_openalex_work_abstract_authors_references_venue(sqlite_engine):
    report = ingest(sqlite_engine, SAMPLES / "W2741809807_single_work.json")
    assert (report.new, report.citations_pending, report.aborted) == (1, 45, None)
    paper = papers(sqlite_engine)["paper:openalex:W2741809807"]
    assert paper.doi == "10.7717/peerj.4375" and paper.year == 2018 and paper.venue == "PeerJ"
    assert paper.abstract.startswith("Despite growing interest in Open Access (OA) to scholarly literature")
    assert paper.authors[:2] == ["Heather Piwowar", "Jason Priem"]
    with Session(sqlite_engine) as s:
        assert {"openalex:w2741809807", "mag:2741809807"} <= set(s.execute(select(Alias.alias)).scalars())
    assert paper.field_sources["abstract"].startswith("openalex:W2741809807_single_work.json#")


@pytest.mark.parametrize("index, text", [
    ({"a": [0, 2], "b": [1]}, "a b a"),  # every position once
    ({"a": [2, 1], "b": [0]}, "b a a"),
    ({"a": [0], "b": [3]}, "a b"),  # a gap
    ({"a": [0, 0], "b": [1]}, "a b"),  # a repeated position: the later word
    ({"a": [-1], "b": [0, 1]}, "a b b"),  # a negative position comes first, not last
    ({"a": [True, 2], "b": "x"}, "a a"),  # positions that are not numbers are left out
    ({"a": [1.0, 0], "b": None}, "a"),
    ({"a": [[1]], "b": [0], "c": {"2": 1}}, "b"),
    ({}, ""),
])
def test_openalex_abstract_from_an_irregular_inverted_index(index, text):
    from aiprogress.ingest.importers.openalex import abstract_from_index
    assert abstract_from_index(index) == text


def test_imported_text_collapses_every_kind_of_space():
    from aiprogress.ingest.importers.records import text
    assert text("  Deep\tlearning\n\u00a0of  \u2003words ") == "Deep learning of words"
    assert (text(None), text(12), text("")) == ("", "12", "")


def test_openalex_list_page_and_gzipped_json_lines(sqlite_engine, tmp_path):
    import gzip
    work = json.loads((SAMPLES / "W2741809807_single_work.json").read_text(encoding="utf-8"))
    other = {**work, "id": "https://openalex.org/W1", "doi": None, "ids": {}, "title": "Another work", "referenced_works": [], "primary_location": None}
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {"count": 2}, "results": [work, other]}), encoding="utf-8")
    lines = tmp_path / "works.jsonl.gz"
    with gzip.open(lines, "wt", encoding="utf-8") as f:
        f.write(json.dumps(work) + "\n" + "{not json\n" + json.dumps(other) + "\n")
    assert ingest(sqlite_engine, page).new == 2
    report = ingest(sqlite_engine, lines)
    assert (report.entries, report.new, report.unchanged) == (2, 0, 2)
    assert [(p["line"], p["kind"]) for p in report.problems] == [(2, "failed-block")]


def test_semantic_scholar_batch_null_is_reported_and_ids_become_aliases(sqlite_engine):
    report = ingest(sqlite_engine, SAMPLES / "paper_batch_with_not_found_null.json")
    assert report.new == 3
    assert [p["kind"] for p in report.problems] == ["not-found"]
    with Session(sqlite_engine) as s:
        found = dict(s.execute(select(Alias.alias, Alias.source)).all())
    assert {a.split(":")[0] for a in found} >= {"s2", "mag"}
    assert "mag" in found.values()


def test_arxiv_atom_old_style_id_without_version_and_error_entry(sqlite_engine):
    report = ingest(sqlite_engine, SAMPLES / "atom_id_astro-ph_0601001.xml")
    (paper,) = papers(sqlite_engine).values()
    assert paper.arxiv_id == "astro-ph/0601001" and paper.year == 2006
    assert paper.extra["version"] == "v1" and report.new == 1
    bad = ingest(sqlite_engine, SAMPLES / "atom_id_abc.xml")
    assert [p["kind"] for p in bad.problems] == ["not-an-entry"] and bad.new == 0


def test_arxiv_snapshot_line_tex_decoded_first_version_year(sqlite_engine):
    line = {"id": "0704.0001", "title": "Calculation of prompt diphoton production at Tevatron and\n  LHC energies",
            "abstract": "  An $\\alpha$ test of Bal\\'azs' method\n", "authors": "C. Bal\\'azs, E. L. Berger",
            "authors_parsed": [["Bal\\'azs", "C.", ""], ["Berger", "E. L.", ""]], "categories": "hep-ph hep-ex",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, {"version": "v2", "created": "Tue, 24 Jul 2008 20:10:27 GMT"}],
            "doi": "10.1103/PhysRevD.76.013009", "journal-ref": "Phys.Rev.D76:013009,2007"}
    report = ingest_text(sqlite_engine, "snap.jsonl", json.dumps(line) + "\n", format="arxiv")
    (paper,) = papers(sqlite_engine).values()
    assert report.new == 1 and paper.arxiv_id == "0704.0001" and paper.year == 2007
    assert paper.authors == ["Balázs, C.", "Berger, E. L."]
    assert "Balázs" in paper.abstract and "\\'" not in paper.abstract
    assert name_of(sqlite_engine, paper.node_id) == "Calculation of prompt diphoton production at Tevatron and LHC energies"
    assert paper.extra["primaryclass"] == "hep-ph"


def test_csl_json_dates_particles_literal_names(sqlite_engine, tmp_path):
    items = [
        {"id": "vdm", "type": "article-journal", "title": "Visualizing Data using t-SNE", "DOI": "10.5555/tsne",
         "author": [{"family": "Maaten", "given": "Laurens", "non-dropping-particle": "van der"},
                    {"literal": "The Google Brain Team"}], "issued": {"date-parts": [[2008, 11], [2009, 2]]},
         "container-title": "JMLR"},
        {"id": "raw", "type": "book", "title": "Raw dated", "issued": {"raw": "Spring 1999 - Summer 2001"}},
        {"id": "lit", "type": "report", "title": "Literal dated", "issued": {"literal": "circa 1750"}},
    ]
    path = tmp_path / "lib.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = ingest(sqlite_engine, path)
    assert report.new == 3 and not report.errors
    got = papers(sqlite_engine)
    assert got["paper:vdm"].authors == ["van der Maaten, Laurens", "The Google Brain Team"]
    assert (got["paper:vdm"].year, got["paper:vdm"].venue, got["paper:vdm"].extra["date"]) == (2008, "JMLR", "2008-11/2009-2")
    assert got["paper:raw"].year == 1999 and got["paper:lit"].year == 1750


def test_csl_json_samples_import(sqlite_engine):
    for name in ("bbt_Date_export_to_Better_CSL-JSON_360_811.csl.json", "bbt_Pandoc-LaTeX-SCHOMD_Citation_Export.csl.json", "jgmciteproc_issue_19.json"):
        report = ingest(sqlite_engine, SAMPLES / name)
        assert report.entries and report.new + report.merged + report.unchanged == report.entries - report.failed, name
    assert papers(sqlite_engine)["paper:diaz2013"].doi == "10.1111/ejop.12033"


def test_ris_bom_crlf_unknown_and_repeated_tags_multiline(sqlite_engine, tmp_path):
    text = ("\ufeffTY  - JOUR\r\nTI  - First title\r\nTI  - Second title\r\nAU  - Smith, J.\r\nAU  - Doe, A.\r\n"
            "PY  - 2020\r\nAB  - A long abstract\r\n  that goes on\r\nZZ  - mystery\r\nDO  - 10.1000/ris.1\r\nER  - \r\n")
    path = tmp_path / "x.ris"
    path.write_bytes(text.encode("utf-8"))
    report = ingest(sqlite_engine, path)
    (paper,) = papers(sqlite_engine).values()
    assert report.new == 1 and paper.doi == "10.1000/ris.1" and paper.authors == ["Smith, J.", "Doe, A."]
    assert name_of(sqlite_engine, paper.node_id) == "First title"
    assert sorted(p["kind"] for p in report.problems) == ["duplicate-field", "unknown-tag"]
    assert paper.extra["ris-zz"] == "mystery"
    assert paper.abstract.startswith("A long abstract")


def test_ris_samples_and_web_of_science_cited_references(sqlite_engine):
    for name in ("rispy_example_full.ris", "rispy_example_bom.ris", "rispy_example_multi_unknown_tags.ris",
                 "rispy_example_multiline.ris", "jabref_RisImporterTestScopus.ris"):
        report = ingest(sqlite_engine, SAMPLES / name)
        assert report.entries >= 1 and report.aborted is None, name
    wos = ingest(sqlite_engine, SAMPLES / "rispy_example_wos.ris")
    assert wos.new == 2 and wos.citations_pending > 50
    assert papers(sqlite_engine)["paper:WOS:000221807500019"].doi == "10.1021/bi049798f"


# --- citations that resolve ---------------------------------------------------------


def _work(wid: str, title: str, refs=(), doi=None, mag=None, year=2020) -> dict:
    return {"id": f"https://openalex.org/{wid}", "doi": doi, "title": title, "publication_year": year,
            "ids": {"mag": mag} if mag else {}, "authorships": [{"author": {"display_name": "Ada Lovelace"}}],
            "referenced_works": [f"https://openalex.org/{r}" for r in refs]}


def test_reference_waits_as_pending_then_becomes_an_edge_when_the_work_arrives(sqlite_engine):
    first = ingest_text(sqlite_engine, "a.jsonl", json.dumps(_work("W1", "Citing work", refs=["W2", "W3"])) + "\n")
    assert (first.citations_pending, count(sqlite_engine, Node)) == (2, 1)  # no placeholder papers
    second = ingest_text(sqlite_engine, "b.jsonl", json.dumps(_work("W2", "Cited work")) + "\n")
    assert second.citations_resolved == 1
    with Session(sqlite_engine) as s:
        edges = [(e.source_id, e.relation, e.target_id) for e in s.execute(select(Edge)).scalars()]
    assert edges == [("paper:openalex:W1", "cites", "paper:openalex:W2")]
    assert count(sqlite_engine, PendingCitation) == 1
    assert count(sqlite_engine, PendingCitation, PendingCitation.openalex_id == "w3") == 1


def test_pending_reference_resolves_from_another_format(sqlite_engine):
    """A Semantic Scholar reference by DOI is answered by a BibTeX entry with that DOI."""
    paper = {"paperId": "abc", "corpusId": 1, "title": "Citing", "year": 2021, "externalIds": {"CorpusId": 1},
             "references": [{"paperId": "def", "corpusId": 2, "title": "Attention", "year": 2017,
                             "externalIds": {"DOI": "10.5555/ATTN", "CorpusId": 2}}]}
    assert ingest_text(sqlite_engine, "s2.json", json.dumps(paper)).citations_pending == 1
    bib = "@inproceedings{vaswani2017, title={Attention Is All You Need}, author={Vaswani, Ashish}, year={2017}, doi={10.5555/attn}}"
    report = ingest_text(sqlite_engine, "refs.bib", bib)
    assert report.citations_resolved == 1 and count(sqlite_engine, PendingCitation) == 0
    assert count(sqlite_engine, Edge, Edge.source_id == "paper:s2:1", Edge.target_id == "paper:vaswani2017") == 1


def test_s2ag_citation_lines_keep_intents_and_influence(sqlite_engine):
    papers_lines = "\n".join(json.dumps({"corpusid": c, "title": f"Paper {c}", "year": 2020, "authors": [{"name": "A B"}],
                                         "externalids": {"CorpusId": str(c)}}) for c in (10, 11)) + "\n"
    ingest_text(sqlite_engine, "papers.jsonl", papers_lines, format="semanticscholar")
    cites = "\n".join([
        json.dumps({"citingcorpusid": "10", "citedcorpusid": "11", "isinfluential": True, "intents": ["methodology"], "contexts": ["as in [3]"]}),
        json.dumps({"citingcorpusid": "10", "citedcorpusid": "99", "isinfluential": False, "intents": ["background"], "contexts": None}),
        json.dumps({"citingcorpusid": "77", "citedcorpusid": "10", "isinfluential": False, "intents": None, "contexts": None}),
        json.dumps({"citingcorpusid": "10", "citedcorpusid": None, "isinfluential": False, "intents": None, "contexts": None}),
    ]) + "\n"
    report = ingest_text(sqlite_engine, "citations.jsonl", cites, format="semanticscholar")
    assert (report.citations_resolved, report.citations_pending) == (1, 1)
    assert sorted(p["kind"] for p in report.problems) == ["bad-reference", "unknown-work"]
    with Session(sqlite_engine) as s:
        (edge,) = s.execute(select(Edge)).scalars()
        pending = s.execute(select(PendingCitation)).scalar_one()
    assert (edge.source_id, edge.target_id) == ("paper:s2:10", "paper:s2:11")
    assert (edge.intents, edge.influential) == (["methodology"], True)
    assert (pending.s2_id, pending.intents, pending.influential) == ("99", ["background"], False)
    assert count(sqlite_engine, Node) == 2


# --- identity across sources; re-import --------------------------------------------


def test_same_work_from_bibtex_openalex_and_semantic_scholar_is_one_paper(sqlite_engine):
    bib = "@article{lecun98, title={Gradient-Based Learning Applied to Document Recognition}, author={LeCun, Yann}, year={1998}, doi={10.1109/5.726791}}"
    ingest_text(sqlite_engine, "refs.bib", bib)
    work = _work("W2112796928", "Gradient-based learning applied to document recognition", doi="https://doi.org/10.1109/5.726791", mag="2112796928")
    work["abstract_inverted_index"] = {"Multilayer": [0], "networks": [1]}
    assert ingest_text(sqlite_engine, "w.json", json.dumps(work)).merged == 1
    # Semantic Scholar knows it by its MAG id only here: the alias left by OpenAlex finds it.
    s2 = {"paperId": "162d958f", "corpusId": 14542261, "title": "Gradient-based learning applied to document recognition",
          "year": 1998, "externalIds": {"MAG": "2112796928", "CorpusId": 14542261}, "tldr": {"text": "CNNs read checks."},
          "venue": "Proceedings of the IEEE"}
    assert ingest_text(sqlite_engine, "s2.json", json.dumps(s2)).merged == 1
    (paper,) = papers(sqlite_engine).values()
    sources = {field: prov.split(":", 1)[0] for field, prov in paper.field_sources.items()}
    assert sources["name"] == "bibtex" and sources["abstract"] == "openalex" and sources["venue"] == "semanticscholar"
    assert sources["extra.tldr"] == "semanticscholar"
    with Session(sqlite_engine) as s:
        assert {"lecun98", "openalex:w2112796928", "mag:2112796928", "s2:14542261"} <= set(s.execute(select(Alias.alias)).scalars())


@pytest.mark.parametrize("name", ["W2741809807_single_work.json", "rispy_example_wos.ris", "atom_q_testing.xml",
                                  "bbt_Date_export_to_Better_CSL-JSON_360_811.csl.json", "paper_batch_with_not_found_null.json"])
def test_reimporting_the_same_file_writes_nothing(sqlite_engine, name):
    from tests.conftest import dump_rows
    first = ingest(sqlite_engine, SAMPLES / name)
    before = dump_rows(sqlite_engine)
    again = ingest(sqlite_engine, SAMPLES / name, force=True)  # read again: unread, an unchanged file is skipped
    assert (again.new, again.merged, again.edges_added, again.citations_pending, again.aliases_added) == (0, 0, 0, 0, 0)
    assert again.unchanged == first.new + first.merged + first.unchanged
    assert dump_rows(sqlite_engine) == before


def test_dry_run_and_strict_for_other_formats(sqlite_engine):
    dry = ingest(sqlite_engine, SAMPLES / "W2741809807_single_work.json", dry_run=True)
    assert dry.new == 1 and count(sqlite_engine, Node) == 0 and count(sqlite_engine, PendingCitation) == 0
    strict = ingest(sqlite_engine, SAMPLES / "rispy_example_multi_unknown_tags.ris", strict=True)
    assert strict.aborted and "unknown-tag" in strict.aborted and count(sqlite_engine, Node) == 0


def test_cli_ingest_format_flag_and_report(cli, tmp_path):
    db = tmp_path / "g.db"
    report = tmp_path / "r.json"
    code, out, _ = cli("ingest", str(SAMPLES / "rispy_example_multi_unknown_tags.ris"), "--db", str(db), "--report", str(report))
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files"][0]["new"] == 1 and data["files"][0]["problems"][0]["kind"] == "unknown-tag"
    code, out, err = cli("ingest", str(SAMPLES / "citation_item.json"), "--format", "endnote", "--db", str(db))
    assert code != 0 and "unknown format" in (out + err)


# --- every committed sample ------------------------------------------------------------


def test_every_sample_imports_with_its_problems_reported(tmp_path):
    from aiprogress.graph import db as database
    engine = database.open_engine(f"sqlite:///{tmp_path / 'all.db'}")
    database.create_schema(engine)
    try:
        for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
            report = load.ingest_source(engine, str(path))
            assert report.aborted is None, path
            stored = report.new + report.merged + report.unchanged + report.failed
            # Whatever was read is stored or accounted for; a file giving nothing says why.
            assert stored <= report.entries, path
            if report.entries == 0:
                assert report.problems, path
    finally:
        engine.dispose()


def test_gaps_list_references_awaiting_their_work(cli, tmp_path):
    db = tmp_path / "g.db"
    page = tmp_path / "w.jsonl"
    works = [_work("W1", "Citing work", refs=["W2", "W3"]), _work("W4", "Later citing work", refs=["W5"], year=2023)]
    page.write_text("".join(json.dumps(w) + "\n" for w in works), encoding="utf-8")
    cli("ingest", str(page), "--db", str(db))
    code, out, _ = cli("gaps", "--db", str(db), "--json")
    found = json.loads(out)
    assert found["unresolved_references"] == ["paper:openalex:W1 -> openalex:w2", "paper:openalex:W1 -> openalex:w3", "paper:openalex:W4 -> openalex:w5"]
    assert found["counts"]["unresolved_references"] == 3
    # The graph of 2021 holds no paper of 2023, nor the references it makes.
    code, out, _ = cli("gaps", "--db", str(db), "--json", "--as-of", "2021")
    assert json.loads(out)["unresolved_references"] == ["paper:openalex:W1 -> openalex:w2", "paper:openalex:W1 -> openalex:w3"]
    code, out, _ = cli("gaps", "--db", str(db), "--limit", "1")
    assert code == 0 and "reference to a work not in the store" in out and "openalex:w2" in out


def test_http_upload_and_graphql_ingest_take_every_format(api):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = (SAMPLES / "rispy_example_full.ris").read_bytes()
    answer = api.client.post("/ingest/ris?source=full.ris", content=body, headers=auth)
    assert answer.status_code == 200 and answer.json()["entries"] == 2 and answer.json()["failed"] == 0, answer.text
    files = {"file": ("work.json", (SAMPLES / "W2741809807_single_work.json").read_bytes(), "application/json")}
    answer = api.client.post("/ingest/openalex", files=files, headers=auth)
    assert answer.json()["reports"][0]["citations_pending"] == 45
    assert api.client.post("/ingest/endnote", content=b"x", headers=auth).status_code == 400
    query = 'mutation($t: String!) { ingest(text: $t, fileName: "lib.json", format: "csl-json") { new } }'
    text = (SAMPLES / "jgmciteproc_issue_19.json").read_text(encoding="utf-8")
    assert api.data(query, {"t": text}, token=TOKEN)["ingest"]["new"] == 3
    gaps = api.data("{ gaps(limit: 5) { unresolvedReferences counts } }")["gaps"]
    assert len(gaps["unresolvedReferences"]) == gaps["counts"]["unresolved_references"] == 5


# --- exports that read back -------------------------------------------------------------


def _paper_facts(engine) -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.execute(select(Node.id, Node.name, Paper.authors, Paper.year, Paper.doi, Paper.arxiv_id, Paper.venue, Paper.abstract)
                         .join(Paper, Paper.node_id == Node.id)).all()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.mark.parametrize("fmt", ["csl-json", "ris"])
def test_csl_json_and_ris_exports_read_back_the_same_papers(tmp_path, fmt):
    from aiprogress.graph import db as database
    from aiprogress.graph.export import get_format

    first = database.open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    second = database.open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        for engine in (first, second):
            database.create_schema(engine)
        for name in ("W2741809807_single_work.json", "atom_id_astro-ph_0601001.xml", "jgmciteproc_issue_19.json",
                     "rispy_example_wos.ris"):
            ingest(first, SAMPLES / name)
        bib = "@inproceedings{vaswani2017, title={Attention Is All You Need}, author={Vaswani, Ashish and Shazeer, Noam}, booktitle={NeurIPS}, year={2017}, eprint={1706.03762}, archiveprefix={arXiv}}"
        ingest_text(first, "refs.bib", bib)
        exported = get_format(fmt)
        path = tmp_path / f"all.{exported.extension}"
        with Session(first) as s, path.open("wb") as out:
            exported.write(s, out)
        report = ingest(second, path)
        assert (report.failed, report.aborted, report.problems) == (0, None, [])
        assert _paper_facts(second) == _paper_facts(first)
        assert len(_paper_facts(first)) == 8
    finally:
        first.dispose()
        second.dispose()


def test_json_lines_stream_in_batches_and_forward_references_resolve(sqlite_engine, tmp_path):
    path = tmp_path / "works.jsonl"
    lines = [_work("W1", "First", refs=["W3"]), _work("W2", "Second", refs=["W1", "W9"]), _work("W3", "Third", refs=["W2"])]
    path.write_text("\n".join(json.dumps(w) for w in lines) + "\n", encoding="utf-8")
    phases = []
    report = ingest(sqlite_engine, path, batch_size=1, progress=lambda phase, done, total: phases.append((phase.split(": ")[1], done, total)))
    # One batch a line, read as written, then read again for the references.
    assert phases == [("records", 1, 0), ("records", 2, 0), ("records", 3, 0), ("references", 1, 3), ("references", 2, 3), ("references", 3, 3)]
    assert (report.entries, report.new, report.citations_resolved) == (3, 3, 3)
    assert count(sqlite_engine, Edge) == 3 and count(sqlite_engine, PendingCitation) == 1  # W9 is not in the store


def test_json_lines_strict_aborts_on_a_bad_line_with_nothing_written(sqlite_engine, tmp_path):
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(_work("W1", "First")) + "\n{oops\n" + json.dumps(_work("W2", "Second")) + "\n", encoding="utf-8")
    report = ingest(sqlite_engine, path, strict=True, batch_size=1)
    assert report.aborted and "failed-block" in report.aborted
    assert count(sqlite_engine, Node) == 0


def test_cli_folder_with_format_reads_that_formats_files(cli, tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    for name in ("rispy_example_full.ris", "rispy_example_bom.ris", "jgmciteproc_issue_19.json"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    code, out, err = cli("ingest", str(folder), "--format", "ris", "--db", str(tmp_path / "g.db"), "--json")
    assert code == 0, err
    assert sorted(Path(f["source"]).name for f in json.loads(out)["files"]) == ["rispy_example_bom.ris", "rispy_example_full.ris"]


def test_cli_folder_without_bib_files_names_the_formats_it_holds(cli, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("rispy_example_full.ris", "jgmciteproc_issue_19.json"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    code, out, err = cli("ingest", str(folder), "--db", str(tmp_path / "g.db"))
    assert code == InvalidInput.exit_code and out == ""
    # The .json file could be any of the JSON formats: each is named, none guessed.
    assert f"{folder}: no .bib files in this folder; name the format of its other files with --format" in err
    named = err.split("--format (", 1)[1].split(")", 1)[0].split(", ")
    assert named == ["openalex", "semanticscholar", "arxiv", "csl-json", "ris"]


def test_json_lines_given_as_text_keep_the_lines_after_a_bad_first_one():
    found, parsed = importers.parse("upload", text='{oops}\n' + json.dumps(_work("W5", "Kept")) + "\n", format="openalex")
    assert [r.key for r in parsed.records] == ["openalex:W5"]
    assert [(p.line, p.kind) for p in parsed.problems] == [(1, "failed-block")]


def test_bibtex_export_carries_other_sources_ids_and_reads_them_back(tmp_path):
    from aiprogress.graph import db as database
    from aiprogress.graph.export import get_format

    first = database.open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    second = database.open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        for engine in (first, second):
            database.create_schema(engine)
        ingest(first, SAMPLES / "W2741809807_single_work.json")
        path = tmp_path / "all.bib"
        with Session(first) as s, path.open("wb") as out:
            get_format("bibtex").write(s, out)
        text = path.read_text(encoding="utf-8")
        assert "openalex = {W2741809807}" in text and "mag = {2741809807}" in text
        ingest(second, path)
        with Session(second) as s:
            got = dict(s.execute(select(Alias.alias, Alias.source)).all())
        assert got["openalex:w2741809807"] == "openalex" and got["mag:2741809807"] == "mag"
        # An OpenAlex reference to it now resolves in the second store, which never saw the OpenAlex file.
        citing = _work("W77", "Citing it", refs=["W2741809807"])
        assert ingest_text(second, "c.jsonl", json.dumps(citing) + "\n").citations_resolved == 1
    finally:
        first.dispose()
        second.dispose()


def test_s2ag_abstract_and_tldr_lines_only_add_to_known_papers(sqlite_engine):
    paper = {"corpusid": 5, "title": "Known paper", "year": 2019, "authors": [{"name": "Ann Lee"}], "externalids": {"CorpusId": "5"}}
    ingest_text(sqlite_engine, "papers.jsonl", json.dumps(paper) + "\n", format="semanticscholar")
    lines = [{"corpusid": 5, "openaccessinfo": {}, "abstract": "What it found."}, {"corpusid": 6, "abstract": "Of a paper we lack."}]
    report = ingest_text(sqlite_engine, "abstracts.jsonl", "\n".join(map(json.dumps, lines)) + "\n", format="semanticscholar")
    assert (report.merged, [p["kind"] for p in report.problems]) == (1, ["unknown-work"])
    tldr = {"corpusid": 5, "model": "tldr@v2.0.0", "text": "It finds things."}
    assert ingest_text(sqlite_engine, "tldrs.jsonl", json.dumps(tldr) + "\n", format="semanticscholar").merged == 1
    (stored,) = papers(sqlite_engine).values()
    assert (stored.abstract, stored.extra["tldr"], count(sqlite_engine, Node)) == ("What it found.", "It finds things.", 1)
    assert name_of(sqlite_engine, stored.node_id) == "Known paper"


def test_an_id_alias_never_merges_works_whose_dois_differ(sqlite_engine):
    ingest_text(sqlite_engine, "a.json", json.dumps(_work("W10", "One work", doi="10.1000/one", mag="555")))
    other = {"paperId": "x", "corpusId": 9, "title": "Another work", "year": 2020,
             "externalIds": {"MAG": "555", "DOI": "10.1000/two", "CorpusId": 9}}
    report = ingest_text(sqlite_engine, "b.json", json.dumps(other))
    assert report.new == 1 and count(sqlite_engine, Node) == 2


def test_cli_summary_counts_citations_in_80_columns(cli, tmp_path, monkeypatch):
    from aiprogress.api.cli import common
    monkeypatch.setattr(common.console, "width", 80)
    code, out, _ = cli("ingest", str(SAMPLES / "W2741809807_single_work.json"), str(SAMPLES / "rispy_example_full.ris"), "--db", str(tmp_path / "g.db"))
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    rows = {line.split("│")[1].strip(): line.split("│")[2:-1] for line in out.splitlines() if line.startswith("│")}
    assert [cell.strip() for cell in rows["pending"]] == ["45", "0", "45"]
    assert "W2741809807_single_work.json" in out and "rispy_example_full.ris" in out
