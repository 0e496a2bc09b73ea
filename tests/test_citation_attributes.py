"""Semantic Scholar's citation intents and influential flag: kept on the
`cites` edge (models.Edge.intents / .influential), carried by a pending
citation until its work arrives, and followed by `origins --influential`
(CLI, GraphQL, graph/answers.py)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import Session

from aiprogress.graph import answers
from aiprogress.graph import db as database
from aiprogress.graph.models import Edge, PendingCitation
from aiprogress.ingest import load

from api_support import make_api


def ingest_text(engine, name: str, text: str, **options) -> load.IngestReport:
    return load.ingest_source(engine, name, text=text, **options)


def _papers(*corpus_ids: int) -> str:
    return "".join(json.dumps({"corpusid": c, "title": f"Paper {c}", "year": 2000 + c, "authors": [{"name": "Ada Lovelace"}],
                               "externalids": {"CorpusId": str(c)}}) + "\n" for c in corpus_ids)


def _cites(*rows: tuple[int, int, bool | None, list[str] | None]) -> str:
    return "".join(json.dumps({"citingcorpusid": str(a), "citedcorpusid": str(b), "isinfluential": flag, "intents": intents,
                               "contexts": None}) + "\n" for a, b, flag, intents in rows)


# 1 cites 2 (influential, methodology) and 3 (background); 3 cites 4 (influential).
CITATIONS = ((1, 2, True, ["methodology"]), (1, 3, False, ["background"]), (3, 4, True, ["result", "methodology"]))


def edges(engine) -> dict[tuple[str, str], tuple]:
    with Session(engine) as s:
        return {(e.source_id, e.target_id): (e.intents, e.influential) for e in s.execute(select(Edge).where(Edge.relation == "cites")).scalars()}


def _store(engine) -> None:
    ingest_text(engine, "papers.jsonl", _papers(1, 2, 3, 4), format="semanticscholar")
    ingest_text(engine, "citations.jsonl", _cites(*CITATIONS), format="semanticscholar")


def test_intents_and_influence_are_columns_of_the_edge_on_both_backends(engine):
    _store(engine)
    assert edges(engine) == {
        ("paper:s2:1", "paper:s2:2"): (["methodology"], True),
        ("paper:s2:1", "paper:s2:3"): (["background"], False),
        ("paper:s2:3", "paper:s2:4"): (["result", "methodology"], True),
    }


def test_pending_citations_carry_them_until_the_work_arrives_in_either_order(sqlite_engine, tmp_path):
    # Citations first: the cited works are unknown, so every citation waits.
    ingest_text(sqlite_engine, "papers-1-3.jsonl", _papers(1, 3), format="semanticscholar")
    first = ingest_text(sqlite_engine, "citations.jsonl", _cites(*CITATIONS), format="semanticscholar")
    assert (first.citations_pending, first.citations_resolved) == (2, 1)
    with Session(sqlite_engine) as s:
        pending = {(p.citing_id, p.s2_id): (p.intents, p.influential) for p in s.execute(select(PendingCitation)).scalars()}
    assert pending == {("paper:s2:1", "2"): (["methodology"], True), ("paper:s2:3", "4"): (["result", "methodology"], True)}
    later = ingest_text(sqlite_engine, "papers-2-4.jsonl", _papers(2, 4), format="semanticscholar")
    assert later.citations_resolved == 2
    # The same as when the papers came first.
    other = database.open_engine(str(tmp_path / "other.db"))
    database.create_schema(other)
    _store(other)
    assert edges(sqlite_engine) == edges(other)
    other.dispose()


def test_a_citation_not_described_by_its_source_stays_unstated(sqlite_engine):
    """OpenAlex says nothing of intents: null, not an empty list or false."""
    works = "".join(json.dumps({"id": f"https://openalex.org/W{n}", "title": f"Work {n}", "publication_year": 2020,
                                "referenced_works": [f"https://openalex.org/W{r}" for r in refs]}) + "\n"
                    for n, refs in ((1, [2]), (2, [])))
    ingest_text(sqlite_engine, "works.jsonl", works)
    assert edges(sqlite_engine) == {("paper:openalex:W1", "paper:openalex:W2"): (None, None)}


def test_an_existing_citation_takes_the_attributes_of_a_later_semantic_scholar_file(engine):
    papers = [{"paperId": f"p{c}", "corpusId": c, "title": f"Paper {c}", "year": 2020, "externalIds": {"CorpusId": c}} for c in (1, 2)]
    papers[0]["references"] = [papers[1]]
    ingest_text(engine, "batch.json", json.dumps(papers))
    assert edges(engine) == {("paper:s2:1", "paper:s2:2"): (None, None)}
    report = ingest_text(engine, "citations.jsonl", _cites((1, 2, True, ["result"])), format="semanticscholar")
    assert report.edges_added == 0
    assert edges(engine) == {("paper:s2:1", "paper:s2:2"): (["result"], True)}


def test_graph_api_reference_and_citation_items_feed_the_edge(sqlite_engine):
    """A paper's `references` / `citations` as the Graph API's reference pages
    give them: {intents, isInfluential, citedPaper | citingPaper}."""
    paper = {"paperId": "p1", "corpusId": 1, "title": "Paper 1", "year": 2020, "externalIds": {"CorpusId": 1},
             "references": [{"intents": ["methodology"], "isInfluential": True,
                             "citedPaper": {"paperId": "p2", "corpusId": 2, "title": "Paper 2", "externalIds": {"CorpusId": 2}}}],
             "citations": [{"intents": [], "isInfluential": False,
                            "citingPaper": {"paperId": "p3", "corpusId": 3, "title": "Paper 3", "year": 2021, "externalIds": {"CorpusId": 3}}}]}
    ingest_text(sqlite_engine, "paper.json", json.dumps(paper))
    ingest_text(sqlite_engine, "p2.jsonl", _papers(2), format="semanticscholar")
    assert edges(sqlite_engine) == {("paper:s2:1", "paper:s2:2"): (["methodology"], True),
                                    ("paper:s2:3", "paper:s2:1"): ([], False)}


def test_origins_follow_only_influential_citations_when_asked(engine):
    _store(engine)
    with Session(engine) as s:
        every = answers.origins(s, "paper:s2:1", relations=["cites"])
        assert sorted(every.lineage.ids()) == ["paper:s2:2", "paper:s2:3", "paper:s2:4"]
        influential = answers.origins(s, "paper:s2:1", relations=["cites"], influential=True)
        assert influential.lineage.ids() == ["paper:s2:2"]
        (reached,) = influential.reached
        assert (reached.via.intents, reached.via.influential) == (["methodology"], True)
        assert influential.to_dict()["reached"][0]["chain"][0]["intents"] == ["methodology"]
        # impact: what cites 4 influentially, and what cites that influentially (1 -> 3 is not).
        assert answers.impact(s, "paper:s2:4", relations=["cites"], influential=True).lineage.ids() == ["paper:s2:3"]
        assert sorted(answers.impact(s, "paper:s2:4", relations=["cites"]).lineage.ids()) == ["paper:s2:1", "paper:s2:3"]


def test_cli_origins_influential_prints_the_citation_attributes(sqlite_engine, cli):
    _store(sqlite_engine)
    db = sqlite_engine.url.database
    code, out, err = cli("origins", "paper:s2:1", "--relation", "cites", "--influential", "--db", db)
    assert code == 0, err
    assert "1 node(s)" in out and "[influential; methodology]" in out and "paper:s2:3" not in out
    code, out, err = cli("origins", "paper:s2:1", "--relation", "cites", "--db", db, "--json")
    data = json.loads(out)
    assert data["influential"] is False and data["count"] == 3
    assert {r["id"]: r["chain"][-1]["influential"] for r in data["reached"]} == {"paper:s2:2": True, "paper:s2:3": False, "paper:s2:4": True}
    code, out, err = cli("show", "paper:s2:3", "--db", db)
    assert code == 0 and "this -cites-> paper:s2:4 [influential; result; methodology]" in out and "paper:s2:1 -cites-> this [background]" in out
    code, out, err = cli("path", "paper:s2:4", "paper:s2:1", "--relation", "cites", "--db", db)
    assert code == 0 and "[influential; result; methodology]" in out and "[background]" in out


def test_graphql_origins_and_impact_take_influential(sqlite_engine):
    _store(sqlite_engine)
    api = make_api(sqlite_engine.url.database)
    with api.client:
        query = "query($i: Boolean!) { origins(id: \"paper:s2:1\", relations: [CITES], influential: $i) { count reached { node { id } via { intents influential } } } }"
        assert api.data(query, {"i": False})["origins"]["count"] == 3
        data = api.data(query, {"i": True})["origins"]
        assert data["count"] == 1
        assert data["reached"][0] == {"node": {"id": "paper:s2:2"}, "via": {"intents": ["methodology"], "influential": True}}
        impact = api.data("{ impact(id: \"paper:s2:4\", relations: [CITES], influential: true) { count } }")["impact"]
        assert impact["count"] == 1


def test_pending_citations_read_in_bulk_as_the_orm_reads_them(engine):
    # bulk.pending_citations_matching reads SQLite through the driver: its
    # values must be those the ORM gives (intents a list, influential a bool).
    from aiprogress.graph import bulk

    ingest_text(engine, "papers-1-3.jsonl", _papers(1, 3), format="semanticscholar")
    ingest_text(engine, "citations.jsonl", _cites((1, 2, False, ["background"]), (1, 4, None, None), (3, 4, True, [])), format="semanticscholar")
    columns = ("id", "citing_id", "s2_id", "intents", "influential", "provenance")
    with Session(engine) as s:
        orm = sorted((tuple(getattr(p, c) for c in columns) for p in s.execute(select(PendingCitation)).scalars()), key=str)
        read = bulk.pending_citations_matching(s, "s2_id", ["2", "4", "9"], columns)
    assert sorted((tuple(r[c] for c in columns) for r in read), key=str) == orm and len(orm) == 3
    assert {type(r["influential"]) for r in read} == {bool, type(None)} and all(isinstance(r["intents"], list) for r in read)
