"""The merge policy: what happens when a paper's values arrive again.

One pure function, `merge_paper`, decides for every way a paper is written
(a single service write, BibTeX, RDF, any importer), so the same paper
merges the same way whatever format it came in:

- an empty field is filled;
- a differing value replaces the stored one only if the stored one came from
  the same source (that source was edited) or `overwrite` is given; else the
  stored value is kept and a `kept-value` note says which was ignored (a
  title differing only in case, accents or punctuation is kept silently);
- a DOI or arXiv id is never rewritten: a different one means a different work;
- each field remembers the provenance of its value (`field_sources`), extra
  fields one by one as `extra.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .identifiers import title_key
from .models import Node, Paper

# The values a paper write carries: its node's text columns and the paper row's
# bibliographic ones. Not merged: ids, the first-seen citation key, the copies
# kept for the identity index (title_key, year) and the bookkeeping.
_NOT_MERGED = {"id", "kind", "category", "binding", "provenance", "node_id", "citation_key", "title_key", "extra", "field_sources"}
MERGED_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    c.name for table in (Node.__table__, Paper.__table__) for c in table.columns if c.name not in _NOT_MERGED
))
IDENTITY_FIELDS = ("doi", "arxiv_id")
NOTE_KINDS = frozenset({"kept-value"})


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass(frozen=True)
class Kept:
    """A value not taken: the stored one came from elsewhere."""

    field: str
    kept: Any
    ignored: Any
    kept_from: str

    @property
    def message(self) -> str:
        shown = "title" if self.field == "name" else self.field
        return f"{shown}: kept {self.kept!r} (from {self.kept_from or 'a user'}), ignored {self.ignored!r} (use --overwrite to replace)"


@dataclass
class Merged:
    values: dict[str, Any]  # every MERGED_FIELDS value and `extra`
    sources: dict[str, str]  # field name (extra ones as extra.<name>) -> provenance
    changed: bool
    kept: list[Kept] = field(default_factory=list)


def merge_paper(
    current: dict[str, Any] | None,
    current_sources: dict[str, str] | None,
    incoming: dict[str, Any],
    incoming_sources: dict[str, str],
    *,
    overwrite: bool = False,
) -> Merged:
    """Merge `incoming` values into the `current` ones (None: a new paper).

    `incoming` holds any of MERGED_FIELDS and `extra` (a dict); fields it
    lacks are left alone. `incoming_sources` gives each incoming field's
    provenance (`extra.<name>` for extra fields), normally the same one for
    all. Pure: nothing is read or written."""
    if current is None:
        values = {name: incoming.get(name) for name in MERGED_FIELDS}
        values["extra"] = dict(incoming.get("extra") or {})
        sources = {name: incoming_sources[name] for name in MERGED_FIELDS if not is_empty(values[name]) and name in incoming_sources}
        sources.update({f"extra.{k}": incoming_sources[f"extra.{k}"] for k in values["extra"] if f"extra.{k}" in incoming_sources})
        return Merged(values, sources, True)

    values = {**current, "extra": dict(current.get("extra") or {})}
    sources = dict(current_sources or {})
    kept: list[Kept] = []
    changed = False

    def take(name: str, old: Any, new: Any) -> bool:
        if is_empty(new) or old == new:
            return False
        if is_empty(old) or overwrite or sources.get(name) == incoming_sources.get(name):
            return True
        if not (name == "name" and title_key(old) == title_key(new)):
            kept.append(Kept(name, old, new, sources.get(name, "")))
        return False

    for name in MERGED_FIELDS:
        if name not in incoming:
            continue
        new = incoming[name]
        if name in IDENTITY_FIELDS and not is_empty(new) and not is_empty(values.get(name)) and values[name] != new:
            continue
        if take(name, values.get(name), new):
            values[name] = new
            sources[name] = incoming_sources.get(name, "")
            changed = True
    extra = values["extra"]
    for name, new in (incoming.get("extra") or {}).items():
        key = f"extra.{name}"
        if take(key, extra.get(name), new):
            extra[name] = new
            sources[key] = incoming_sources.get(key, "")
            changed = True
    return Merged(values, sources, changed, kept)


def new_paper(incoming: dict[str, Any], provenance: str) -> Merged:
    """`merge_paper(None, None, incoming, sources_for(incoming, provenance))`,
    without building the sources of every field first: a new paper's values
    as they are, each non-empty one from `provenance`."""
    get = incoming.get
    values = {name: get(name) for name in MERGED_FIELDS}
    extra = values["extra"] = dict(get("extra") or {})
    # is_empty inlined, a true value (most) decided by its truth alone: this
    # runs for every field of every new paper (a year 0 is not empty).
    sources = dict.fromkeys([name for name in MERGED_FIELDS
                             if (v := values[name]) or (v is not None and v != "" and v != [] and v != {})], provenance)
    if extra:
        sources.update(dict.fromkeys(["extra." + k for k in extra], provenance))
    return Merged(values, sources, True)


def sources_for(incoming: dict[str, Any], provenance: str) -> dict[str, str]:
    """Every incoming field's provenance when one source gave them all."""
    out = {name: provenance for name in MERGED_FIELDS if name in incoming}
    out.update({f"extra.{k}": provenance for k in incoming.get("extra") or {}})
    return out
