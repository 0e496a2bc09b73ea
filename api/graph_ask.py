"""GraphQL `ask(question: String!)`: a question in plain words, answered by
graph.ask as the `aiprogress ask` command and the page's question box
answer it: what was understood (the command that asks the same), the answer
in words, the facts behind it, and the query's result, typed for lineage
and path questions and as data for every kind."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from ..graph import ask as asking
from .graph_queries import Lineage, Path, Reached, _expect, _fact_ends, _nodes, fact_record
from .types import Node


@strawberry.type(description="What a question was understood to ask.")
class AskInterpretation:
    status: str = strawberry.field(description="ok (understood), clarify (a name is ambiguous: see candidates), not_found (the kind of question is understood but names nothing in the graph), unknown (no kind of question fits).")
    intent: str | None = strawberry.field(description="The kind of question: origins, impact, path, relaxed, frontier, narratives, what_is, adoption, search, gaps ...")
    arguments: JSON = strawberry.field(description="The query's arguments as understood (ids, years, corpus, limit).")
    command: str | None = strawberry.field(description="The `aiprogress` command that asks the same.")
    notes: list[str] = strawberry.field(description="What was said but not used, and filters applied to the answer.")
    mended: JSON = strawberry.field(description="Misspelt words and how they were read.")
    missing: str | None = strawberry.field(description="not_found: the words that name nothing in the graph.")


@strawberry.type(description="A fact behind an answer, with its note and provenance (a constraint's recorded status for what-binds questions).")
class AskFact:
    source: strawberry.ID
    relation: str
    target: str
    source_name: str
    target_name: str | None
    year: int | None
    note: str | None
    provenance: str | None


@strawberry.type(description="An answer to a question in plain words.")
class AskAnswer:
    question: str
    interpretation: AskInterpretation
    text: str = strawberry.field(description="The answer in words, or the question back, or the kinds of question understood.")
    facts: list[AskFact] = strawberry.field(description="The facts behind the answer.")
    focus: JSON = strawberry.field(description="What the page shows: {id, mode} for a lineage, {path: [a, b]}, or {node}.")
    result: JSON | None = strawberry.field(description="The query's result as data.")
    lineage: Lineage | None = strawberry.field(description="Origins and impact questions: the lineage, typed, as far as the answer lists it.")
    path: Path | None = strawberry.field(description="Path questions: the chain of facts, typed.")
    _candidates: strawberry.Private[list[str]]
    _nodes: strawberry.Private[list[str]]

    @strawberry.field(description="clarify: the nodes the question may mean.")
    def candidates(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._candidates)

    @strawberry.field(description="The nodes the answer is about, most relevant first.")
    def nodes(self, info: strawberry.Info) -> list[Node]:
        return _nodes(info, self._nodes)


def _lineage(reply: Any) -> Lineage | None:
    result = reply.typed
    return Lineage(
        direction=result.direction, relations=list(result.relations), depth=result.depth, count=result.count,
        reached=[Reached(distance=r.distance, via=fact_record(r.via), _id=r.id, _lineage=result) for r in reply.listed],
        supporting_edges=[fact_record(r.via) for r in reply.listed],
        fields=result.fields if result.direction == "origins" else None,
        blocked=result.blocked if result.direction == "impact" else None,
        _root=result.root["id"],
    )


@strawberry.type
class AskQueries:
    @strawberry.field(description="A question in plain words (\"where did the Transformer come from?\"), understood offline and answered from the graph, with what was understood.")
    def ask(self, info: strawberry.Info, question: str) -> AskAnswer:
        answer = asking.ask(info.context.session(), question)
        found, reply = answer.interpretation, answer.reply
        intent = found.intent if found.status == "ok" else None
        lineage = _lineage(reply) if reply is not None and intent in ("origins", "impact") else None
        path = None
        if reply is not None and intent == "path" and reply.typed is not None:
            path = Path(directed=reply.typed.directed, length=reply.typed.length, supporting_edges=[fact_record(f) for f in reply.typed.steps], _ids=reply.typed.nodes())
        expected = [*found.candidates, *answer.nodes]
        if lineage is not None:
            expected += [reply.typed.root["id"], *(r.id for r in reply.listed), *_fact_ends(r.via for r in reply.listed)]
        if path is not None:
            expected += [*reply.typed.nodes(), *_fact_ends(reply.typed.steps)]
        _expect(info, expected)
        return AskAnswer(
            question=found.question,
            interpretation=AskInterpretation(status=found.status, intent=found.intent, arguments=found.args, command=found.command,
                                             notes=found.notes, mended=found.mended, missing=found.missing),
            text=answer.text, facts=[AskFact(**f) for f in answer.facts], focus=answer.focus, result=_plain(answer.result),
            lineage=lineage, path=path, _candidates=list(found.candidates), _nodes=list(answer.nodes),
        )


def _plain(value: Any) -> Any:
    """The result as JSON data (dataclasses already turned to dicts by the replies)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    return str(value)
