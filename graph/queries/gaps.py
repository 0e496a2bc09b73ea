"""The graph's own shortcomings: what it does not know yet (gaps).

- papers linked to no technique (no edge to or from any technique);
- techniques with no path to any constraint (following enables, introduces,
  inspired-by and relaxes from origin to derived, no constraint is reached);
- edges without a note or without provenance;
- likely duplicate papers (the same title once case, accents, punctuation
  and spacing are ignored);
- narratives without a trigger;
- references to works not in the store yet (pending citations: read from the
  store by the caller, graph/citations.py, and passed in).

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "paper:a", "name": "Attention!"}, {"id": "paper:b", "name": "attention"},
...      {"id": "technique:x"}, {"id": "narrative:n"}], [])
>>> found = gaps(g)
>>> found.duplicate_papers, found.narratives_without_trigger
([['paper:a', 'paper:b']], ['narrative:n'])
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..network import UP, Snapshot

# Relations along which a technique can lead to a constraint.
TOWARD_CONSTRAINTS = ("enables", "introduces", "inspired-by", "relaxes")


@dataclass
class Gaps:
    papers_without_technique: list[str] = field(default_factory=list)
    techniques_without_constraint: list[str] = field(default_factory=list)
    edges_without_evidence: list[dict[str, Any]] = field(default_factory=list)
    duplicate_papers: list[list[str]] = field(default_factory=list)
    narratives_without_trigger: list[str] = field(default_factory=list)
    unresolved_references: list[str] = field(default_factory=list)  # "citing id -> scheme:id", awaiting the cited work

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in asdict(self).items()}

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), **asdict(self)}


def title_key(title: str) -> str:
    """Lower case, accents stripped, only letters and digits kept."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


def gaps(g: Snapshot, limit: int | None = None, unresolved: list[str] | None = None) -> Gaps:
    """Everything the graph lacks, by kind of gap, each list sorted by id and
    cut to `limit` entries when given (the counts are of the cut lists).
    `unresolved`: the pending citations, as graph/citations.py lists them."""
    out = Gaps(unresolved_references=sorted(unresolved or []))
    papers = g.nodes_of_kind("paper")
    if papers:
        touches = np.zeros(len(g), dtype=bool)
        sources, targets = g.ends()
        touches[targets[g.is_kind(sources, "technique")]] = True
        touches[sources[g.is_kind(targets, "technique")]] = True
        out.papers_without_technique = sorted(g.ids[p] for p in papers if not touches[p])

    constraints = g.nodes_of_kind("constraint")
    leads = g.reach(constraints, UP, relations=TOWARD_CONSTRAINTS) if constraints else np.zeros(len(g), dtype=bool)
    out.techniques_without_constraint = sorted(g.ids[t] for t in g.nodes_of_kind("technique") if not leads[t])

    for fact in g.facts(g.edges_lacking_evidence()):
        missing = [name for name, value in (("note", fact.note), ("provenance", fact.provenance)) if not value]
        out.edges_without_evidence.append({"source": fact.source, "relation": fact.relation, "target": fact.target, "missing": missing})
    out.edges_without_evidence.sort(key=lambda e: (e["source"], e["relation"], e["target"]))

    by_title: dict[str, list[str]] = defaultdict(list)
    for p in papers:
        key = title_key(g.names[p])
        if key:
            by_title[key].append(g.ids[p])
    out.duplicate_papers = sorted(sorted(ids) for ids in by_title.values() if len(ids) > 1)

    out.narratives_without_trigger = sorted(
        g.ids[n] for n in g.nodes_of_kind("narrative") if not g.incident(n, relation="triggered", direction="in")
    )
    if limit is not None:
        for name in ("papers_without_technique", "techniques_without_constraint", "edges_without_evidence", "duplicate_papers", "narratives_without_trigger", "unresolved_references"):
            setattr(out, name, getattr(out, name)[:limit])
    return out
