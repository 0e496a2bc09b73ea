"""The corpus parts of an origins or impact answer in GraphQL: for the
impact of a technique, the papers using it (`corpusUse`); for the origins of
a paper, the techniques it uses and their origins (`techniquesUsed`). They
come from graph.answers.lineage (with `corpus`) and are made here from its
answer; their nodes are read through the loaders with the rest of the
answer's (api/graph_queries.py announces them with corpus_ids)."""

from __future__ import annotations

from typing import Any

import strawberry

from .types import Node


def _nodes(info: strawberry.Info, ids: list[str]) -> list[Any]:
    return [n for n in info.context.loaders.nodes(ids) if n is not None]


def _node(info: strawberry.Info, node_id: str) -> Any:
    (node,) = info.context.loaders.nodes([node_id])
    return node


@strawberry.type(description="Papers in one year, or from one source.")
class PaperCount:
    key: str = strawberry.field(description="The year, or the source (bibtex:FILE, builtin:papers.bib ...).")
    papers: int


@strawberry.type(description="The impact of a technique in the corpus: the papers using it (the linker's mentions and curated introduces facts).")
class CorpusUse:
    papers: int = strawberry.field(description="How many papers use it.")
    by_year: list[PaperCount] = strawberry.field(description="Per year (dated papers), oldest first.")
    by_source: list[PaperCount] = strawberry.field(description="Per source the papers were first written from, most first.")
    _examples: strawberry.Private[list[str]]

    @strawberry.field(description="The latest papers using it (up to `limit`).")
    def examples(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._examples)


@strawberry.type(description="A node among a technique's origins, how many steps away.")
class OriginOf:
    distance: int
    _id: strawberry.Private[str]

    @strawberry.field
    def node(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)


@strawberry.type(description="A technique an (ingested) paper uses, how (mentions or introduces), and where the technique comes from.")
class TechniqueUsed:
    relation: str = strawberry.field(description="mentions (the linker's link) or introduces (a curated fact).")
    origins: list[OriginOf] = strawberry.field(description="The technique's origins along the lineage relations, nearest first.")
    _id: strawberry.Private[str]

    @strawberry.field
    def technique(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)


def corpus_types(corpus: dict[str, Any]) -> tuple[CorpusUse | None, list[TechniqueUsed]]:
    """The corpus parts of an origins or impact answer (graph.answers.lineage
    with `corpus`) as GraphQL objects."""
    use = corpus.get("corpus_use")
    if use is not None:
        use = CorpusUse(papers=use["papers"], by_year=[PaperCount(key=str(y), papers=n) for y, n in use["by_year"].items()],
                        by_source=[PaperCount(key=k, papers=n) for k, n in use["by_source"].items()], _examples=[e["id"] for e in use["examples"]])
    used = [TechniqueUsed(relation=t["relation"], origins=[OriginOf(distance=o["distance"], _id=o["id"]) for o in t["origins"]], _id=t["id"])
            for t in corpus.get("techniques_used", ())]
    return use, used


def corpus_ids(corpus: dict[str, Any]) -> list[str]:
    """Every node id the corpus parts can hand over (to announce to the loaders)."""
    use = corpus.get("corpus_use") or {}
    return [*(e["id"] for e in use.get("examples", ())), *(x["id"] for t in corpus.get("techniques_used", ()) for x in (t, *t["origins"]))]
