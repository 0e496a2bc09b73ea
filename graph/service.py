"""The service layer: what the CLI, GraphQL, the page and the loaders call.

Functions take an open `Session` (the caller owns the transaction, normally
through `db.session_scope`) and return model objects or plain data. Every
rule about what may be written lives here, so no entry point can skip it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, literal_column, null, text, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from . import values as value_rules
from .identifiers import normalize_arxiv, normalize_doi, title_key
from .errors import Conflict, ForbiddenRelation, InvalidInput, NotFound
from .models import (
    CITATION_KEY_RE,
    SLUG_RE,
    Alias,
    Binding,
    Edge,
    EdgeFact,
    Measurement,
    Meta,
    Node,
    NodeKind,
    Paper,
    Quantity,
    Status,
    StatusRecord,
    TechniqueCategory,
)
from .relations import KINDS, RELATIONS, relation_name, spelling

ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"

# --------------------------------------------------------------------------
# Revision: a counter of committed writes, so in-memory caches know when to
# rebuild. Write functions mark the session; the bump happens once per commit.
# --------------------------------------------------------------------------

_REVISION_KEY = "revision"


def mark_changed(session: Session) -> None:
    """Record that this transaction wrote to the graph (bulk writers call it too)."""
    session.info["graph_changed"] = True


@event.listens_for(Session, "before_commit")
def _bump_revision_on_commit(session: Session) -> None:
    if not session.info.pop("graph_changed", False):
        return
    updated = session.execute(
        text("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = :k"),
        {"k": _REVISION_KEY},
    ).rowcount
    if not updated:
        session.add(Meta(key=_REVISION_KEY, value="1"))
        session.flush()


def current_revision(session: Session) -> int:
    row = session.get(Meta, _REVISION_KEY)
    return int(row.value) if row else 0


# --------------------------------------------------------------------------
# Ids and rules
# --------------------------------------------------------------------------

KIND_VALUES = tuple(KINDS)
RELATION_VALUES = tuple(RELATIONS)


def split_id(node_id: str) -> tuple[str, str]:
    """`kind:slug` -> (kind, slug), or InvalidInput naming what is wrong."""
    if not isinstance(node_id, str) or ":" not in node_id:
        raise InvalidInput(f"node id {node_id!r} is not of the form kind:slug (kinds: {', '.join(KIND_VALUES)})")
    value_rules.check_key(node_id, "node id")
    kind, slug = node_id.split(":", 1)
    if kind not in KIND_VALUES:
        raise InvalidInput(f"node id {node_id!r} has unknown kind {kind!r} (kinds: {', '.join(KIND_VALUES)})")
    pattern = CITATION_KEY_RE if kind == NodeKind.paper.value else SLUG_RE
    if not slug or not pattern.match(slug):
        what = "a citation key without spaces, double quotes, braces or commas" if kind == "paper" else "lower-case words joined by hyphens"
        raise InvalidInput(f"node id {node_id!r}: the part after '{kind}:' must be {what}")
    return kind, slug


def slugify(name: str) -> str:
    """A readable slug: 'Layer Norm' -> 'layer-norm'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_edge(source: Node, relation: str, target: Node, *, note: str | None = "", year: int | None = None,
               confidence: float | None = None) -> None:
    """Every rule an edge obeys, whoever writes it: its values, a known relation,
    no self-link, and the kinds the relation may join (ends known by id and kind)."""
    where = f"{source.id} -{relation}-> {target.id}"
    _validate_edge_values(note, year, confidence, where)
    if spelling(relation) not in RELATIONS:
        raise InvalidInput(f"{where}: unknown relation {relation!r} (relations: {', '.join(RELATION_VALUES)})")
    if source.id == target.id:
        raise InvalidInput(f"{where}: a node cannot be linked to itself")
    check_relation(source, relation, target)


def check_relation(source: Node, relation: str, target: Node) -> None:
    """Raise ForbiddenRelation unless `relation` (in any spelling) may join these two kinds."""
    rule = RELATIONS[relation_name(relation)]
    if source.kind not in rule.sources or target.kind not in rule.targets:
        raise ForbiddenRelation(
            f"{source.id} ({source.kind}) -{rule.name}-> {target.id} ({target.kind}) is not allowed: "
            f"{rule.name} goes {rule.direction} "
            f"(from {'/'.join(sorted(rule.sources))} to {'/'.join(sorted(rule.targets))})"
        )


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def get_node(session: Session, node_id: str) -> Node:
    node = session.get(Node, node_id)
    if node is None:
        raise NotFound(f"no node with id {node_id!r}")
    return node


