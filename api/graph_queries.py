"""The graph's questions in GraphQL: origins, impact, path,
constraintTimeline, narrativeShifts, topicShifts, frontier, gaps.

Each resolver calls one function of graph.answers (which resolves ids,
checks arguments and takes the in-memory graph, as of a year when asked)
and wraps its answer; nodes in answers are loaded through the DataLoaders,
and every answer built on edges carries them as `supportingEdges` (each a
stored fact with its note and provenance).
A resolver announces every node id its answer can lead to (`_expect`)
before handing it over, so that the nodes of a whole answer are read in
one statement (api/loaders.py refuses ids nobody announced).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField

from ..graph import answers
from ..graph.network import EdgeFact
from ..graph.queries.gaps import Gaps as GapsResult
from ..graph.queries import timeline as timeline_module
from ..graph.queries import topics as topics_module
from .derive import fields_from
from .graph_corpus import CorpusUse, TechniqueUsed, corpus_ids, corpus_types
from .loaders import EdgeRecord
from .types import Edge, Node, Relation, page_size

DEFAULT_REACHED = 100


def fact_record(fact: EdgeFact) -> Any:
    """A query's supporting fact as the root of an `Edge`."""
    return dataclasses.replace(fact, direction=None, other=None)


def _expect(info: strawberry.Info, ids: Any) -> None:
    """Announce the node ids (and the ends of the facts) an answer holds."""
    info.context.loaders.node.expect(ids)


def _fact_ends(facts: Any) -> list[str]:
    return [end for fact in facts for end in (fact.source, fact.target)]


def _nodes(info: strawberry.Info, ids: list[str]) -> list[Any]:
    return [n for n in info.context.loaders.nodes(ids) if n is not None]


def _node(info: strawberry.Info, node_id: str) -> Any:
    (node,) = info.context.loaders.nodes([node_id])
    return node


def _relations(relations: list[Relation] | None) -> list[str] | None:
    return [r.value for r in relations] if relations else None


# --------------------------------------------------------------------------
# origins, impact, path
# --------------------------------------------------------------------------


@strawberry.type(description="A node reached by a walk, how many steps away, and the fact it was reached by.")
class Reached:
    distance: int
    via: Edge
    _id: strawberry.Private[str]
    _lineage: strawberry.Private[Any]

    @strawberry.field(description="The node reached.")
    def node(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)

    @strawberry.field(description="One shortest chain of facts from the start to this node, from the start outwards.")
    def chain(self) -> list[Edge]:
        return [fact_record(f) for f in self._lineage.chain(self._id)]


@strawberry.type(description="Where an idea comes from (origins) or what it led to (impact), nearest first.")
class Lineage:
    direction: str = strawberry.field(description="origins or impact.")
    relations: list[str] = strawberry.field(description="The relations followed.")
    depth: int | None = strawberry.field(description="Most steps walked (null: no limit).")
    count: int = strawberry.field(description="How many nodes were reached in all.")
    reached: list[Reached] = strawberry.field(description="The nodes reached, nearest first (up to `limit`).")
    supporting_edges: list[Edge] = strawberry.field(description="The facts of the shortest chains to the nodes listed in `reached`.")
    fields: JSON | None = strawberry.field(description="Origins: the fields of inspiration reached, with the nodes that drew on each.")
    blocked: JSON | None = strawberry.field(description="Impact: per constraint, how many relaxes edges depend on the start.")
    _root: strawberry.Private[str]
    _corpus_use: strawberry.Private[Any] = None
    _techniques_used: strawberry.Private[list[Any] | None] = None

    @strawberry.field(description="The node the walk started from.")
    def root(self, info: strawberry.Info) -> Node:
        return _node(info, self._root)

    @strawberry.field(description="Impact of a technique: the papers using it (the linker's mentions, curated introduces), per year and per source, with the `limit` latest as examples. Null otherwise.")
    def corpus_use(self, limit: int = 10) -> CorpusUse | None:
        # Computed with the walk (see _lineage), so that its examples are read with the answer's other nodes.
        return self._corpus_use

    @strawberry.field(description="Origins of a paper: the techniques it uses (the linker's mentions, curated introduces), each with its own origins. Empty otherwise.")
    def techniques_used(self) -> list[TechniqueUsed]:
        return self._techniques_used or []


