"""Where proposals say the field should go: the open problems they name,
with the constraints each bears on, and the themes they argue for, with the
techniques that already embody each (`open_problems`). It sits beside
`frontier`: frontier says what binds as the record stands, this says what
a proposal holds is still unsolved.

>>> from aiprogress.graph.network import Snapshot
>>> g = Snapshot.from_records(
...     [{"id": "proposal:p", "year": 2023}, {"id": "problem:privacy"}, {"id": "theme:multi-modality"},
...      {"id": "constraint:data"}, {"id": "technique:clip", "year": 2021}],
...     [{"source_id": "proposal:p", "relation": "names", "target_id": "problem:privacy"},
...      {"source_id": "proposal:p", "relation": "names", "target_id": "theme:multi-modality"},
...      {"source_id": "problem:privacy", "relation": "bears-on", "target_id": "constraint:data"},
...      {"source_id": "technique:clip", "relation": "embodies", "target_id": "theme:multi-modality"}])
>>> found = open_problems(g)
>>> [(p["id"], [c["id"] for c in p["bears_on"]], [n["id"] for n in p["named_by"]]) for p in found.problems]
[('problem:privacy', ['constraint:data'], ['proposal:p'])]
>>> [(t["id"], [e["id"] for e in t["embodied_by"]]) for t in found.themes]
[('theme:multi-modality', ['technique:clip'])]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..network import Snapshot


@dataclass
class OpenProblems:
    """`problems`: each with the constraints it bears on and the proposals
    naming it; `themes`: each with the proposals arguing for it and the
    techniques embodying it (up to `as_of`)."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"problems": self.problems, "themes": self.themes}


def _ends(g: Snapshot, i: int, relation: str, direction: str, as_of: int | None) -> list[dict[str, Any]]:
    out = []
    for fact in g.facts(g.incident(i, relation=relation, direction=direction)):
        other = fact.target if direction == "out" else fact.source
        j = g.index[other]
        year = fact.year if fact.year is not None else g.years[j]
        if as_of is not None and year is not None and year > as_of:
            continue
        out.append({"id": other, "name": g.names[j], "year": year, "note": fact.note, "provenance": fact.provenance})
    out.sort(key=lambda e: (e["year"] is None, e["year"] or 0, e["id"]))
    return out


def open_problems(g: Snapshot, *, as_of: int | None = None) -> OpenProblems:
    """The problems proposals name and the themes they argue for, each with
    its evidence; with `as_of`, only what was named (and embodied) by then."""
    result = OpenProblems()
    for kind, bucket, link, link_direction, link_key in (
        ("problem", result.problems, "bears-on", "out", "bears_on"),
        ("theme", result.themes, "embodies", "in", "embodied_by"),
    ):
        for i in g.nodes_of_kind(kind):
            named_by = _ends(g, i, "names", "in", as_of)
            if not named_by:
                continue
            bucket.append({"id": g.ids[i], "name": g.names[i], "named_by": named_by, link_key: _ends(g, i, link, link_direction, as_of)})
        bucket.sort(key=lambda x: x["id"])
    return result