def resolve_id(session: Session, ref: str) -> str:
    """Find a node by id, alias or citation key; NotFound if none."""
    ref = ref.strip()
    if session.get(Node, ref) is not None:
        return ref
    alias = session.get(Alias, ref.lower())
    if alias is not None:
        return alias.node_id
    raise NotFound(f"no node with id or alias {ref!r}")


def find_paper(session: Session, *, doi: str | None = None, arxiv_id: str | None = None) -> Node:
    """A paper by DOI or arXiv id (normalised the same way as at ingest)."""
    if doi:
        value = normalize_doi(doi)
        if value is None:  # else `doi IS NULL` would match any paper without a DOI
            raise InvalidInput(f"{doi!r} is not a DOI (expected 10.<registrant>/<suffix>)")
        paper = session.exec(select(Paper).where(Paper.doi == value)).first()
        what = f"DOI {doi!r}"
    elif arxiv_id:
        value = normalize_arxiv(arxiv_id)
        if value is None:
            raise InvalidInput(f"{arxiv_id!r} is not an arXiv id (expected e.g. 1706.03762 or cs/0112017)")
        paper = session.exec(select(Paper).where(Paper.arxiv_id == value)).first()
        what = f"arXiv id {arxiv_id!r}"
    else:
        raise InvalidInput("give a DOI or an arXiv id")
    if paper is None:
        raise NotFound(f"no paper with {what}")
    return get_node(session, paper.node_id)


def edge_view(edge: EdgeFact) -> dict[str, Any]:
    """An edge seen from one of its ends (`direction`, `other` set) as plain
    data, the other end named: what `show --json` and the page's details print."""
    other = edge.other
    return {"id": edge.id, **edge.to_dict(), "direction": edge.direction,
            "other_id": other.id, "other_kind": other.kind, "other_name": other.name, "other_year": other.year}


@dataclass
class NodeDetail:
    node: dict[str, Any]
    paper: dict[str, Any] | None
    aliases: list[str]
    edges: list[EdgeFact] = field(default_factory=list)  # each with its direction and the other end's row
    measurements: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "paper": self.paper, "aliases": self.aliases,
                "edges": [edge_view(e) for e in self.edges], "measurements": self.measurements}


def node_edges(session: Session, node_id: str, *, relation: str | None = None, direction: str | None = None) -> list[EdgeFact]:
    """Edges touching a node, both ways unless `direction` is 'out' or 'in',
    each with its direction and the row of its other end (`other`)."""
    views: list[EdgeFact] = []
    relation = relation_name(relation) if relation else None
    for way, mine, other in (("out", Edge.source_id, Edge.target_id), ("in", Edge.target_id, Edge.source_id)):
        if direction and direction != way:
            continue
        stmt = select(Edge, Node).join(Node, Node.id == other).where(mine == node_id)
        if relation:
            stmt = stmt.where(Edge.relation == relation)
        for edge, other_node in session.exec(stmt.order_by(Edge.relation, other)):
            views.append(EdgeFact(**edge.model_dump(), direction=way, other=other_node))
    return views


def node_detail(session: Session, node_id: str) -> NodeDetail:
    node = get_node(session, node_id)
    paper = session.get(Paper, node_id)
    aliases = sorted(a.alias for a in session.exec(select(Alias).where(Alias.node_id == node_id)))
    measurements = [
        m.model_dump(exclude={"id", "node_id"})
        for m in session.exec(select(Measurement).where(Measurement.node_id == node_id).order_by(Measurement.quantity))
    ]
    return NodeDetail(
        node=node.model_dump(),
        paper=paper.model_dump(exclude={"node_id", "title_key", "year"}) if paper else None,
        aliases=aliases,
        edges=node_edges(session, node_id),
        measurements=measurements,
    )


# Every count of `stats` in one statement, built once (it is compiled once
# and answered in one round trip): asked on every visit of the page and by
# monitoring, its cost is mostly fixed overhead.
_COUNTS = union_all(
    sa_select(literal_column("'node'"), Node.__table__.c.kind, func.count()).group_by(Node.__table__.c.kind),
    sa_select(literal_column("'edge'"), Edge.__table__.c.relation, func.count()).group_by(Edge.__table__.c.relation),
    sa_select(literal_column("'measurement'"), null(), func.count()).select_from(Measurement.__table__),
    sa_select(literal_column("'alias'"), null(), func.count()).select_from(Alias.__table__),
    sa_select(literal_column("'status_record'"), null(), func.count()).select_from(StatusRecord.__table__),
)


