"""How the narratives shifted: each narrative with the papers that triggered
it and the constraints it was about, and per period the relaxes edges as
supporting evidence.

The focus of a narrative is data: `focuses-on` edges from the narrative to
the constraints the source framework says it was about (AlexNet's "deep
learning works" -> parameters, architecture, compute). The focus of a period
is the focus of the narratives in force during it (the one current at its
start and any that began within it); `focus_changes` lists where one
narrative's focus gave way to the next.

The counts are evidence, not the answer: a period is `bucket_years` long and
starts at a multiple of it (2010-2014, 2015-2019 ...); in each, the relaxes
edges (dated by the edge's year, or the source's year) are counted per
constraint, `most_relaxed` names the constraint(s) counted most, and the
hard/leverage shares tell whether progress came from moving hard limits or
from getting more out of them. A count is only as good as the rule that one
advance carries one relaxes fact per constraint (data/README.md), since a
near-duplicate node (a model beside the method it demonstrated) would count
the same advance twice.

Given a `corpus` (the ids of some papers, e.g. those of one ingested file),
the answer also says what that corpus worked on, through the techniques its
papers use (the linker's `mentions` and curated `introduces`): per period,
its dated papers and the share using a technique that relaxes each
constraint, the most used, and the share using one that relaxes a
constraint in the period's focus; per narrative, that share for its own
focus in the `bucket_years` before its year and from its year on. So a
reader can see whether the corpus moved with the story or not.

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "paper:alexnet", "year": 2012}, {"id": "narrative:dl-works", "year": 2012}],
...     [{"source_id": "paper:alexnet", "relation": "triggered", "target_id": "narrative:dl-works"}])
>>> [(n["id"], [t["id"] for t in n["triggers"]]) for n in narrative_shifts(g).narratives]
[('narrative:dl-works', ['paper:alexnet'])]
>>> g = Snapshot.from_records(
...     [{"id": "narrative:a", "year": 2012}, {"id": "narrative:b", "year": 2017}, {"id": "constraint:data"},
...      {"id": "constraint:compute"}, {"id": "technique:t", "year": 2013}],
...     [{"source_id": "narrative:a", "relation": "focuses-on", "target_id": "constraint:compute"},
...      {"source_id": "narrative:b", "relation": "focuses-on", "target_id": "constraint:data"},
...      {"source_id": "technique:t", "relation": "relaxes", "target_id": "constraint:data"}])
>>> shifts = narrative_shifts(g)
>>> [(n["id"], [f["id"] for f in n["focus"]]) for n in shifts]
[('narrative:a', ['constraint:compute']), ('narrative:b', ['constraint:data'])]
>>> [(p["start"], p["focus"], p["most_relaxed"]) for p in shifts.periods]
[(2010, ['constraint:compute'], ['constraint:data'])]
>>> [(c["narrative"], c["from"], c["to"]) for c in shifts.focus_changes]
[('narrative:b', ['constraint:compute'], ['constraint:data'])]
>>> g = Snapshot.from_records(
...     [{"id": "narrative:a", "year": 2012}, {"id": "constraint:compute"}, {"id": "technique:gpu", "kind": "technique", "year": 2009},
...      {"id": "paper:p1", "kind": "paper", "year": 2011}, {"id": "paper:p2", "kind": "paper", "year": 2013},
...      {"id": "paper:p3", "kind": "paper", "year": 2014}],
...     [{"source_id": "narrative:a", "relation": "focuses-on", "target_id": "constraint:compute"},
...      {"source_id": "technique:gpu", "relation": "relaxes", "target_id": "constraint:compute"},
...      {"source_id": "paper:p2", "relation": "mentions", "target_id": "technique:gpu"}])
>>> shifts = narrative_shifts(g, corpus=["paper:p1", "paper:p2", "paper:p3"])
>>> [(p["start"], p["corpus"]["papers"], p["corpus"]["focus_share"], p["corpus"]["most_used"]) for p in shifts.periods]
[(2005, 0, None, []), (2010, 3, 0.3333, ['constraint:compute'])]
>>> shifts.narratives[0]["corpus"]
{'before': {'papers': 1, 'using': 0, 'share': 0.0}, 'after': {'papers': 2, 'using': 1, 'share': 0.5}}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..network import Snapshot
from .adoption import constraints_used
from .timeline import breakthroughs


@dataclass
class NarrativeShifts:
    """`narratives`: in order of year, each with its triggers and focus;
    `periods`: per period the narratives in force, their focus, and as
    evidence the relaxes counts per constraint, the most relaxed and the
    hard/leverage shares; `focus_changes`: where one narrative's focus gave
    way to the next. Iterating gives the narratives. With a corpus,
    `corpus_papers` counts its dated papers and each period and narrative
    has a `corpus` entry (see the module's docstring); else None."""

    bucket_years: int
    periods: list[dict[str, Any]] = field(default_factory=list)
    narratives: list[dict[str, Any]] = field(default_factory=list)
    focus_changes: list[dict[str, Any]] = field(default_factory=list)
    undated: int = 0
    corpus_papers: int | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.narratives)

    def __len__(self) -> int:
        return len(self.narratives)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket_years": self.bucket_years,
            "periods": self.periods,
            "narratives": self.narratives,
            "focus_changes": self.focus_changes,
            "undated": self.undated,
            "corpus_papers": self.corpus_papers,
        }