def _selected(info: strawberry.Info, name: str) -> Any:
    """The field `name` selected directly under this root field (through fragments too), or None."""
    stack = list(info.selected_fields[0].selections)
    while stack:
        selection = stack.pop()
        if not isinstance(selection, SelectedField):  # a fragment, named or inline: look inside it
            stack.extend(selection.selections)
        elif selection.name == name:
            return selection
    return None


def _lineage(info: strawberry.Info, which: str, id: str, depth: int | None, relations: list[Relation] | None, limit: int, as_of: int | None,
             influential: bool = False) -> Lineage:
    use = _selected(info, "corpusUse")
    corpus = use is not None or _selected(info, "techniquesUsed") is not None
    # A literal argument of a selected field comes as its source text ("3"), a variable as its value.
    examples = page_size(info, int(use.arguments.get("limit", 10)), argument="limit") if use is not None else 10
    answer = answers.lineage(info.context.session(), which, id, depth=depth, relations=_relations(relations),
                             limit=page_size(info, limit, argument="limit"), as_of=as_of, corpus=corpus, examples=examples,
                             influential=influential)
    result, reached = answer.lineage, answer.reached
    # A chain to a reached node passes only through nearer nodes, all listed
    # before it: the start, the reached nodes and the ends of their facts
    # cover every node the answer can ask for.
    _expect(info, [result.root["id"], *(r.id for r in reached), *_fact_ends(r.via for r in reached), *corpus_ids(answer.corpus)])
    corpus_use, techniques_used = corpus_types(answer.corpus)
    return Lineage(
        direction=result.direction, relations=list(result.relations), depth=result.depth, count=result.count,
        reached=[Reached(distance=r.distance, via=fact_record(r.via), _id=r.id, _lineage=result) for r in reached],
        supporting_edges=[fact_record(r.via) for r in reached],
        fields=result.fields if which == "origins" else None,
        blocked=result.blocked if which == "impact" else None,
        _root=result.root["id"],
        _corpus_use=corpus_use,
        _techniques_used=techniques_used,
    )


@strawberry.type(description="The shortest chain of facts from one node to another.")
class Path:
    directed: bool
    length: int
    supporting_edges: list[Edge] = strawberry.field(description="The facts of the chain, in order from source to target.")
    _ids: strawberry.Private[list[str]]

    @strawberry.field(description="The nodes along the chain, source first.")
    def nodes(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._ids)


# --------------------------------------------------------------------------
# constraintTimeline, frontier
# --------------------------------------------------------------------------


@strawberry.type(description="One fact `X relaxes constraint`, with the papers behind X.")
class Breakthrough:
    year: int | None
    evidence: Edge
    _id: strawberry.Private[str]
    _papers: strawberry.Private[list[str]]

    @strawberry.field(description="The technique or paper that relaxed the constraint.")
    def node(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)

    @strawberry.field(description="The papers that introduced it.")
    def papers(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._papers)


@strawberry.type(description="Every breakthrough on one constraint, in order of year.")
class ConstraintTimeline:
    entries: list[Breakthrough]
    supporting_edges: list[Edge] = strawberry.field(description="The relaxes facts of the entries.")
    _constraint: strawberry.Private[str]

    @strawberry.field
    def constraint(self, info: strawberry.Info) -> Node:
        return _node(info, self._constraint)


@strawberry.type(description="What binds: one constraint's status as recorded by the year asked (with its year, source and note), and beside it, as evidence, the pace of its breakthroughs.")
@fields_from(timeline_module.ConstraintStatus, types_={"id": strawberry.ID})
class ConstraintStatus:
    @strawberry.field(description="The relaxes facts of the latest breakthroughs.")
    def supporting_edges(self, info: strawberry.Info) -> list[Edge]:
        latest = set(self.latest)
        edges = info.context.loaders.edges.get(self.id)
        return [e for e in edges if e.relation == "relaxes" and e.direction == "in" and e.source_id in latest]


# --------------------------------------------------------------------------
# narrativeShifts, topicShifts, gaps
# --------------------------------------------------------------------------