def stats(session: Session) -> dict[str, Any]:
    """Counts of nodes by kind and edges by relation (every kind and relation listed, zeros included)."""
    kinds: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    totals = {}
    for table, key, count in session.connection().execute(_COUNTS):
        if table == "node":
            kinds[key] = count
        elif table == "edge":
            relations[key] = count
        else:
            totals[table] = count
    return {
        "nodes": {k: kinds.get(k, 0) for k in KIND_VALUES},
        "edges": {r: relations.get(r, 0) for r in RELATION_VALUES},
        "total_nodes": sum(kinds.values()),
        "total_edges": sum(relations.values()),
        "measurements": totals["measurement"],
        "constraint_statuses": totals["status_record"],
        "aliases": totals["alias"],
    }


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

NODE_FIELDS = tuple(c.name for c in Node.__table__.columns if c.name not in ("id", "kind"))


def _validate_node_fields(kind: str, values: dict[str, Any], where: str) -> None:
    name = values.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{where}: a name is required")
    value_rules.check_year(values.get("year"), where)
    category = values.get("category")
    if kind == NodeKind.technique.value:
        allowed = [c.value for c in TechniqueCategory]
        if category not in allowed:
            raise InvalidInput(f"{where}: technique category must be one of {', '.join(allowed)}, got {category!r}")
    elif category is not None:
        raise InvalidInput(f"{where}: only techniques have a category")
    binding = values.get("binding")
    if kind == NodeKind.constraint.value:
        allowed = [b.value for b in Binding]
        if binding not in allowed:
            raise InvalidInput(f"{where}: constraint binding must be one of {', '.join(allowed)}, got {binding!r}")
    elif binding is not None:
        raise InvalidInput(f"{where}: only constraints are hard or leverage")


def upsert_node(session: Session, node_id: str, *, provenance: str, **values: Any) -> str:
    """Create the node or bring it up to date. Returns added/updated/unchanged."""
    kind, _ = split_id(node_id)
    unknown = set(values) - set(NODE_FIELDS)
    if unknown:
        raise InvalidInput(f"{node_id}: unknown node field(s) {', '.join(sorted(unknown))}")
    values = {"description": None, "year": None, "category": None, "binding": None, **values}
    _validate_node_fields(kind, values, node_id)
    node = session.get(Node, node_id)
    if node is None:
        session.add(Node(id=node_id, kind=kind, provenance=provenance, **values))
        session.flush()
        mark_changed(session)
        return ADDED
    changed = [key for key, value in values.items() if getattr(node, key) != value]
    if not changed:
        return UNCHANGED
    for key in changed:
        setattr(node, key, values[key])
    node.provenance = provenance
    if kind == NodeKind.paper.value:
        _sync_paper_row(session, node, changed, provenance)
    mark_changed(session)
    session.flush()
    return UPDATED


def _sync_paper_row(session: Session, node: Node, changed: list[str], provenance: str) -> None:
    """Keep a paper row's copies of the title and year in step with its node, and
    record who set them, so a later BibTeX file does not silently overwrite them."""
    paper = session.get(Paper, node.id)
    if paper is None:
        return
    paper.title_key = title_key(node.name)
    paper.year = node.year
    paper.field_sources = {**paper.field_sources, **{key: provenance for key in changed if key in ("name", "year")}}


def create_node(session: Session, node_id: str, *, provenance: str, **values: Any) -> Node:
    """Create a node; Conflict if the id is taken."""
    split_id(node_id)
    if session.get(Node, node_id) is not None:
        raise Conflict(f"a node with id {node_id!r} already exists")
    upsert_node(session, node_id, provenance=provenance, **values)
    return get_node(session, node_id)


def update_node(session: Session, node_id: str, **values: Any) -> Node:
    """Change some fields of an existing node."""
    node = get_node(session, node_id)
    current = {k: getattr(node, k) for k in NODE_FIELDS}
    current.update(values)
    current.pop("provenance")
    # An edit is the user's unless told otherwise; recorded so ingest keeps it.
    upsert_node(session, node_id, provenance=values.get("provenance") or "user", **current)
    return node


def delete_node(session: Session, node_id: str) -> None:
    """Delete a node with its paper row, aliases, edges and measurements."""
    node = get_node(session, node_id)
    # Explicit deletes rather than relying on ON DELETE CASCADE being enabled.
    for model, column in ((Edge, Edge.source_id), (Edge, Edge.target_id), (Alias, Alias.node_id), (Measurement, Measurement.node_id), (StatusRecord, StatusRecord.constraint_id), (Paper, Paper.node_id)):
        for row in session.exec(select(model).where(column == node_id)):
            session.delete(row)
    session.flush()
    session.delete(node)
    session.flush()
    mark_changed(session)