def narrative_shifts(g: Snapshot, bucket_years: int = 5, corpus: Iterable[str] | None = None) -> NarrativeShifts:
    """Narratives in order of year, each with its triggers and its focus (the
    constraints it was about, with the evidence); per `bucket_years` period
    the focus of the narratives in force and the relaxes counts behind it;
    and the points where one narrative's focus gave way to the next. With
    `corpus` (paper ids), what those papers worked on, per period and around
    each narrative."""
    if bucket_years < 1:
        raise InvalidInput(f"bucket_years must be 1 or more, got {bucket_years}")
    result = NarrativeShifts(bucket_years=bucket_years)

    for n in g.nodes_of_kind("narrative"):
        triggers = []
        for fact in g.facts(g.incident(n, relation="triggered", direction="in")):
            s = g.index[fact.source]
            triggers.append(
                {"id": fact.source, "name": g.names[s], "kind": g.kinds[s], "year": fact.year if fact.year is not None else g.years[s], "note": fact.note, "provenance": fact.provenance}
            )
        triggers.sort(key=lambda t: (t["year"] is None, t["year"] or 0, t["id"]))
        focus = [
            {"id": fact.target, "name": g.names[g.index[fact.target]], "note": fact.note, "provenance": fact.provenance}
            for fact in g.facts(g.incident(n, relation="focuses-on", direction="out"))
        ]
        focus.sort(key=lambda f: f["id"])
        year = g.years[n]
        if year is None:
            year = next((t["year"] for t in triggers if t["year"] is not None), None)
        result.narratives.append({"id": g.ids[n], "name": g.names[n], "year": year, "triggers": triggers, "focus": focus})
    result.narratives.sort(key=lambda x: (x["year"] is None, x["year"] or 0, x["id"]))
    dated = [n for n in result.narratives if n["year"] is not None]

    previous: dict[str, Any] | None = None
    for n in dated:
        ids = [f["id"] for f in n["focus"]]
        if ids and previous is not None and ids != [f["id"] for f in previous["focus"]]:
            result.focus_changes.append({"year": n["year"], "narrative": n["id"], "from": [f["id"] for f in previous["focus"]], "to": ids})
        if ids:
            previous = n

    if corpus is not None:
        papers, used, _ = constraints_used(g, papers=corpus)
        result.corpus_papers = len(papers)
        for n in result.narratives:
            n["corpus"] = _around(n, papers, used, bucket_years) if n["year"] is not None else None
    per_period: dict[int, Counter] = {}
    binding_of: dict[str, str | None] = {}
    for c in g.nodes_of_kind("constraint"):
        binding_of[g.ids[c]] = g.bindings.get(c)
        for b in breakthroughs(g, c):
            if b.year is None:
                result.undated += 1
                continue
            per_period.setdefault(b.year - b.year % bucket_years, Counter())[g.ids[c]] += 1
    starts = set(per_period)
    if corpus is not None:
        starts.update(y - y % bucket_years for y in papers.values())
    if starts:
        first, last = min(starts), max(starts)
        for start in range(first, last + 1, bucket_years):
            end = start + bucket_years - 1
            counts = per_period.get(start, Counter())
            total = sum(counts.values())
            top = max(counts.values(), default=0)
            in_force = [n for n in dated if n["year"] <= end and not any(m["year"] <= start and m["year"] > n["year"] for m in dated)]
            hard = sum(k for c, k in counts.items() if binding_of.get(c) == "hard")
            leverage = sum(k for c, k in counts.items() if binding_of.get(c) == "leverage")
            result.periods.append(
                {
                    "start": start,
                    "end": end,
                    "narratives": [n["id"] for n in in_force],
                    "focus": sorted({f["id"] for n in in_force for f in n["focus"]}),
                    "relaxes": dict(sorted(counts.items(), key=lambda ck: (-ck[1], ck[0]))),
                    "total": total,
                    "most_relaxed": sorted(c for c, k in counts.items() if k == top) if total else [],
                    "hard_share": round(hard / total, 3) if total else None,
                    "leverage_share": round(leverage / total, 3) if total else None,
                }
            )
            if corpus is not None:
                result.periods[-1]["corpus"] = _in_period(start, end, result.periods[-1]["focus"], papers, used)
    return result


def _share(using: int, papers: int) -> float | None:
    return round(using / papers, 4) if papers else None


def _in_period(start: int, end: int, focus: list[str], papers: dict[int, int], used: dict[int, set[str]]) -> dict[str, Any]:
    """What the corpus's papers of one period used: per constraint, and of the period's focus."""
    inside = [p for p, y in papers.items() if start <= y <= end]
    counts: Counter[str] = Counter()
    for p in inside:
        counts.update(used.get(p, ()))
    top = max(counts.values(), default=0)
    focused = sum(1 for p in inside if used.get(p, set()) & set(focus))
    return {
        "papers": len(inside),
        "counts": dict(sorted(counts.items(), key=lambda ck: (-ck[1], ck[0]))),
        "shares": {c: _share(k, len(inside)) for c, k in sorted(counts.items(), key=lambda ck: (-ck[1], ck[0]))},
        "most_used": sorted(c for c, k in counts.items() if k == top) if top else [],
        "focus_using": focused,
        "focus_share": _share(focused, len(inside)) if focus else None,
    }


def _around(narrative: dict[str, Any], papers: dict[int, int], used: dict[int, set[str]], years: int) -> dict[str, Any] | None:
    """The share of the corpus's papers using a technique that relaxes one of
    the narrative's focus constraints, in the `years` before its year and from it on."""
    focus = {f["id"] for f in narrative["focus"]}
    if not focus:
        return None
    y = narrative["year"]
    out = {}
    for side, (lo, hi) in (("before", (y - years, y - 1)), ("after", (y, y + years - 1))):
        inside = [p for p, year in papers.items() if lo <= year <= hi]
        using = sum(1 for p in inside if used.get(p, set()) & focus)
        out[side] = {"papers": len(inside), "using": using, "share": _share(using, len(inside))}
    return out
