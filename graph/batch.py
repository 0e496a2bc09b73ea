"""The one way papers and edges are written: in batches, under one rulebook.

`write_papers(session, rows)` is what a single service write
(`service.upsert_paper`), the BibTeX loader, RDF import and every future
importer call: an importer maps its records to `PaperRow`s and leaves the
rest here. Each row is checked (graph/values.py: years, NUL bytes, key
lengths), merged into what the store or an earlier row of the batch holds
(graph/merge.py: `merge_paper`), its identifiers and aliases checked against
other nodes, and the batch is written with graph/bulk.py's executemany
statements. What was refused or kept is returned per row as `Problem`s
rather than raised, so a loader can report them against its record and go
on; a single write raises them (`raise_errors`).

`PaperBatch` is the same thing in steps, for a loader that must see each
row's merged values before it places the next record (identity matching).
Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from . import bulk, merge, service, values
from .errors import Conflict, InvalidInput
from .identifiers import normalize_arxiv, normalize_doi, title_key
from .models import NodeKind

REFUSED = "refused"

# Problems that only inform: a loader's --strict does not abort on them.
NOTE_KINDS = merge.NOTE_KINDS


@dataclass(frozen=True)
class Problem:
    kind: str  # kept-value, odd-year, nul-byte, key-too-long, missing-title, identifier-taken, alias-taken
    message: str

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS


@dataclass
class PaperRow:
    """One paper as an importer read it.

    `values` holds any of merge.MERGED_FIELDS (`name` is the title) and
    `extra` (other fields, kept as written); `provenance` is where they came
    from (e.g. `bibtex:ml.bib#key`), unless `sources` gives each field's own
    (a record that carries its history, as an RDF export does). A new node
    records `node_provenance` (default: `provenance`). `aliases` are other
    names the paper answers to, as (alias, source) pairs."""

    node_id: str
    values: dict[str, Any]
    provenance: str
    citation_key: str | None = None
    node_provenance: str | None = None
    sources: dict[str, str] | None = None
    aliases: Sequence[tuple[str, str]] = ()


@dataclass
class PaperWrite:
    node_id: str
    change: str  # service.ADDED / UPDATED / UNCHANGED, or REFUSED
    problems: list[Problem] = field(default_factory=list)
    aliases_added: list[str] = field(default_factory=list)

    def raise_errors(self) -> None:
        """Raise the first problem that is not a note (single writes)."""
        for p in self.problems:
            if not p.is_note:
                raise (Conflict if p.kind in ("identifier-taken", "alias-taken") else InvalidInput)(f"{self.node_id}: {p.message}")


@dataclass
class _State:
    values: dict[str, Any]
    sources: dict[str, str]
    citation_key: str
    provenance: str
    is_new: bool
    dirty: bool = False


def _from_row(row: dict[str, Any]) -> _State:
    values = {c: row.get(c) for c in merge.MERGED_FIELDS}
    values["extra"] = dict(row.get("extra") or {})
    return _State(values, dict(row.get("field_sources") or {}), row["citation_key"], row["provenance"], False)


class PaperBatch:
    """Papers merged in memory as rows arrive, written by `flush()`."""

    def __init__(self, session: Session, *, overwrite: bool = False):
        self.session = session
        self.overwrite = overwrite
        self._papers: dict[str, _State] = {}
        self._absent: set[str] = set()
        self._holders: dict[tuple[str, str], str] = {}  # (doi|arxiv_id, value) -> node id
        self._looked_up: set[tuple[str, str]] = set()
        self._aliases: dict[str, str] = {}  # alias -> node id, as read or added
        self._aliases_looked_up: set[str] = set()
        self._other_ids: set[str] = set()  # aliases that are some node's id
        self._new_aliases: list[dict[str, str]] = []
        self._key_limit = values.max_key_length()

    # -- reads --

    def prefetch(self, node_ids: Iterable[str] = (), *, dois: Iterable[str | None] = (), arxiv_ids: Iterable[str | None] = (),
                 aliases: Iterable[str] = (), rows: Iterable[dict[str, Any]] = (), known_aliases: dict[str, str] | None = None,
                 rows_complete: bool = False) -> None:
        """Read, in a few statements, the papers, identifier holders and aliases the
        coming rows will need (`rows`, `known_aliases`: what the caller has already
        read, with `aliases` the names it looked up for them; `rows_complete`:
        `rows` are every stored paper with one of these node ids, DOIs or arXiv
        ids, so none is read again)."""
        for row in rows:
            self._know(row)
        if rows_complete:
            node_ids = set(node_ids)
            self._absent.update(node_ids - self._papers.keys())
            self._looked_up.update(("doi", d) for d in dois if d)
            self._looked_up.update(("arxiv_id", a) for a in arxiv_ids if a)
            node_ids, dois, arxiv_ids = (), (), ()
        aliases = {a.strip().lower() for a in aliases if a} - self._aliases_looked_up
        if aliases:
            found = known_aliases if known_aliases is not None else bulk.aliases_of(self.session, aliases)
            for alias, node_id in found.items():
                self._aliases.setdefault(alias, node_id)
            self._other_ids.update(bulk.node_kinds(self.session, (a for a in aliases if ":" in a)))
            self._aliases_looked_up.update(aliases)
        wanted = {i for i in node_ids if i not in self._papers and i not in self._absent}
        dois = {d for d in dois if d and ("doi", d) not in self._looked_up}
        arxiv_ids = {a for a in arxiv_ids if a and ("arxiv_id", a) not in self._looked_up}
        if wanted or dois or arxiv_ids:
            found = bulk.papers_matching(self.session, node_ids=wanted, dois=dois, arxiv_ids=arxiv_ids)
            for row in found.values():
                self._know(row)
            self._absent.update(wanted - set(found))
        self._looked_up.update(("doi", d) for d in dois)
        self._looked_up.update(("arxiv_id", a) for a in arxiv_ids)

    def _know(self, row: dict[str, Any]) -> None:
        node_id = row["node_id"]
        if node_id not in self._papers:
            self._papers[node_id] = _from_row(row)
        for ident in merge.IDENTITY_FIELDS:
            if row.get(ident):
                self._holders.setdefault((ident, row[ident]), node_id)
                self._looked_up.add((ident, row[ident]))

    def _holder(self, ident: str, value: str) -> str | None:
        if (ident, value) not in self._looked_up:
            self.prefetch(**{f"{ident}s": [value]})
        return self._holders.get((ident, value))

    def current(self, node_id: str) -> dict[str, Any] | None:
        """The paper's values as merged so far (None if unknown)."""
        state = self._papers.get(node_id)
        return None if state is None else state.values

    def sources(self, node_id: str) -> dict[str, str]:
        state = self._papers.get(node_id)
        return {} if state is None else state.sources

    # -- one row --

    def add(self, row: PaperRow) -> PaperWrite:
        """Check and merge one row; nothing is written until `flush`."""
        node_id = row.node_id
        out = PaperWrite(node_id, service.UNCHANGED)
        incoming = dict(row.values)
        citation_key = row.citation_key or node_id.split(":", 1)[-1]
        name, limit = incoming.get("name"), self._key_limit
        # The common case tested inline; _refusal says what is wrong otherwise.
        if not (len(node_id) <= limit and len(citation_key) <= limit and values.NUL not in node_id and values.NUL not in citation_key
                and type(name) is str and name.strip()):
            refusal = self._refusal(row, citation_key, incoming)
            if refusal:
                out.change = REFUSED
                out.problems.append(refusal)
                return out
        if values.has_nul(incoming):
            incoming = values.without_nul(incoming)
            out.problems.append(Problem("nul-byte", "NUL bytes (\\x00) are never stored; removed from the values"))
        year_problem = values.year_problem(incoming.get("year"))
        if year_problem:
            out.problems.append(Problem("odd-year", f"{year_problem}; not stored as the paper's year"))
            incoming["year"] = None
        # Both tested first: most rows carry neither, or carry both as None.
        if incoming.get("doi") is not None:
            incoming["doi"] = normalize_doi(incoming["doi"])
        if incoming.get("arxiv_id") is not None:
            incoming["arxiv_id"] = normalize_arxiv(incoming["arxiv_id"])
        if "authors" in incoming:
            incoming["authors"] = list(incoming["authors"] or [])

        if node_id not in self._papers and node_id not in self._absent:
            self.prefetch([node_id])
        state = self._papers.get(node_id)
        current = None if state is None else state.values
        if state is None and row.sources is None:
            merged = merge.new_paper(incoming, row.provenance)  # most rows of a first ingest: nothing to merge into
        else:
            incoming_sources = {**merge.sources_for(incoming, row.provenance), **(row.sources or {})}
            merged = merge.merge_paper(current, None if state is None else state.sources, incoming, incoming_sources, overwrite=self.overwrite)
        if state is None and row.sources is not None:
            merged.sources = dict(row.sources)  # an import's history is kept as it was written
        if merged.kept:
            out.problems.extend(Problem("kept-value", k.message) for k in merged.kept)
        for ident in merge.IDENTITY_FIELDS:
            value = merged.values.get(ident)
            if value and (current is None or current.get(ident) != value):
                holder = self._holder(ident, value)
                if holder is not None and holder != node_id:
                    out.problems.append(Problem("identifier-taken", f"{ident.replace('_', ' ')} {value} already belongs to {holder}; not stored here"))
                    if current is None:
                        merged.values[ident] = None
                        merged.sources.pop(ident, None)
                    else:
                        merged.values[ident] = current.get(ident)
                        if ident in state.sources:
                            merged.sources[ident] = state.sources[ident]
                        merged.changed = merged.values != current or merged.sources != state.sources
                else:
                    self._holders[(ident, value)] = node_id
        if state is None:
            self._papers[node_id] = _State(merged.values, merged.sources, citation_key, row.node_provenance or row.provenance, True, True)
            self._absent.discard(node_id)
            out.change = service.ADDED
        elif merged.changed:
            state.values, state.sources, state.dirty = merged.values, merged.sources, True
            out.change = service.UPDATED
        for alias, source in row.aliases:
            problem = self._add_alias(node_id, alias, source)
            if problem is None:
                out.aliases_added.append(alias.strip().lower())
            elif problem is not True:
                out.problems.append(problem)
        if out.change == service.UNCHANGED and out.aliases_added:
            out.change = service.UPDATED
        return out

    def _refusal(self, row: PaperRow, citation_key: str, incoming: dict[str, Any]) -> Problem | None:
        for what, key in (("node id", row.node_id), ("citation key", citation_key)):
            problem = values.key_problem(key, what, self._key_limit)
            if problem:
                return Problem(problem[0], f"{problem[1]}; the entry is not stored")
        name = incoming.get("name")
        if not isinstance(name, str) or not name.strip():
            return Problem("missing-title", "a title is required")
        return None

    def _add_alias(self, node_id: str, alias: str, source: str) -> Problem | None | bool:
        """None: added; True: already this node's; else the problem."""
        key = alias.strip().lower()
        if not key:
            return True
        problem = values.key_problem(key, "alias", self._key_limit)
        if problem:
            return Problem(problem[0], f"alias {alias[:80]!r}: {problem[1]}; not added")
        if key not in self._aliases_looked_up:
            self.prefetch(aliases=[key])
        holder = self._aliases.get(key)
        if holder == node_id:
            return True
        if holder is not None:
            return Problem("alias-taken", f"alias {alias!r} already names {holder}; not added")
        if key != node_id and (key in self._other_ids or key in self._papers):
            # resolve_id tries ids first: such an alias could never be reached.
            return Problem("alias-taken", f"alias {alias!r} is the id of another node; not added")
        self._aliases[key] = node_id
        self._new_aliases.append({"alias": key, "node_id": node_id, "source": source})
        return None

    # -- writing --

    def flush(self) -> None:
        """Write what the rows added or changed since the last flush."""
        new = [(i, s) for i, s in self._papers.items() if s.is_new and s.dirty]
        changed = [(i, s) for i, s in self._papers.items() if not s.is_new and s.dirty]
        # add() removed NUL bytes from the values and refused keys holding one.
        bulk.insert_papers(self.session, [_node_row(i, s) for i, s in new], [_paper_row(i, s) for i, s in new], papers_checked=True)
        bulk.update_papers(self.session, [_node_row(i, s) for i, s in changed], [_paper_row(i, s) for i, s in changed])
        bulk.insert_aliases(self.session, self._new_aliases)
        for _, state in (*new, *changed):
            state.is_new, state.dirty = False, False
        self._new_aliases = []
        if changed:
            # The rows were rewritten under the ORM's feet: objects it holds are stale.
            self.session.expire_all()
        self.session.flush()


