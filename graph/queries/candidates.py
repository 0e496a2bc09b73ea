"""Candidate techniques: title words and two-word phrases that rose sharply
in a corpus (the binomial z of topics.topic_shifts, unchanged) but that no
lexicon form names, so the linker cannot see them. Each comes with its
first year, the year its share peaked, and example papers, for a person to
promote into a technique (`aiprogress promote`).

>>> from aiprogress.graph.mentions import build
>>> lex = build([{"id": "technique:lstm", "name": "LSTM", "year": 1997}], {})
>>> papers = [Paper(f"p{i}", "a study of kernels", 2000 + i % 4) for i in range(40)]
>>> papers += [Paper(f"q{i}", "memory networks for reading", 2004) for i in range(10)]
>>> papers += [Paper(f"r{i}", "LSTM for reading", 2004) for i in range(10)]
>>> sorted((c.phrase, c.first_year, c.peak_year, c.papers) for c in candidate_techniques(papers, lex))
[('memory networks', 2004, 2004, 10), ('reading', 2004, 2004, 20)]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..mentions import Lexicon
from .topics import STOP_WORDS, Paper, topic_shifts

_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# Nouns too common to be a topic alone that still end a phrase ("memory networks", "language models").
HEADS = frozenset({"network", "networks", "model", "models", "learning"})


@dataclass
class Candidate:
    phrase: str
    first_year: int
    peak_year: int  # the year its share of papers was highest
    peak_share: float
    rise_year: int  # the year of its strongest rise
    z: float
    papers: int  # papers whose title holds it
    examples: list[dict[str, Any]] = field(default_factory=list)  # {id, year, title}, from the rise year first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def phrases(title: str) -> set[str]:
    """Words of 3+ letters and pairs of adjacent words, stop words left out
    (a pair may end in one of HEADS)."""
    words = _WORD.findall(title.lower())
    kept = [w if w not in STOP_WORDS and len(w) >= 3 else None for w in words]
    out = {w for w in kept if w}
    out.update(f"{a} {w}" for a, b, w in zip(kept, kept[1:], words[1:]) if a and (b or w in HEADS))
    return out


def candidate_techniques(papers: Iterable[Paper], lexicon: Lexicon, *, window: int = 3, threshold: float = 3.0,
                         min_count: int = 5, min_papers: int = 10, limit: int = 20, examples: int = 3) -> list[Candidate]:
    """Rising phrases no lexicon form matches, strongest rise first."""
    papers = [p for p in papers if p.year is not None]
    by_phrase: dict[str, list[Paper]] = defaultdict(list)
    rows = []
    for p in papers:
        found = phrases(p.title)
        for ph in found:
            by_phrase[ph].append(p)
        # The topic statistic runs over these phrases as its "techniques" slot, titles left empty.
        rows.append(Paper(p.id, "", p.year, tuple(found)))
    per_year = Counter(p.year for p in papers)
    best: dict[str, Any] = {}
    for s in topic_shifts(rows, window=window, threshold=threshold, min_count=min_count, min_papers=min_papers, limit=None):
        if s.direction != "rise" or s.topic in best or lexicon.names(s.topic):
            continue
        best[s.topic] = s
    out = []
    ranked = sorted(best.items(), key=lambda kv: (-kv[1].z, -len(kv[0].split()), kv[0]))
    pairs = {ph for ph in best if " " in ph}
    for phrase, s in ranked:
        if " " not in phrase and any(phrase in pair.split() for pair in pairs):
            continue  # "linguistics" is told by "computational linguistics"
        holders = by_phrase[phrase]
        counts = Counter(p.year for p in holders)
        peak = max(counts, key=lambda y: (counts[y] / per_year[y], -y))
        shown = sorted(holders, key=lambda p: (p.year != s.year, -p.year, p.id))[:examples]  # from the year it rose first
        out.append(Candidate(phrase, min(counts), peak, round(counts[peak] / per_year[peak], 4), s.year, s.z, len(holders),
                             [{"id": p.id, "year": p.year, "title": p.title} for p in shown]))
        if len(out) >= limit:
            break
    return out


__all__ = ["Candidate", "candidate_techniques", "phrases"]
