"""One question, answered: what was understood, the answer in words, the
facts behind it, and what the page should show. Every entry point (the
`ask` command, GraphQL `ask`, the page's question box) calls `ask`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from .. import answers
from ..errors import AiprogressError
from . import entities, interpret as understanding
from .answer import Reply
from .interpret import CLARIFY, NOT_FOUND, OK, Interpretation
from . import patterns


@dataclass
class Answer:
    interpretation: Interpretation
    text: str
    facts: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    focus: dict[str, Any] = field(default_factory=dict)
    nodes: list[str] = field(default_factory=list)
    reply: Reply | None = field(default=None, repr=False)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # for a question back: each {id, name, kind, year}
    # Milliseconds spent understanding the question, and running the query.
    understand_ms: float = 0.0
    query_ms: float = 0.0

    @property
    def status(self) -> str:
        return self.interpretation.status

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.interpretation.question, "status": self.status, "understood": self.interpretation.to_dict(),
                "text": self.text, "facts": self.facts, "candidates": self.candidates, "focus": self.focus, "nodes": self.nodes,
                "result": self.result, "understand_ms": round(self.understand_ms, 3), "query_ms": round(self.query_ms, 3)}


_CORPUS_WORDS = {"in", "from", "within", "across", "my", "the", "our", "file", "files", "corpus", "corpora", "bib", "bibliography",
                 "collection", "anthology"}


def kinds_help() -> list[dict[str, Any]]:
    """The kinds of question understood, each with what it answers and examples."""
    return [{"intent": k.intent, "summary": k.summary, "examples": list(k.examples), "command": f"aiprogress {k.command}"} for k in patterns.KINDS]


def _kinds_text() -> str:
    return " ".join(f"{k.summary[0].upper()}{k.summary[1:]} (\"{k.examples[0]}\")." for k in patterns.KINDS)


def ask(session: Session, question: str) -> Answer:
    started = time.perf_counter()
    found = understanding.interpret(session, question)
    understood = time.perf_counter()
    try:
        answer = _answer(session, found)
    except AiprogressError as exc:
        # A name hidden by the year asked, a corpus not in the store ...: the
        # question was understood; the graph cannot answer it as asked.
        command = found.command or found.intent
        found.status, found.missing = NOT_FOUND, None
        answer = Answer(found, f"I understood `{command}`, but the graph cannot answer it: {exc}.")
    answer.understand_ms = (understood - started) * 1000
    answer.query_ms = (time.perf_counter() - understood) * 1000
    return answer


def _answer(session: Session, found: Interpretation) -> Answer:
    if found.status == OK:
        reply: Reply = found.kind.reply(session, found.args)
        text = reply.text + "".join(f" (Note: {n}.)" for n in found.notes)
        return Answer(found, text, reply.facts, reply.result, reply.focus, reply.nodes, reply)
    if found.status == CLARIFY and found.intent is None:
        # A name among words no kind of question matches: offer the questions about it.
        g = answers.graph_at(session)
        node = found.candidates[0]
        name = g.names[g.index[node]]
        asks = [f"Where did {name} come from?", f"What did {name} lead to?", f"What is {name}?"]
        text = (f"I found {node} ({name}) but not what you ask about it. Did you mean: " + " / ".join(asks)
                + " Other kinds of question: " + _kinds_text())
        return Answer(found, text, candidates=[{"id": node, "name": name, "kind": g.kinds[g.index[node]], "year": g.years[g.index[node]]}], nodes=[node])
    if found.status == CLARIFY:
        g = answers.graph_at(session)
        labels = answers.labels(session, found.candidates)
        options = [{"id": c, "name": labels.get(c, c), "kind": g.kinds[g.index[c]], "year": g.years[g.index[c]]} for c in found.candidates]
        said = next(iter(found.said.values()), "")
        listed = ", ".join(f"{o['id']} ({o['name']})" for o in options[:-1])
        tail = f"{options[-1]['id']} ({options[-1]['name']})"
        text = f"'{said}' may name several things. Did you mean {listed + ' or ' if listed else ''}{tail}? Ask again with the id or a fuller name."
        return Answer(found, text, candidates=options, nodes=found.candidates)
    if found.status == NOT_FOUND:
        return _not_found(session, found)
    return Answer(found, "I could not map this question to a query of the graph. I understand these kinds of question: " + _kinds_text())


def _not_found(session: Session, found: Interpretation) -> Answer:
    """Understood, but naming nothing in the graph: say so, and what full-text search finds for the words."""
    kind = found.kind
    missing = found.missing or ""
    text = f"I read this as: {kind.summary}; " if kind else ""
    if missing.startswith("corpus: "):
        held = sorted(entities.lexicon(session, patterns.trigger_words())[0].source_files.values())
        said = [w for w in missing[len("corpus: "):].split() if w not in _CORPUS_WORDS]
        text += f"but no corpus '{' '.join(said)}' was ingested into this store"
        return Answer(found, text + (f" (it holds: {', '.join(held)})." if held else "."))
    if missing:
        text += f"but nothing in the graph is named '{missing}'."
    else:
        text += "but it names nothing in the graph that this question needs."
    hits: list[str] = []
    if missing:
        for words in [missing, *missing.split()]:
            try:
                hits = [h.node_id for h in answers.search(session, words, limit=5).hits]
            except AiprogressError:
                hits = []
            if hits:
                break
    if hits:
        labels = answers.labels(session, hits)
        text += " Full-text search finds: " + "; ".join(f"{h} ({labels.get(h, h)})" for h in hits) + "."
    elif missing:
        text += " Full-text search finds nothing for those words either."
    if kind:
        text += f" For example: \"{kind.examples[0]}\"."
    return Answer(found, text, nodes=hits)


def warm(session: Session) -> None:
    """Build the names of the graph now (the server does it before the first question)."""
    entities.lexicon(session, patterns.trigger_words())