def add_alias(session: Session, node_id: str, alias: str, *, source: str = "name") -> str:
    """Let `alias` (case-insensitive) find `node_id`. Conflict if it names another node."""
    key = alias.strip().lower()
    if not key:
        raise InvalidInput(f"{node_id}: empty alias")
    value_rules.check_key(key, "alias")
    existing = session.get(Alias, key)
    if existing is not None:
        if existing.node_id != node_id:
            raise Conflict(f"alias {alias!r} already names {existing.node_id}, cannot also name {node_id}")
        return UNCHANGED
    if key != node_id and session.get(Node, key) is not None:
        # resolve_id tries ids first: such an alias could never be reached.
        raise Conflict(f"alias {alias!r} is the id of another node, cannot also name {node_id}")
    session.add(Alias(alias=key, node_id=node_id, source=source))
    session.flush()
    mark_changed(session)
    return ADDED


def _validate_edge_values(note: str | None, year: int | None, confidence: float | None, where: str) -> None:
    value_rules.check_year(year, where)
    if confidence is not None and not (isinstance(confidence, (int, float)) and 0 <= confidence <= 1):
        raise InvalidInput(f"{where}: confidence must be between 0 and 1, got {confidence!r}")
    if note is not None and not isinstance(note, str):
        raise InvalidInput(f"{where}: note must be text")


def link(
    session: Session,
    source_id: str,
    relation: str,
    target_id: str,
    *,
    provenance: str,
    note: str = "",
    year: int | None = None,
    confidence: float | None = None,
    inferred: bool = False,
    intents: list[str] | None = None,
    influential: bool | None = None,
) -> tuple[Edge, str]:
    """Add the fact `source -relation-> target` (or bring it up to date;
    `intents`/`influential`, a citation's Semantic Scholar attributes, left
    as they are when not given).

    Returns the edge and added/updated/unchanged. Both ends must exist and the
    relation must be allowed between their kinds."""
    try:
        relation = relation_name(relation)
    except InvalidInput as exc:
        raise InvalidInput(f"{source_id} -{relation}-> {target_id}: {exc.message}") from None
    where = f"{source_id} -{relation}-> {target_id}"
    if not provenance or not str(provenance).strip():
        raise InvalidInput(f"{where}: every edge needs a provenance (where the fact came from)")
    _validate_edge_values(note, year, confidence, where)
    source = session.get(Node, source_id)
    target = session.get(Node, target_id)
    missing = [i for i, n in ((source_id, source), (target_id, target)) if n is None]
    if missing:
        raise NotFound(f"{where}: no node with id {' or '.join(repr(m) for m in missing)}")
    check_edge(source, relation, target, note=note, year=year, confidence=confidence)
    edge = session.exec(
        select(Edge).where(Edge.source_id == source_id, Edge.relation == relation, Edge.target_id == target_id)
    ).first()
    values = {"provenance": provenance, "note": note or "", "year": year, "confidence": confidence, "inferred": inferred}
    # A citation's attributes are kept unless new ones are given: a fact
    # restated by hand or from a data file does not erase what S2 said.
    if intents is not None:
        values["intents"] = list(intents)
    if influential is not None:
        values["influential"] = influential
    if edge is None:
        edge = Edge(source_id=source_id, relation=relation, target_id=target_id, **values)
        session.add(edge)
        session.flush()
        mark_changed(session)
        return edge, ADDED
    if all(getattr(edge, k) == v for k, v in values.items()):
        return edge, UNCHANGED
    for k, v in values.items():
        setattr(edge, k, v)
    session.flush()
    mark_changed(session)
    return edge, UPDATED


def unlink(session: Session, source_id: str, relation: str, target_id: str) -> None:
    relation = relation_name(relation)
    edge = session.exec(
        select(Edge).where(Edge.source_id == source_id, Edge.relation == relation, Edge.target_id == target_id)
    ).first()
    if edge is None:
        raise NotFound(f"no edge {source_id} -{relation}-> {target_id}")
    session.delete(edge)
    session.flush()
    mark_changed(session)


