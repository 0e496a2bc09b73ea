"""GraphQL for the linker: the `adoption` query (how a corpus took up a
technique, or the techniques relaxing each constraint), `candidateTechniques`
(rising title phrases no technique names), and the `rejectLink` /
`confirmLink` / `promote` mutations. Resolvers call graph.answers and
graph/linking.py, as the CLI does (api/cli/linking.py), and announce the
nodes they hand over (api/loaders.py)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from ..graph import answers, linking
from ..graph.errors import InvalidInput
from ..graph.queries.candidates import Candidate
from .derive import fields_from
from .graph_queries import AsOf, _expect, _node, _nodes
from .types import Node, TechniqueCategory, page_size

SourceArgument = Annotated[str | None, strawberry.argument(description="Only papers ingested from this file (e.g. all_P_acl.bib) or provenance.")]


@strawberry.type(description="One year of a corpus: its dated papers, how many use the technique, and the share.")
class AdoptionYear:
    year: int
    papers: int
    using: int
    share: float


@strawberry.type(description="One constraint in one year: papers using a technique that relaxes it, and their share.")
class ConstraintShare:
    count: int
    share: float
    _id: strawberry.Private[str]

    @strawberry.field(description="The constraint.")
    def constraint(self, info: strawberry.Info) -> Node:
        return _node(info, self._id)


@strawberry.type(description="One year of a corpus, per constraint.")
class ConstraintYear:
    year: int
    papers: int
    constraints: list[ConstraintShare]


@strawberry.type(description="How a corpus took up a technique (mentions by the linker and curated introduces facts), per year; "
                             "or, with byConstraint, the share of papers using techniques that relax each constraint.")
class Adoption:
    papers: int = strawberry.field(description="Dated papers in the corpus (and the year range).")
    using: int | None = strawberry.field(description="Of which use the technique (null with byConstraint).")
    years: list[AdoptionYear] = strawberry.field(description="Per year (empty with byConstraint).")
    by_constraint: list[ConstraintYear] = strawberry.field(description="Per year, per constraint (empty without byConstraint).")
    _technique: strawberry.Private[str | None]

    @strawberry.field(description="The technique asked about (null with byConstraint).")
    def technique(self, info: strawberry.Info) -> Node | None:
        return None if self._technique is None else _node(info, self._technique)


@strawberry.type(description="A rising title phrase that no technique's surface form names, so the linker cannot see it: a candidate technique (`promote` makes it one).")
@fields_from(Candidate, exclude=("examples",))
class CandidateTechnique:
    @strawberry.field(description="Papers whose title holds it, from the year it rose first.")
    def examples(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, [e["id"] for e in self.examples])


@strawberry.type
class LinkingQueries:
    @strawberry.field(description="Per year, how many papers use a technique and their share; or, with byConstraint, the share using techniques that relax each constraint.")
    def adoption(
        self, info: strawberry.Info, technique: strawberry.ID | None = None, by_constraint: bool = False,
        source: SourceArgument = None,
        year_from: int | None = None, year_to: int | None = None, as_of: AsOf = None,
    ) -> Adoption:
        if (technique is None) == (not by_constraint):
            raise InvalidInput("give a technique, or byConstraint: true")
        session = info.context.session()
        if by_constraint:
            r = answers.adoption_by_constraint(session, source=source, year_from=year_from, year_to=year_to, as_of=as_of)
            _expect(info, [c["id"] for c in r.constraints])
            years = [ConstraintYear(year=y["year"], papers=y["papers"], constraints=[
                ConstraintShare(count=y["counts"][c], share=y["shares"][c], _id=c) for c in y["counts"]]) for y in r.years]
            return Adoption(papers=r.papers, using=None, years=[], by_constraint=years, _technique=None)
        r = answers.adoption(session, technique, source=source, year_from=year_from, year_to=year_to, as_of=as_of)
        _expect(info, [r.technique["id"]])
        return Adoption(papers=r.papers, using=r.using, years=[AdoptionYear(**vars(y)) for y in r.years], by_constraint=[], _technique=r.technique["id"])

    @strawberry.field(description="Rising title words and two-word phrases that no technique names (the topicShifts statistic), strongest rise first: what the linker cannot see yet.")
    def candidate_techniques(self, info: strawberry.Info, source: SourceArgument = None, limit: int = 20, as_of: AsOf = None) -> list[CandidateTechnique]:
        found = answers.candidates(info.context.session(), source=source, limit=page_size(info, limit, argument="limit"), as_of=as_of)
        _expect(info, [e["id"] for c in found for e in c.examples])
        return found


@strawberry.type(description="A link paper -mentions-> technique as it stands after a verdict.")
class MentionLink:
    paper_id: strawberry.ID
    technique_id: strawberry.ID
    note: str
    confidence: float


@strawberry.type(description="A phrase promoted to a technique, and what the relink that followed changed.")
class Promotion:
    linked: int = strawberry.field(description="Papers that now mention the new technique.")
    added: int = strawberry.field(description="Links added by the relink, in all.")
    removed: int = strawberry.field(description="Links removed by the relink, in all.")
    _id: strawberry.Private[str]

    @strawberry.field(description="The new technique.")
    def technique(self, info: strawberry.Info) -> Node:
        _expect(info, [self._id])
        return _node(info, self._id)


def _verdict(info: strawberry.Info, verdict: str, paper: str, technique: str, by: str, note: str) -> Any:
    return info.context.write(lambda session: linking.judge(session, paper, technique, verdict, by=by, note=note))


def linking_mutations(can_write: type[BasePermission]) -> type:
    """The verdict mutations, guarded by the schema's write permission."""

    @strawberry.type
    class LinkingMutations:
        @strawberry.mutation(permission_classes=[can_write], description="Reject a link the linker made: it is removed and no relink makes it again. Returns true.")
        def reject_link(self, info: strawberry.Info, paper: strawberry.ID, technique: strawberry.ID, by: str = "user", note: str = "") -> bool:
            _verdict(info, linking.REJECTED, paper, technique, by, note)
            return True

        @strawberry.mutation(permission_classes=[can_write], description="Confirm a link (or make one the linker missed): confidence 1, kept by every relink.")
        def confirm_link(self, info: strawberry.Info, paper: strawberry.ID, technique: strawberry.ID, by: str = "user", note: str = "") -> MentionLink:
            link = _verdict(info, linking.CONFIRMED, paper, technique, by, note)
            return MentionLink(paper_id=link.paper, technique_id=link.technique, note=link.note, confidence=link.confidence)

        @strawberry.mutation(permission_classes=[can_write], description="Make a phrase (e.g. one of candidateTechniques) a technique, with its surface forms as aliases, and link the corpus to it.")
        def promote(
            self, info: strawberry.Info, phrase: str, id: strawberry.ID, category: TechniqueCategory, name: str | None = None,
            year: int | None = None, forms: list[str] | None = None, by: str = "user",
        ) -> Promotion:
            done = info.context.write_with_engine(lambda engine: linking.promote_and_link(
                engine, phrase, id, category=category.value, name=name, year=year, forms=forms or (), by=by))
            return Promotion(linked=done.linked, added=len(done.plan.add), removed=len(done.plan.remove), _id=done.technique)

    return LinkingMutations
