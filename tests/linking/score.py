"""Precision and recall of the linker on the hand-labelled titles
(tests/linking/labelled_titles.tsv; how they were drawn: draw_sample.py,
how they were labelled: README.md beside them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiprogress.graph.mentions import Lexicon

HERE = Path(__file__).resolve().parent
LABELLED = (HERE / "labelled_titles.tsv", HERE / "heldout_titles.tsv")


@dataclass
class Score:
    titles: int = 0
    true_positive: int = 0
    false_positive: list[tuple[str, str]] = field(default_factory=list)  # (title, technique)
    false_negative: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positive + len(self.false_positive)
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + len(self.false_negative)
        return self.true_positive / wanted if wanted else 1.0


def read(path: Path) -> list[tuple[str, int | None, set[str]]]:
    """(title, year, technique ids) per labelled line."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        corpus, key, year, title, labels = line.split("\t")
        techniques = {f"technique:{t}" for t in labels.split(",") if t}
        out.append((title, None if year == "None" else int(year), techniques))
    return out


def score(lex: Lexicon, path: Path) -> Score:
    s = Score()
    for title, year, wanted in read(path):
        s.titles += 1
        found = set(lex.link({"id": "x", "name": title, "year": year}))
        s.true_positive += len(found & wanted)
        s.false_positive += [(title, t) for t in sorted(found - wanted)]
        s.false_negative += [(title, t) for t in sorted(wanted - found)]
    return s