def _node_row(node_id: str, state: _State) -> dict[str, Any]:
    # Spelled out rather than derived column by column: built for every paper written.
    v = state.values
    return {"id": node_id, "kind": _PAPER, "name": v["name"], "description": v.get("description"), "year": v["year"],
            "provenance": state.provenance}


def _paper_row(node_id: str, state: _State) -> dict[str, Any]:
    v = state.values
    return {"node_id": node_id, "authors": v.get("authors"), "venue": v.get("venue"), "doi": v.get("doi"), "arxiv_id": v.get("arxiv_id"),
            "url": v.get("url"), "abstract": v.get("abstract"), "entry_type": v.get("entry_type") or "article",
            "citation_key": state.citation_key, "title_key": title_key(v["name"]), "year": v["year"], "extra": v["extra"],
            "field_sources": state.sources}


_PAPER = NodeKind.paper.value
_NODE_VALUES = ("name", "description", "year")  # the node columns among merge.MERGED_FIELDS (tests/test_writes.py)


def write_papers(session: Session, rows: Sequence[PaperRow], *, overwrite: bool = False) -> list[PaperWrite]:
    """Write many papers under the one rulebook; one PaperWrite per row, in order."""
    batch = PaperBatch(session, overwrite=overwrite)
    batch.prefetch(
        [r.node_id for r in rows],
        dois=(normalize_doi(r.values.get("doi")) for r in rows),
        arxiv_ids=(normalize_arxiv(r.values.get("arxiv_id")) for r in rows),
        aliases=[a for r in rows for a, _ in r.aliases],
    )
    writes = [batch.add(row) for row in rows]
    batch.flush()
    return writes


