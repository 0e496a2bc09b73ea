"""`aiprogress export --format bibtex` and back: the same papers, aliases and edges."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from aiprogress.graph import db as database
from aiprogress.graph import export, service
from aiprogress.graph.models import Alias, Edge, Node, Paper
from aiprogress.ingest import load

SOURCE = r"""
@string{nips = "Advances in Neural Information Processing Systems"}
@article{hochreiter1997long, title = {Long Short-Term Memory}, author = {Hochreiter, Sepp and Schmidhuber, J{\"u}rgen},
  journal = {Neural Computation}, volume = 9, number = 8, pages = {1735--1780}, year = 1997, doi = {10.1162/neco.1997.9.8.1735},
  keywords = {LSTM, recurrent networks}}
@inproceedings{vaswani2017attention, title = {Attention Is All You Need}, author = {Vaswani, Ashish and others},
  booktitle = nips, year = 2017, eprint = {1706.03762}, archivePrefix = {arXiv},
  cites = {hochreiter1997long}, relaxes = {constraint:compute}, introduces = {technique:transformer}}
@misc{Vaswani17, title = {Attention is all you need}, author = {Ashish Vaswani}, year = 2017, url = {https://arxiv.org/abs/1706.03762v5}}
@article{odd, title = {A paper with an odd year}, author = {Doe, J.}, year = {2023a}, enables = {vaswani2017attention}}
"""


def graph_of(engine) -> dict:
    with Session(engine) as s:
        papers = {}
        for p in s.scalars(select(Paper)):
            n = s.get(Node, p.node_id)
            papers[p.node_id] = (n.name, n.year, p.authors, p.venue, p.doi, p.arxiv_id, p.url, p.abstract, p.entry_type, p.extra)
        aliases = {(a.alias, a.node_id) for a in s.scalars(select(Alias)) if a.source == "citation-key"}
        edges = {(e.source_id, e.relation, e.target_id, e.inferred) for e in s.scalars(select(Edge))}
    return {"papers": papers, "aliases": aliases, "edges": edges}


def setup_other_nodes(engine) -> None:
    with database.session_scope(engine) as s:
        service.upsert_node(s, "constraint:compute", provenance="test", name="Compute", binding="hard")
        service.upsert_node(s, "technique:transformer", provenance="test", name="Transformer", category="architecture")
        service.upsert_node(s, "technique:lstm", provenance="test", name="LSTM", category="architecture")
        service.add_alias(s, "technique:lstm", "LSTM")


def test_bibtex_export_round_trip(tmp_path):
    first = database.open_engine(str(tmp_path / "first.db"))
    database.create_schema(first)
    setup_other_nodes(first)
    report = load.ingest_source(first, "source.bib", text=SOURCE)
    assert (report.new, report.merged, report.edges_added, report.edges_inferred) == (3, 1, 4, 1)
    with Session(first) as s:
        text = export.export_bytes(s, "bibtex").decode("utf-8")
    assert "relaxes = {constraint:compute}" in text and "ids = {vaswani17}" in text

    second = database.open_engine(str(tmp_path / "second.db"))
    database.create_schema(second)
    setup_other_nodes(second)  # the non-paper nodes the relations point at
    again = load.ingest_source(second, "export.bib", text=text)
    assert again.errors == [] and again.new == 3
    a, b = graph_of(first), graph_of(second)
    assert a["papers"] == b["papers"]
    assert a["aliases"] == b["aliases"]
    assert a["edges"] == b["edges"]
    assert ("paper:hochreiter1997long", "mentions", "technique:lstm", True) in b["edges"]  # its title and keywords, linked again


def test_papers_only_round_trip_into_an_empty_database(tmp_path, cli):
    src = tmp_path / "papers.bib"
    src.write_text("@article{a, title={A}, year=2001}\n@article{b, title={B \\& C}, year=2002, cites={a}, inspired-by={a}}\n")
    db1, db2, out = tmp_path / "one.db", tmp_path / "two.db", tmp_path / "out.bib"
    assert cli("ingest", src, "--db", db1)[0] == 0
    code, _, err = cli("export", "--format", "bibtex", "--out", out, "--db", db1)
    assert code == 0, err
    assert cli("ingest", out, "--db", db2)[0] == 0
    e1, e2 = database.open_engine(str(db1)), database.open_engine(str(db2))
    assert graph_of(e1) == graph_of(e2)
    assert graph_of(e2)["papers"]["paper:b"][0] == "B & C"
