"""The committed question set (tests/ask/questions.toml) and how an answer
is graded against it; shared by tests/test_ask.py and
tests/benchmarks/bench_ask.py.

exact    the question was understood as written in the set
clarify  a definite question was answered with a question back
wrong    anything else: another kind, other arguments, a guess where the
         set expects a question back, or not understood at all
"""

from __future__ import annotations

import shutil
import tomllib
from collections import Counter
from pathlib import Path

from aiprogress.graph.ask.interpret import Interpretation
from aiprogress.graph.ask.words import normalize

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.toml"
HELD_OUT = HERE / "heldout.toml"  # written after the parser and never tuned for
CORPUS_FILES = ("all_P_acl.bib", "all_D_emnlp.bib")
CORPUS_DIR = HERE.parent / "corpora" / "acl-anthology-2019"
GOAL_EXACT, GOAL_WRONG = 0.90, 0.03


def questions(store: str = "builtin", path: Path = QUESTIONS) -> list[dict]:
    """The questions to ask of a store: `builtin` the built-in history; `corpus` also the corpus ones."""
    every = tomllib.loads(path.read_text(encoding="utf-8"))["q"]
    return [q for q in every if q.get("store", "builtin") == "builtin" or store == "corpus"]


def _args(args: dict) -> dict:
    return {k: normalize(v) if k == "text" else v for k, v in args.items()}


def grade(expected: dict, got: Interpretation) -> str:
    status = expected.get("status", "ok")
    if got.status == status and got.intent == expected.get("intent"):
        if status == "ok" and _args(got.args) == _args(expected.get("args", {})):
            return "exact"
        if status == "clarify" and set(expected["candidates"]) <= set(got.candidates):
            return "exact"
        if status in ("not_found", "unknown"):
            return "exact"
    if got.status == "clarify" and status != "clarify":
        return "clarify"
    return "wrong"


def shares(grades: list[str]) -> dict[str, float]:
    counts = Counter(grades)
    return {k: counts[k] / len(grades) for k in ("exact", "clarify", "wrong")}


def corpus_store(builtin: Path, folder: Path) -> Path:
    """A copy of the built-in history with the ACL and EMNLP samples ingested (and linked) beside it."""
    from aiprogress.graph import db
    from aiprogress.ingest import load

    path = folder / "corpus.db"
    shutil.copy(builtin, path)
    engine = db.open_engine(str(path))
    try:
        for name in CORPUS_FILES:
            for _ in load.ingest_sources(engine, [str(CORPUS_DIR / name)]):
                pass
    finally:
        engine.dispose()
    return path
