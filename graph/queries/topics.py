"""Which topics rose or fell sharply in an uncurated corpus (topic_shifts).

Each paper contributes its title terms (lower-cased words of 3+ letters,
minus common stop words) and the techniques it is linked to (`introduces`,
or `mentions`: the linker's links),
each counted once per paper. For a topic t and year y with n_y papers of
which c_y carry t, the share c_y / n_y is compared with the topic's pooled
share p over the `window` years before y (smoothed: (C + 1) / (N + 2), so a
topic never seen before has a small, non-zero baseline) by the binomial
z-score

    z = (c_y - n_y * p) / sqrt(n_y * p * (1 - p))

A rise is z >= threshold with at least `min_count` papers carrying the topic
that year; a fall is z <= -threshold where the baseline expected at least
`min_count` of them. This is a one-year change-point test of the share; it
needs at least `min_papers` papers in y and in the window.

>>> papers = [Paper(f"p{i}", "a study of kernels", 2000 + i % 4) for i in range(40)]
>>> papers += [Paper(f"q{i}", "attention for translation", 2004) for i in range(10)]
>>> papers += [Paper(f"r{i}", "a study of kernels", 2004) for i in range(10)]
>>> sorted((s.topic, s.year, s.direction) for s in topic_shifts(papers))
[('attention', 2004, 'rise'), ('kernels', 2004, 'fall'), ('study', 2004, 'fall'), ('translation', 2004, 'rise')]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..network import Snapshot

STOP_WORDS = frozenset(
    """about above after again against all also among and any are based beyond both but can could deep does
    each few for from further has have how into its learning more most neural new not novel off one only other our
    out over own same should some such than that the their them then there these they this those through too towards
    toward two under until use used using very via was were what when where which while who why will with within
    without you your network networks model models approach method methods""".split()
)
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_TECHNIQUE_LINKS = ("introduces", "mentions")


@dataclass(frozen=True)
class Paper:
    """One paper of the corpus: what topic_shifts needs of it."""

    id: str
    title: str
    year: int | None
    techniques: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shift:
    topic: str
    source: str  # "title" or "technique"
    year: int
    direction: str  # "rise" or "fall"
    count: int
    papers: int
    share: float
    baseline_share: float
    z: float
    counts_by_year: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def title_terms(title: str) -> set[str]:
    words = _WORD.findall(title.lower())
    return {w.strip("-") for w in words if w.strip("-") not in STOP_WORDS and len(w.strip("-")) >= 3}


def corpus(g: Snapshot, paper_ids: Iterable[str] | None = None, year_from: int | None = None, year_to: int | None = None) -> list[Paper]:
    """The papers of a snapshot (all, or those named) as topic_shifts input,
    with the techniques each introduces or mentions."""
    chosen = g.nodes_of_kind("paper") if paper_ids is None else [g.node_index(p) for p in paper_ids]
    out = []
    for i in chosen:
        year = g.years[i]
        if year is None or (year_from is not None and year < year_from) or (year_to is not None and year > year_to):
            continue
        techniques = tuple(sorted({g.ids[g.target(e)] for e in g.incident(i, direction="out") if g.relation(e) in _TECHNIQUE_LINKS}))
        out.append(Paper(id=g.ids[i], title=g.names[i], year=year, techniques=techniques))
    return out


def topic_shifts(
    papers: Iterable[Paper],
    *,
    window: int = 3,
    threshold: float = 3.0,
    min_count: int = 3,
    min_papers: int = 10,
    limit: int | None = 50,
) -> list[Shift]:
    """Topics whose yearly share of papers rose or fell sharply (see the
    module's docstring for the statistic), strongest first."""
    if window < 1 or threshold <= 0 or min_count < 1:
        raise InvalidInput("window and min_count must be 1 or more and threshold above 0")
    papers_per_year: Counter[int] = Counter()
    counts: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for p in papers:
        if p.year is None:
            continue
        papers_per_year[p.year] += 1
        for term in title_terms(p.title):
            counts[(term, "title")][p.year] += 1
        for technique in set(p.techniques):
            counts[(technique, "technique")][p.year] += 1
    years = sorted(papers_per_year)
    shifts = []
    for (topic, source), by_year in counts.items():
        for y in years:
            n = papers_per_year[y]
            prior = [x for x in range(y - window, y) if x in papers_per_year]
            n_prior = sum(papers_per_year[x] for x in prior)
            if n < min_papers or n_prior < min_papers:
                continue
            c = by_year.get(y, 0)
            p = (sum(by_year.get(x, 0) for x in prior) + 1) / (n_prior + 2)
            z = (c - n * p) / math.sqrt(n * p * (1 - p))
            if z >= threshold and c >= min_count:
                direction = "rise"
            elif z <= -threshold and n * p >= min_count:
                direction = "fall"
            else:
                continue
            shifts.append(
                Shift(
                    topic=topic,
                    source=source,
                    year=y,
                    direction=direction,
                    count=c,
                    papers=n,
                    share=round(c / n, 4),
                    baseline_share=round(p, 4),
                    z=round(z, 2),
                    counts_by_year={x: by_year.get(x, 0) for x in [*prior, y]},
                )
            )
    shifts.sort(key=lambda s: (-abs(s.z), s.year, s.topic))
    return shifts if limit is None else shifts[:limit]
