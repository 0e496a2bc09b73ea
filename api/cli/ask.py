"""`aiprogress ask "where did the Transformer come from?"`: a question in
plain words, answered by graph.ask (offline: no language model, no
network). It prints what was understood (the command that asks the same),
the answer in words, and the facts behind it."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import DbOption, JsonOption, LimitOption, console, print_json, say, session_for, table


def ask(
    question: Annotated[str, typer.Argument(metavar="QUESTION", help="A question in plain words, e.g. \"what did attention lead to?\".", show_default=False)],
    limit: LimitOption = 20,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Ask a question in plain words: where an idea came from, what it led to, how A got to B, what relaxed a constraint, what binds ..."""
    from ...graph import ask as asking  # only when asked: every other command starts without it

    with session_for(db) as session:
        answer = asking.ask(session, question)
    if json_out:
        print_json(answer.to_dict())
        return
    understood = answer.interpretation
    if understood.command:
        say(f"Understood: {understood.command}")
    elif understood.intent and understood.status == "clarify":
        say(f"Understood: a question of kind {understood.intent}, about a name that may mean several things")
    elif understood.intent and understood.status == "not_found":
        say(f"Understood: a question of kind {understood.intent}, but the graph cannot answer it as asked")
    for wrong, right in understood.mended.items():
        say(f"Read '{wrong}' as '{right}'.")
    say("")
    say(answer.text)
    if answer.facts:
        rows = [[f"{f['source_name']} -{f['relation']}-> {f['target_name']}", f["year"], f"{f['note'] or ''} [{f['provenance'] or 'no provenance'}]"]
                for f in answer.facts[:limit]]
        more = f", showing {limit}" if len(answer.facts) > limit else ""
        console.print(table(f"The facts behind it: {len(answer.facts)}{more}", ["fact", "year", "note [provenance]"], rows))


COMMANDS = {"ask": ask}