@strawberry.type(description="What a corpus's papers of one period worked on, through the techniques they use (mentions and introduces).")
class PeriodCorpus:
    papers: int = strawberry.field(description="The corpus's dated papers in the period.")
    counts: JSON = strawberry.field(description="Constraint id -> papers using a technique that relaxes it.")
    shares: JSON = strawberry.field(description="Constraint id -> share of the period's papers using a technique that relaxes it.")
    most_used: list[strawberry.ID] = strawberry.field(description="The constraint(s) the most papers used a relaxing technique of.")
    focus_using: int = strawberry.field(description="Papers using a technique that relaxes a constraint in the period's focus.")
    focus_share: float | None = strawberry.field(description="Their share (null: no paper, or no focus in the period).")


@strawberry.type(description="A corpus's papers in some years: how many, how many use a technique relaxing a given set of constraints, the share.")
class CorpusShare:
    papers: int
    using: int
    share: float | None


@strawberry.type(description="One period: the narratives in force and the constraints they focus on; as evidence, how often each constraint was relaxed.")
class Period:
    start: int
    end: int
    total: int
    narratives: list[strawberry.ID] = strawberry.field(description="The narratives in force during the period.")
    focus: list[strawberry.ID] = strawberry.field(description="The constraints those narratives focus on, per the source framework.")
    most_relaxed: list[strawberry.ID] = strawberry.field(description="Evidence: the constraint(s) with the most relaxes facts dated in the period.")
    relaxes: JSON = strawberry.field(description="Evidence: constraint id -> relaxes facts dated in the period.")
    hard_share: float | None
    leverage_share: float | None
    corpus: PeriodCorpus | None = strawberry.field(description="Asked with `source`: what that corpus's papers of the period worked on.")


@strawberry.type(description="A narrative whose focus differs from the one before it.")
class FocusChange:
    year: int
    narrative: strawberry.ID
    from_: list[strawberry.ID] = strawberry.field(name="from")
    to: list[strawberry.ID]


@strawberry.type(description="A narrative with the papers and techniques that set it off and the constraints it focuses on.")
class NarrativeTriggers:
    year: int | None
    corpus_before: CorpusShare | None = strawberry.field(description="Asked with `source`: that corpus's papers in the bucketYears before the narrative's year using a technique that relaxes its focus.")
    corpus_after: CorpusShare | None = strawberry.field(description="The same from its year on (bucketYears years).")
    _id: strawberry.Private[str]
    _triggers: strawberry.Private[list[str]]
    _focus: strawberry.Private[list[str]]

    @strawberry.field(description="The constraints the narrative was about, per the source framework (its focuses-on facts).")
    def focus(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._focus)

    @strawberry.field
    def narrative(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)

    @strawberry.field
    def triggers(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._triggers)


@strawberry.type(description="How the stories the field told itself, and the constraint in focus, shifted over time.")
class NarrativeShifts:
    bucket_years: int
    periods: list[Period]
    narratives: list[NarrativeTriggers]
    focus_changes: list[FocusChange]
    undated: int = strawberry.field(description="Relaxes facts without a year (left out of the periods).")
    corpus_papers: int | None = strawberry.field(description="Asked with `source`: that corpus's dated papers (null without it).")
    _pairs: strawberry.Private[list[tuple[str, str]]]

    @strawberry.field(description="The triggered and focuses-on facts behind the narratives.")
    def supporting_edges(self, info: strawberry.Info) -> list[Edge]:
        wanted = set(self._pairs)
        narratives = list(dict.fromkeys(n for _, n in self._pairs))
        out = []
        for edges in info.context.loaders.edges.get_many(narratives):
            out.extend(e for e in edges if e.direction == "in" and e.relation == "triggered" and (e.source_id, e.target_id) in wanted)
            out.extend(e for e in edges if e.direction == "out" and e.relation == "focuses-on")
        return out


@strawberry.type(description="An open problem or a theme a proposal names, with what it is linked to: the constraints a problem bears on, the techniques that embody a theme.")
class NamedIdea:
    _id: strawberry.Private[str]
    _named_by: strawberry.Private[list[str]]
    _linked: strawberry.Private[list[str]]

    @strawberry.field
    def node(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)

    @strawberry.field(description="The proposals that name it.")
    def named_by(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._named_by)

    @strawberry.field(description="A problem: the constraints it bears on. A theme: the techniques and papers that embody it.")
    def linked(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._linked)

    @strawberry.field(description="The names, bears-on and embodies facts behind it.")
    def supporting_edges(self, info: strawberry.Info) -> list[Edge]:
        return [e for e in info.context.loaders.edges.get(self._id) if e.relation in ("names", "bears-on", "embodies")]


