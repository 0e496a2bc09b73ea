"""Pass 1 of writing a file: each record placed on the paper it describes.

A record is matched to a stored paper (identity.py: DOI, arXiv id, title +
year (+ first author), then citation key) or becomes a new one, and is then
written as a row through graph/batch.py, which merges it under the one write
rulebook (graph/merge.py). Every citation key becomes an alias. A batch
first takes the loaders' lock (bulk.lock_for_loading), so two ingests of the
same works at once cannot both find a work new.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..graph import batch, bulk, merge, service, values
from . import bibtex
from .bibtex_rows import id_aliases, other_keys, paper_values
from .citations import arrival_ids, resolve_arrivals
from .identity import IdentityIndex, Known, WorkKeys, first_author_key, locator_of, title_key
from .report import Run


def _known(node_id: str, v: dict[str, Any], sources: dict[str, str], keys=None) -> Known:
    """What the identity index knows of a paper (`keys`: of the record it was just made from)."""
    if keys is not None:
        return Known(node_id, keys.doi, keys.arxiv_id, keys.title_key, keys.year, keys.first_author, sources.get("name", ""),
                     keys.locator)
    return Known(node_id, v["doi"], v["arxiv_id"], title_key(v["name"]), v["year"], first_author_key(v["authors"]),
                 sources.get("name", ""), locator_of({**(v["extra"] or {}), "url": v["url"] or ""}))


def place_papers(run: Run, session: Session, records: list[bibtex.BibRecord]) -> None:
    # Another ingest's batch must not place the same works between our reads and writes.
    bulk.lock_for_loading(session)
    # record, its values, its identity keys, its ids in other sources (alias, scheme), its other citation keys: each read once
    mapped: list[tuple[bibtex.BibRecord, dict[str, Any], WorkKeys, list[tuple[str, str]], list[str]]] = []
    key_limit = values.max_key_length()
    for record in records:
        refusal = values.key_problem(record.key, "citation key", key_limit)
        if refusal:
            run.problem(record, refusal[0], f"{refusal[1]}; the entry is not stored")
            run.report.failed += 1
            continue
        if not record.fields.get("title") and not getattr(record, "amends_only", False):
            run.problem(record, "missing-title", "entry has no title; the citation key is used as the paper's name")
        ids = id_aliases(record)
        v = paper_values(record, ids)
        mapped.append((record, v, v.pop("_keys"), ids, other_keys(record)))
    keys = [k for _, _, k, _, _ in mapped]
    wanted_aliases = {a.lower() for r, _, _, ids, others in mapped for a in (r.key, *others, *(i for i, _ in ids))}
    alias_map = bulk.aliases_of(session, wanted_aliases)
    own_ids = {f"paper:{r.key}" for r, *_ in mapped}
    dois = {k.doi for k in keys if k.doi}
    arxiv_ids = {k.arxiv_id for k in keys if k.arxiv_id}
    title_keys = {k.title_key for k in keys if k.title_key}
    held = set(alias_map.values())
    # One read for the identity index's candidates and the batch's papers
    # (each record's own paper:KEY), each DOI and arXiv id looked up once.
    found = bulk.papers_matching(session, dois=dois, arxiv_ids=arxiv_ids, title_keys=title_keys, node_ids=held | own_ids)
    papers = batch.PaperBatch(session, overwrite=run.overwrite)
    papers.prefetch(own_ids, dois=dois, arxiv_ids=arxiv_ids, aliases=wanted_aliases, rows=found.values(), known_aliases=alias_map,
                    rows_complete=True)
    # The index's candidates: the papers that share an identifier, a title or a citation key with a record.
    rows = {node_id: row for node_id, row in found.items()
            if node_id in held or row["doi"] in dois or row["arxiv_id"] in arxiv_ids or row["title_key"] in title_keys}
    index = IdentityIndex()
    for node_id in rows:
        index.add(_known(node_id, papers.current(node_id), papers.sources(node_id)))
    for alias, node_id in alias_map.items():
        if node_id in rows:
            index.add_alias(alias, node_id)
    taken_ids = set(bulk.node_kinds(session, own_ids))
    arrived: list[tuple[str, dict]] = []

    for record, v, work_keys, ids, others in mapped:
        prov = f"{run.file_label}#{record.key}"
        node_id, how = index.match(work_keys, source=run.file_label)
        if how.startswith("conflict-"):
            _identity_conflict(run, record, v, work_keys, node_id, papers, how.removeprefix("conflict-"))
            node_id, how = None, ""
        if getattr(record, "amends_only", False):
            # Adds to a known work only (an abstract, a citation line): never a new paper.
            if node_id is None or papers.current(node_id) is None:
                run.problem(record, "unknown-work", f"{record.key} is not in the store; nothing of this line is kept")
                continue
            v = {k: x for k, x in v.items() if k == "extra" or not merge.is_empty(x)}
            v["name"] = papers.current(node_id)["name"]
            v.pop("entry_type", None)
        if node_id is None:
            node_id = _new_id(session, record.key, taken_ids, key_held=record.key.lower() in alias_map)
            taken_ids.add(node_id)
        aliases = []
        alias = record.key.lower()
        holder = alias_map.get(alias)
        if holder is None:
            # A key that is an id of another source (openalex:w1...) is recorded under that scheme.
            aliases.append((alias, dict(ids).get(alias, "citation-key") if ids else "citation-key"))
        elif holder != node_id and how == "":
            run.problem(record, "kept-value", f"citation key '{record.key}' already names {holder}, a different work; this entry became {node_id}")
        elif holder != node_id:
            run.problem(record, "kept-value", f"citation key '{record.key}' already names {holder}; this entry is the same work as {node_id} (matched by {how}) and was merged there")
        for other in others:
            other = other.lower()
            if other not in alias_map and bibtex.CITATION_KEY_RE.match(other):
                aliases.append((other, "citation-key"))
        for ident, scheme in ids:
            if ident != alias and alias_map.get(ident) is None:
                aliases.append((ident, scheme))
        row = batch.PaperRow(node_id, v, prov, citation_key=record.key,
                             node_provenance=run.file_label, aliases=aliases)
        write = papers.add(row)
        for problem in write.problems:
            run.problem(record, problem.kind, problem.message)
        if write.change == batch.REFUSED:
            run.report.failed += 1
            continue
        for added in write.aliases_added:
            alias_map[added] = node_id
            index.add_alias(added, node_id)
        run.report.aliases_added += len(write.aliases_added)
        if how == "":
            index.add(_known(node_id, papers.current(node_id), papers.sources(node_id), work_keys))
            run.report.new += 1
        elif write.change != service.UNCHANGED:
            if papers.current(node_id) is not None:
                index.add(_known(node_id, papers.current(node_id), papers.sources(node_id)))
            run.report.merged += 1
        else:
            run.report.unchanged += 1
        run.placed.append((record, node_id))
        arrived.append((node_id, arrival_ids(papers.current(node_id) or {}, record, ids)))
    papers.flush()
    resolve_arrivals(run, session, arrived)


def _identity_conflict(run: Run, record: bibtex.BibRecord, v: dict[str, Any], keys: WorkKeys, holder_id: str, papers: batch.PaperBatch,
                       ident: str) -> None:
    """A DOI or arXiv id shared with a paper of another title: two works, not
    one. The record becomes its own paper; the identifier stays with the
    paper that had it (it is unique) and is kept in this one's fields."""
    column = "doi" if ident == "doi" else "arxiv_id"
    value = v[column]
    v[column] = None
    if column == "doi":
        v["extra"]["doi"] = value
    setattr(keys, column, None)
    holder = papers.current(holder_id) or {}
    source = papers.sources(holder_id).get("name") or holder_id
    run.problem(record, "identity-conflict",
                f"{'DOI' if column == 'doi' else 'arXiv id'} {value} is also that of {holder_id} "
                f"({source}: {holder.get('name')!r}), whose title differs from "
                f"{v['name']!r}; kept as two papers, the identifier stays with {holder_id}")


def _new_id(session: Session, key: str, taken: set[str], *, key_held: bool = False) -> str:
    """paper:KEY, or paper:KEY-2 ... when that id is taken or the key already
    names another paper: ids then differ in more than case (paper:Cai09 and
    paper:cai09 would be one key to BibTeX and to every alias lookup)."""
    base = f"paper:{key}"
    if base not in taken and not key_held:
        return base
    n = 2
    while True:
        candidate = f"{base}-{n}"
        if candidate not in taken and not bulk.node_kinds(session, [candidate]):
            return candidate
        n += 1
