"""Questions in plain words, answered offline from the graph.

`ask(session, question)` understands a question (graph.ask.interpret: the
kind of question, the things it names, years, corpus and limits, by the
table of graph.ask.patterns), runs the query that kind calls and answers in
words with the facts behind it (graph.ask.answer). It never guesses: an
ambiguous name is answered with the candidates, a question it cannot map
with the kinds of question it understands.
"""

from __future__ import annotations

from .asking import Answer, ask, kinds_help
from .interpret import Interpretation, interpret

__all__ = ["Answer", "Interpretation", "ask", "interpret", "kinds_help"]