# -- edges ------------------------------------------------------------------------


@dataclass
class EdgeRow:
    source_id: str
    relation: str
    target_id: str
    provenance: str
    note: str = ""
    year: int | None = None
    confidence: float | None = None
    inferred: bool = False
    # A citation's attributes as Semantic Scholar gave them (models.Edge).
    intents: list[str] | None = None
    influential: bool | None = None

    def cites_with_attributes(self) -> bool:
        return self.intents is not None or self.influential is not None


def write_edges(session: Session, rows: Sequence[EdgeRow], kinds: dict[str, str] | None = None, *,
                existing: set[tuple[str, str, str]] | None = None, added: list[EdgeRow] | None = None) -> list[Problem | None]:
    """Add edges not yet in the store (an edge already there is left as it is),
    each checked by the service's edge rules; `kinds`: node id -> kind of
    ends the caller has already read. An edge already there takes the row's
    citation intents and influence when the row has them (a Semantic Scholar
    file read after another source made the edge). `existing`: the
    (source, relation, target) keys among the rows' that the caller has
    already read from the store (default: read here, every edge leaving the
    rows' sources); `added` is given the rows written. One entry per row:
    None when written or already present, else the problem."""
    kinds = dict(kinds or {})
    ends = {i for r in rows for i in (r.source_id, r.target_id)}
    kinds.update(bulk.node_kinds(session, ends - set(kinds)))
    out: list[Problem | None] = []
    existing = set(existing) if existing is not None else bulk.edges_from(session, {r.source_id for r in rows})
    new: list[dict[str, Any]] = []
    attributes: dict[tuple[str, str, str], dict[str, Any]] = {}
    # check_edge depends on the ids only for a self-link (checked here too):
    # an edge like one already passed (relation, end kinds, values) passes,
    # so a file's thousands of citations run the rules a few times, not once each.
    passed: set[tuple] = set()
    for row in rows:
        if row.source_id not in kinds or row.target_id not in kinds:
            missing = [i for i in (row.source_id, row.target_id) if i not in kinds]
            out.append(Problem("not-found", f"{row.source_id} -{row.relation}-> {row.target_id}: no node with id {' or '.join(map(repr, missing))}"))
            continue
        source_kind, target_kind = kinds[row.source_id], kinds[row.target_id]
        rule = (row.relation, source_kind, target_kind, type(row.note), row.note, type(row.year), row.year,
                type(row.confidence), row.confidence)
        try:
            known = rule in passed and row.source_id != row.target_id
        except TypeError:  # an unhashable value: the rules say what is wrong with it
            known, rule = False, None
        if not known:
            try:
                service.check_edge(
                    _End(row.source_id, source_kind), row.relation, _End(row.target_id, target_kind),
                    note=row.note, year=row.year, confidence=row.confidence,
                )
            except InvalidInput as exc:
                out.append(Problem(exc.code, exc.message))
                continue
            if rule is not None:
                passed.add(rule)
        out.append(None)
        triple = (row.source_id, row.relation, row.target_id)
        if triple not in existing:
            existing.add(triple)
            new.append(vars(row))
            if added is not None:
                added.append(row)
        elif row.cites_with_attributes():
            attributes[triple] = {"intents": row.intents, "influential": row.influential}
    bulk.insert_edges(session, new)
    bulk.set_edge_attributes(session, attributes)
    return out


@dataclass(frozen=True)
class _End:
    id: str
    kind: str


__all__ = ["PaperRow", "PaperWrite", "PaperBatch", "Problem", "write_papers", "EdgeRow", "write_edges", "REFUSED", "NOTE_KINDS"]
