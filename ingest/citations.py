"""Pass 3 of writing a file: references -> `cites` edges, or pending citations.

A reference is looked up by DOI, arXiv id and the OpenAlex / Semantic
Scholar / MAG aliases. Found: a `cites` edge through graph/batch.py. Not
found: a row of `pending_citation` with what the source said of the work;
never a placeholder paper. When a paper arrives (from any format, BibTeX
too) the pending citations naming it become edges (`resolve_arrivals`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlmodel import Session

from ..graph import batch, bulk
from ..graph.models import PendingCitation
from . import bibtex
from .bibtex_rows import id_aliases
from .importers.records import Reference
from .report import Run

_SCHEMES = (("openalex", "openalex_id"), ("s2", "s2_id"), ("mag", "mag_id"))


def ref_key(ref: Reference) -> str:
    for scheme, value in (("doi", ref.doi), ("arxiv", ref.arxiv_id), ("openalex", ref.openalex), ("s2", ref.s2), ("mag", ref.mag)):
        if value:
            return f"{scheme}:{value}".lower()
    return ""


def _attributes(intents: list[str] | None, influential: bool | None) -> dict[str, Any]:
    """A citation's intents and influence as the edge keeps them: None when
    the source did not say (OpenAlex, BibTeX), so "not stated" stays apart
    from "stated: none" (an S2 citation with `intents: []`)."""
    return {"intents": list(intents) if intents is not None else None, "influential": influential}


def link_citations(run: Run, session: Session, placed: list[tuple[bibtex.BibRecord, str]]) -> None:
    cites = [(record, node_id, refs) for record, node_id in placed if (refs := getattr(record, "references", ()))]
    if not cites:
        return
    from ..graph.identifiers import normalize_arxiv, normalize_doi
    dois, arxiv_ids, names_of = set(), set(), []
    for _, _, refs in cites:
        for ref in refs:
            if ref.doi:
                ref.doi = normalize_doi(ref.doi)
                dois.add(ref.doi)
            if ref.arxiv_id:
                ref.arxiv_id = normalize_arxiv(ref.arxiv_id)
                arxiv_ids.add(ref.arxiv_id)
            names_of.append(ref.aliases())
    dois.discard(None)
    arxiv_ids.discard(None)
    rows = bulk.papers_matching(session, dois=dois, arxiv_ids=arxiv_ids) if dois or arxiv_ids else {}
    by_doi = {row["doi"]: n for n, row in rows.items() if row.get("doi")}
    by_arxiv = {row["arxiv_id"]: n for n, row in rows.items() if row.get("arxiv_id")}
    # The citing works were just placed and DOI/arXiv holders are papers: their kinds need no reading;
    # an alias's node comes with its kind.
    kinds = {node_id: "paper" for _, node_id, _ in cites}
    kinds.update((n, "paper") for n in rows)
    aliases = {}
    for alias, (n, kind) in bulk.alias_targets(session, {a for names in names_of for a in names}).items():
        aliases[alias] = n
        kinds[n] = kind
    edges: list[batch.EdgeRow] = []
    edge_records: list[bibtex.BibRecord] = []
    pending: list[dict[str, Any]] = []
    names_at = iter(names_of)
    # A work's values are worked out once for all its references (twenty a work in a snapshot).
    for record, node_id, refs in cites:
        prov = f"{run.file_label}#{record.key}"
        year: Any = _UNREAD
        seen: set[str] = set()
        for ref in refs:
            names = next(names_at)
            if ref.doi or ref.arxiv_id:
                target = (by_doi.get(ref.doi) if ref.doi else None) or (by_arxiv.get(ref.arxiv_id) if ref.arxiv_id else None) \
                    or next((aliases[a] for a in names if a in aliases), None)
                key = ref_key(ref)
            else:
                # Known by source ids only (OpenAlex's references): the key is the first alias, as ref_key would make it.
                if len(names) == 1:  # an OpenAlex reference: one dict look-up, no generator (20 a work)
                    key = names[0]
                    target = aliases.get(key)
                else:
                    target = next((aliases[a] for a in names if a in aliases), None)
                    key = names[0] if names else ""
            if (target or key) in seen:
                continue
            seen.add(target or key)
            if target == node_id:
                run.problem(record, "self-citation", f"a reference ({key}) names the citing work itself; no edge made")
            elif target is not None:
                if year is _UNREAD:
                    year = bibtex.year_of(record.fields)
                edges.append(batch.EdgeRow(node_id, "cites", target, prov, "", year, None, False,
                                           list(ref.intents) if ref.intents is not None else None, ref.influential))
                edge_records.append(record)
            else:
                # A tuple in models.PendingCitation's column order: twelve values for each of thousands of references.
                pending.append((node_id, key, ref.doi, ref.arxiv_id, ref.openalex.lower() if ref.openalex else None, ref.s2, ref.mag,
                                ref.title, ref.year, list(ref.intents) if ref.intents else [], ref.influential, prov))
    _write_citations(run, session, edges, edge_records, kinds)
    run.report.citations_pending += bulk.insert_new_pending_citations(session, pending)
    session.flush()


_UNREAD = object()


def _write_citations(run: Run, session: Session, edges: list[batch.EdgeRow], records: list[bibtex.BibRecord] | None,
                     kinds: dict[str, str], existing: set[tuple[str, str, str]] | None = None) -> None:
    """Write `cites` edges, counted in the report; a refused one is reported
    against its record (when known)."""
    added: list[batch.EdgeRow] = []
    problems = batch.write_edges(session, edges, kinds, existing=existing, added=added)
    run.report.edges_added += len(added)
    run.report.citations_resolved += len(added)
    for i, problem in enumerate(problems):
        if problem is not None and records is not None:
            run.problem(records[i], problem.kind, f"reference not linked: {problem.message}")


_ID_COLUMNS = ("doi", "arxiv_id", "openalex_id", "s2_id", "mag_id")


def resolve_arrivals(run: Run, session: Session, arrived: list[tuple[str, dict[str, str | None]]]) -> None:
    """Pending citations naming one of the papers just placed become `cites`
    edges, found in bulk: per identifier column, one indexed IN query per
    chunk of the arrivals' values. `arrived`: (node id, {doi, arxiv_id,
    openalex_id, s2_id, mag_id})."""
    if not arrived:
        return
    table = PendingCitation.__table__
    if not inspect(session.connection()).has_table(table.name):
        return  # a store at a revision before pending citations (being filled to test its upgrade)
    owner: dict[tuple[str, str], str] = {}
    for node_id, ids in arrived:
        for column, value in ids.items():
            if value:
                owner.setdefault((column, value), node_id)
    wanted = ("id", "citing_id", "provenance", "intents", "influential", *_ID_COLUMNS)
    found: dict[int, dict[str, Any]] = {}
    for column in _ID_COLUMNS:
        values = {v for (c, v) in owner if c == column}
        for row in bulk.pending_citations_matching(session, column, values, wanted):
            found[row["id"]] = row
    if not found:
        return
    edges = []
    kinds: dict[str, str] = {}
    for row in found.values():
        target = next((owner[(c, row[c])] for c in _ID_COLUMNS if row[c] and (c, row[c]) in owner), None)
        citing = row["citing_id"]
        if target is None or target == citing:
            continue
        # The pending row holds [] for intents not stated; with no flag either, nothing was said.
        said = bool(row["intents"]) or row["influential"] is not None
        edges.append(batch.EdgeRow(citing, "cites", target, row["provenance"], "", None,
                                   **_attributes(row["intents"] if said else None, row["influential"])))
        kinds[citing] = kinds[target] = "paper"  # a pending citation's citing work is a paper; so is what just arrived
    # The arrivals are new to most citations: the edges reaching them are few, read by the target index.
    existing = bulk.edges_to(session, {e.target_id for e in edges}, "cites")
    _write_citations(run, session, edges, None, kinds, existing)
    bulk.delete_pending_citations(session, found)
    session.flush()


def arrival_ids(v: dict[str, Any], record: bibtex.BibRecord, aliases: list[tuple[str, str]] | None = None) -> dict[str, str | None]:
    """The identifiers a placed record's paper can be cited by (`aliases`: the record's id_aliases, when the caller has them)."""
    ids: dict[str, str | None] = {"doi": v.get("doi"), "arxiv_id": v.get("arxiv_id")}
    for alias, scheme in id_aliases(record) if aliases is None else aliases:
        for s, column in _SCHEMES:
            if scheme == s:
                ids[column] = alias.split(":", 1)[1]
    return ids


