"""Passes 2 and 3 of writing a file: relation fields -> edges, then the
linker's `mentions` links.

The fields `relaxes`, `enables`, `inspired-by`, `introduces`, `cites`,
`techniques`, `triggered` name the targets of edges from the paper (by id,
slug, alias or citation key). Edges are written through graph/batch.py,
which checks them by the service's edge rules. The techniques a paper's
title, abstract and keywords name are found by the linker (graph/linking.py),
as `aiprogress link` would, with the lexicon read once per file.
"""

from __future__ import annotations

from sqlmodel import Session

from ..graph import batch, bulk, linking, service
from ..graph.relations import RELATIONS
from . import bibtex
from .bibtex_rows import RELATION_FIELDS, SPLIT_REFS
from .report import Run

_RELATION_FIELDS = frozenset(RELATION_FIELDS)


def link_mentions(run: Run, session: Session, placed: list[tuple[bibtex.BibRecord, str]]) -> None:
    """The linker over the papers of this batch (pass 3)."""
    if run.lexicon is None:
        run.lexicon = linking.lexicon(session)
    if not run.lexicon.forms:
        return  # a store without techniques: no paper can name one, and reading the batch back for it would cost
    plan = linking.link_papers(session, run.lexicon, dict.fromkeys(n for _, n in placed))
    run.report.edges_inferred += len(plan.add)
    session.flush()


def link_relations(run: Run, session: Session, placed: list[tuple[bibtex.BibRecord, str]]) -> None:
    wanted: list[tuple[bibtex.BibRecord, str, str, str, str]] = []  # record, node id, field, relation, ref
    for record, node_id in placed:
        fields = record.fields
        if _RELATION_FIELDS.isdisjoint(fields):
            continue  # most entries: nothing to link, nothing to split
        for name, relation in RELATION_FIELDS.items():
            for ref in filter(None, SPLIT_REFS.split(fields.get(name, "").strip())):
                wanted.append((record, node_id, name, relation, ref.strip("{} ")))
    if not wanted:
        return

    # Candidates for each reference: itself as an id, as an alias, and as
    # kind:slug for each kind the relation may point at.
    candidate_ids = set()
    for _, _, _, relation, ref in wanted:
        candidate_ids.add(ref)
        candidate_ids.update(f"{kind}:{ref}" for kind in RELATIONS[relation].targets)
        candidate_ids.update(f"{kind}:{service.slugify(ref)}" for kind in RELATIONS[relation].targets if kind != "paper")
    aliases = bulk.aliases_of(session, (ref for *_, ref in wanted))
    kinds = bulk.node_kinds(session, candidate_ids | set(aliases.values()) | {n for _, n in placed})

    rows: list[batch.EdgeRow] = []
    origins: list[tuple[bibtex.BibRecord, str]] = []  # record, field name
    seen: set[tuple[str, str, str]] = set()

    def add(record: bibtex.BibRecord, node_id: str, relation: str, target: str, note: str, confidence: float | None,
            name: str) -> None:
        triple = (node_id, relation, target)
        if triple in seen:
            return
        seen.add(triple)
        rows.append(batch.EdgeRow(node_id, relation, target, f"{run.file_label}#{record.key}", note,
                                  bibtex.year_of(record.fields), confidence, confidence is not None))
        origins.append((record, name))

    for record, node_id, name, relation, ref in wanted:
        target = _resolve(ref, relation, aliases, kinds)
        if target is None:
            run.problem(record, "unknown-reference", f"field '{name}': {ref!r} names no node (not an id, slug, alias or citation key); no edge made")
            continue
        add(record, node_id, relation, target, f"BibTeX field {name} of {record.key}", None, name)

    existing = bulk.edges_from(session, (n for _, n in placed))
    for (record, name), row, problem in zip(origins, rows, batch.write_edges(session, rows, kinds)):
        if problem is not None:
            run.problem(record, "forbidden-relation", f"field '{name}': {problem.message}")
            continue
        if (row.source_id, row.relation, row.target_id) not in existing:
            run.report.edges_added += 1
    session.flush()


def _resolve(ref: str, relation: str, aliases: dict[str, str], kinds: dict[str, str]) -> str | None:
    if ref in kinds and ":" in ref:
        return ref
    targets = RELATIONS[relation].targets
    node_id = aliases.get(ref.lower())
    if node_id is not None:
        return node_id
    for kind in sorted(targets):
        for candidate in (f"{kind}:{ref}", f"{kind}:{service.slugify(ref)}"):
            if candidate in kinds:
                return candidate
    return None