def upsert_measurement(
    session: Session, node_id: str, *, quantity: str, value: float, unit: str, source: str, note: str = ""
) -> str:
    where = f"measurement {quantity!r} of {node_id}"
    get_node(session, node_id)
    allowed = [q.value for q in Quantity]
    if quantity not in allowed:
        raise InvalidInput(f"{where}: quantity must be one of {', '.join(allowed)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidInput(f"{where}: value must be a non-negative number, got {value!r}")
    if not unit or not source:
        raise InvalidInput(f"{where}: unit and source are required")
    row = session.exec(
        select(Measurement).where(Measurement.node_id == node_id, Measurement.quantity == quantity, Measurement.source == source)
    ).first()
    if row is None:
        session.add(Measurement(node_id=node_id, quantity=quantity, value=float(value), unit=unit, source=source, note=note or ""))
        session.flush()
        mark_changed(session)
        return ADDED
    if (row.value, row.unit, row.note) == (float(value), unit, note or ""):
        return UNCHANGED
    row.value, row.unit, row.note = float(value), unit, note or ""
    session.flush()
    mark_changed(session)
    return UPDATED


def upsert_status(session: Session, constraint_id: str, *, year: int, status: str, source: str, note: str = "") -> str:
    """Record what `source` said about a constraint in `year`: one status per
    constraint and year (a later record for the same year replaces it)."""
    where = f"status of {constraint_id} in {year!r}"
    node = get_node(session, constraint_id)
    if node.kind != NodeKind.constraint.value:
        raise InvalidInput(f"{where}: only constraints have a status, {constraint_id!r} is a {node.kind}")
    allowed = [v.value for v in Status]
    if status not in allowed:
        raise InvalidInput(f"{where}: status must be one of {', '.join(allowed)}, got {status!r}")
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidInput(f"{where}: year must be a whole number")
    if not source:
        raise InvalidInput(f"{where}: a source is required")
    row = session.exec(select(StatusRecord).where(StatusRecord.constraint_id == constraint_id, StatusRecord.year == year)).first()
    if row is None:
        session.add(StatusRecord(constraint_id=constraint_id, year=year, status=status, source=source, note=note or ""))
        session.flush()
        mark_changed(session)
        return ADDED
    if (row.status, row.source, row.note) == (status, source, note or ""):
        return UNCHANGED
    row.status, row.source, row.note = status, source, note or ""
    session.flush()
    mark_changed(session)
    return UPDATED


def constraint_statuses(session: Session) -> list[dict[str, Any]]:
    """Every recorded constraint status, oldest first: what the frontier
    query (graph.queries.frontier) reads "what binds" from."""
    rows = session.exec(select(StatusRecord).order_by(StatusRecord.year, StatusRecord.constraint_id))
    return [{"constraint_id": r.constraint_id, "year": r.year, "status": r.status, "source": r.source, "note": r.note} for r in rows]


PAPER_FIELDS = tuple(c.name for c in Paper.__table__.columns if c.name not in ("node_id", "title_key", "year", "field_sources"))


def upsert_paper(session: Session, node_id: str, *, title: str, year: int | None, provenance: str,
                 overwrite: bool = False, notes: list[dict[str, str]] | None = None, **values: Any) -> str:
    """Create or update a paper node and its bibliographic row: one row through
    the batch write API (graph/batch.py), so it merges as an ingested paper
    would. Returns added/updated/unchanged.

    DOI and arXiv id are stored normalised; a DOI, arXiv id or citation key
    already held by another node is a Conflict, and any other refused value
    an InvalidInput (a loader gets these as reported problems instead).
    `notes` (if given) receives the values kept over these ones."""
    from . import batch

    kind, key = split_id(node_id)
    if kind != NodeKind.paper.value:
        raise InvalidInput(f"{node_id}: not a paper id (papers are paper:<citation key>)")
    unknown = set(values) - set(PAPER_FIELDS)
    if unknown:
        raise InvalidInput(f"{node_id}: unknown paper field(s) {', '.join(sorted(unknown))}")
    citation_key = values.pop("citation_key", None) or key
    row = batch.PaperRow(node_id, {"name": title, "year": year, **values}, provenance, citation_key=citation_key,
                         aliases=[(citation_key, "citation-key")])
    (write,) = batch.write_papers(session, [row], overwrite=overwrite)
    write.raise_errors()
    if notes is not None:
        notes.extend({"kind": p.kind, "message": p.message} for p in write.problems)
    return write.change


def papers_from(session: Session, source: str) -> list[str]:
    """Ids of the papers first written from `source`: a file name (`ml.bib`) or a
    full provenance (`bibtex:ml.bib`, `builtin:papers.bib`). NotFound if none."""
    wanted = source if ":" in source else f"bibtex:{source}"
    ids = list(session.exec(select(Node.id).where(Node.kind == NodeKind.paper.value, Node.provenance == wanted)))
    if not ids:
        known = sorted(session.exec(select(Node.provenance).where(Node.kind == NodeKind.paper.value).distinct()))
        raise NotFound(f"no papers came from {source!r}; sources held: {', '.join(known[:20]) or 'none'}")
    return ids