@strawberry.type(description="What proposals hold is still unsolved: open problems and the themes argued for.")
class OpenProblems:
    problems: list[NamedIdea]
    themes: list[NamedIdea]


@strawberry.type(description="A topic (a title word or a technique) whose yearly share of papers rose or fell sharply.")
@fields_from(topics_module.Shift)
class TopicShift:
    pass


@strawberry.type(description="What the graph is missing: papers without techniques, techniques leading to no constraint, facts without evidence ...")
@fields_from(GapsResult)
class Gaps:
    @strawberry.field(description="How many of each.")
    def counts(self) -> JSON:
        return self.counts()


def _corpus_share(narrative: dict[str, Any], side: str) -> CorpusShare | None:
    found = narrative.get("corpus")
    return CorpusShare(**found[side]) if found else None


AsOf = Annotated[int | None, strawberry.argument(description="The graph as it stood at the end of this year: later nodes and facts hidden.")]
Influential = Annotated[bool, strawberry.argument(description="Follow a cites fact only when Semantic Scholar flagged the citation influential.")]


@strawberry.type
class GraphQueries:
    @strawberry.field(description="Where an idea comes from: every ancestor along the lineage relations, nearest first, with the fact each was reached by.")
    def origins(self, info: strawberry.Info, id: strawberry.ID, depth: int | None = None, relations: list[Relation] | None = None, limit: int = DEFAULT_REACHED, as_of: AsOf = None, influential: Influential = False) -> Lineage:
        return _lineage(info, "origins", id, depth, relations, limit, as_of, influential)

    @strawberry.field(description="What an idea led to: every descendant, nearest first, and per constraint how many relaxes edges depend on it.")
    def impact(self, info: strawberry.Info, id: strawberry.ID, depth: int | None = None, relations: list[Relation] | None = None, limit: int = DEFAULT_REACHED, as_of: AsOf = None, influential: Influential = False) -> Lineage:
        return _lineage(info, "impact", id, depth, relations, limit, as_of, influential)

    @strawberry.field(description="The shortest chain of facts from `source` to `target` (directed: source must be an origin of target).")
    def path(self, info: strawberry.Info, source: strawberry.ID, target: strawberry.ID, directed: bool = True, relations: list[Relation] | None = None, as_of: AsOf = None) -> Path:
        result = answers.path(info.context.session(), source, target, directed=directed, relations=_relations(relations), as_of=as_of)
        _expect(info, [*result.nodes(), *_fact_ends(result.steps)])
        return Path(directed=result.directed, length=result.length, supporting_edges=[fact_record(f) for f in result.steps], _ids=result.nodes())

    @strawberry.field(description="Every breakthrough on one constraint (id or alias, e.g. compute), in order of year.")
    def constraint_timeline(self, info: strawberry.Info, constraint: strawberry.ID, as_of: AsOf = None) -> ConstraintTimeline:
        result = answers.timeline(info.context.session(), constraint, as_of=as_of, measured=False)
        entries = [Breakthrough(year=b.year, evidence=fact_record(b.evidence), _id=b.id, _papers=[p["id"] for p in b.papers]) for b in result.entries]
        _expect(info, [result.constraint["id"], *(b._id for b in entries), *(p for b in entries for p in b._papers), *_fact_ends(b.evidence for b in result.entries)])
        return ConstraintTimeline(entries=entries, supporting_edges=[e.evidence for e in entries], _constraint=result.constraint["id"])

    @strawberry.field(description="Narratives with their triggers in order of year, and the constraint in focus per period with the points where it changed.")
    def narrative_shifts(
        self, info: strawberry.Info, bucket_years: int = 5,
        source: Annotated[str | None, strawberry.argument(description="Also what the papers ingested from this file (e.g. all_P_acl.bib) or provenance worked on, per period and around each narrative.")] = None,
        as_of: AsOf = None,
    ) -> NarrativeShifts:
        result = answers.narratives(info.context.session(), bucket_years=bucket_years, source=source, as_of=as_of)
        _expect(info, [x["id"] for n in result.narratives for x in (n, *n["triggers"], *n["focus"])])
        info.context.loaders.edges.expect([n["id"] for n in result.narratives])
        return NarrativeShifts(
            bucket_years=result.bucket_years,
            periods=[
                Period(start=p["start"], end=p["end"], total=p["total"], narratives=p["narratives"], focus=p["focus"], most_relaxed=p["most_relaxed"],
                       relaxes=p["relaxes"], hard_share=p["hard_share"], leverage_share=p["leverage_share"],
                       corpus=PeriodCorpus(**p["corpus"]) if "corpus" in p else None)
                for p in result.periods
            ],
            narratives=[NarrativeTriggers(year=n["year"], corpus_before=_corpus_share(n, "before"), corpus_after=_corpus_share(n, "after"),
                                          _id=n["id"], _triggers=[t["id"] for t in n["triggers"]], _focus=[f["id"] for f in n["focus"]]) for n in result.narratives],
            focus_changes=[FocusChange(year=c["year"], narrative=c["narrative"], from_=c["from"], to=c["to"]) for c in result.focus_changes],
            undated=result.undated,
            corpus_papers=result.corpus_papers,
            _pairs=[(t["id"], n["id"]) for n in result.narratives for t in n["triggers"]] + [(n["id"], n["id"]) for n in result.narratives],
        )

    @strawberry.field(description="Topics (title words, techniques) whose yearly share of papers rose or fell sharply, strongest first. Computed from titles and the techniques papers use (introduces facts and the linker's mentions).")
    def topic_shifts(
        self, info: strawberry.Info, year_from: int | None = None, year_to: int | None = None, window: int = 3,
        threshold: float = 3.0, min_count: int = 3, min_papers: int = 10, limit: int = 50,
        source: Annotated[str | None, strawberry.argument(description="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")] = None,
        as_of: AsOf = None,
    ) -> list[TopicShift]:
        return answers.topics(
            info.context.session(), year_from=year_from, year_to=year_to, window=window, threshold=threshold, min_count=min_count,
            min_papers=min_papers, source=source, limit=page_size(info, limit, argument="limit"), as_of=as_of,
        ).shifts

    @strawberry.field(description="What binds: per constraint its recorded status (binding, expected-to-bind, solved, open) with year and source, and as evidence its latest breakthrough and how many in the last decade.")
    def frontier(self, info: strawberry.Info, now: int | None = None, as_of: AsOf = None) -> list[ConstraintStatus]:
        statuses = answers.frontier(info.context.session(), now=now, as_of=as_of)
        _expect(info, [s.id for s in statuses])
        info.context.loaders.edges.expect([s.id for s in statuses])
        return statuses

    @strawberry.field(description="Beside frontier: the open problems proposals name, with the constraints each bears on, and the themes they argue for, with the techniques that embody each.")
    def open_problems(self, info: strawberry.Info, as_of: AsOf = None) -> OpenProblems:
        result = answers.open_problems(info.context.session(), as_of=as_of)
        ideas = [*result.problems, *result.themes]
        _expect(info, [x["id"] for idea in ideas for x in (idea, *idea["named_by"], *idea.get("bears_on", ()), *idea.get("embodied_by", ()))])
        info.context.loaders.edges.expect([idea["id"] for idea in ideas])
        return OpenProblems(
            problems=[NamedIdea(_id=p["id"], _named_by=[n["id"] for n in p["named_by"]], _linked=[c["id"] for c in p["bears_on"]]) for p in result.problems],
            themes=[NamedIdea(_id=t["id"], _named_by=[n["id"] for n in t["named_by"]], _linked=[e["id"] for e in t["embodied_by"]]) for t in result.themes],
        )

    @strawberry.field(description="What the graph is missing, to guide curation.")
    def gaps(self, info: strawberry.Info, limit: int | None = None, as_of: AsOf = None) -> Gaps:
        return answers.gaps(info.context.session(), limit=page_size(info, limit, argument="limit"), as_of=as_of)
