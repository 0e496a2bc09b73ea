"""The linker's links in the store: `mentions` edges from papers to the
techniques their text names (graph/mentions.py finds them), and people's
verdicts on them.

A link is an edge `paper -mentions-> technique` with provenance `linker:N`
(the linker's version), the note `FIELD: matched text`, a confidence
(the form's, weighted by the field) and `inferred` set. It is never an
`introduces` fact, which only a curator or a relation field states.

`plan` compares what the lexicon finds now with the links held and returns
what to add, remove and update; `apply` writes that. Relinking the whole
store is `relink`: idempotent (a second run changes nothing), batch by
batch, each batch its own transaction. A rejected pair (table link_verdict)
is never linked again; a confirmed one is kept at confidence 1 even when the
lexicon no longer finds it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import bulk, service
from . import db as database
from .errors import InvalidInput, NotFound
from .mentions import PROVENANCE, LINKER, Lexicon, Mention, build
from .models import Alias, Edge, LinkVerdict, Node, NodeKind, Paper

RELATION = "mentions"
CONFIRMED_CONFIDENCE = 1.0
REJECTED, CONFIRMED = "rejected", "confirmed"

_node, _paper, _edge, _alias, _verdict = Node.__table__, Paper.__table__, Edge.__table__, Alias.__table__, LinkVerdict.__table__

Progress = Callable[[str, int, int], None]


# -- reading -------------------------------------------------------------------------


def techniques(session: Session) -> list[dict[str, Any]]:
    """Every technique with its name, year and aliases (the lexicon's input)."""
    aliases: dict[str, list[str]] = defaultdict(list)
    stmt = select(_alias.c.node_id, _alias.c.alias).join(_node, _node.c.id == _alias.c.node_id).where(_node.c.kind == NodeKind.technique.value)
    for node_id, alias in session.execute(stmt):
        aliases[node_id].append(alias)
    rows = session.execute(select(_node.c.id, _node.c.name, _node.c.year).where(_node.c.kind == NodeKind.technique.value).order_by(_node.c.id))
    return [{"id": i, "name": n, "year": y, "aliases": sorted(aliases.get(i, ()))} for i, n, y in rows]


def lexicon(session: Session, data: dict[str, Any] | None = None) -> Lexicon:
    """The lexicon of the store's techniques and the surface-form file."""
    return build(techniques(session), data)


def papers(session: Session, ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """{id, name, year, abstract, keywords} of every paper (or those of `ids`)."""
    columns = (_node.c.id, _node.c.name, _node.c.year, _paper.c.abstract, _paper.c.extra)
    base = select(*columns).join(_paper, _paper.c.node_id == _node.c.id)

    def rows(stmt):
        for node_id, name, year, abstract, extra in session.execute(stmt):
            keywords = (extra or {}).get("keywords") if isinstance(extra, dict) else None
            yield {"id": node_id, "name": name, "year": year, "abstract": abstract, "keywords": keywords}

    if ids is None:
        yield from rows(base.order_by(_node.c.id))
        return
    ids = list(dict.fromkeys(ids))
    connection = session.connection()
    if connection.dialect.paramstyle == "qmark":
        yield from _papers_sqlite(connection, ids)
        return
    for i in range(0, len(ids), 900):
        yield from rows(base.where(_node.c.id.in_(ids[i:i + 900])))


def _papers_sqlite(connection: Any, ids: list[str]) -> Iterator[dict[str, Any]]:
    """papers() of `ids` on SQLite, through the driver: an ingest reads back
    each batch it wrote, and SQLAlchemy's compiling of 2,000 ids and its
    decoding of every paper's whole `extra` (for the keywords of a few) cost
    more than the reads. The JSON is decoded only where it holds the key."""
    head = ("SELECT node.id, node.name, node.year, paper.abstract, paper.extra FROM node JOIN paper ON paper.node_id = node.id "
            "WHERE node.id IN (")
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        for node_id, name, year, abstract, extra in connection.exec_driver_sql(f"{head}{', '.join('?' * len(chunk))})", tuple(chunk)):
            keywords = None
            if extra and '"keywords"' in extra:  # json.dumps writes this key as it is spelled
                extra = json.loads(extra)
                keywords = extra.get("keywords") if isinstance(extra, dict) else None
            yield {"id": node_id, "name": name, "year": year, "abstract": abstract, "keywords": keywords}


def _where_in(session: Session, stmt: Any, column: Any, head: str, ids: list[str]) -> Iterator[tuple]:
    """The rows of `stmt` whose `column` is one of `ids`, 900 ids a statement;
    on SQLite `head` (the same query as text, ending with `IN (`) goes to the
    driver as is (as bulk._pairs_where_in): for a batch of new papers the
    compiling was the whole cost of a read that finds nothing."""
    connection = session.connection()
    raw = connection.dialect.paramstyle == "qmark"
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        if raw:
            yield from connection.exec_driver_sql(f"{head}{', '.join('?' * len(chunk))})", tuple(chunk))
        else:
            yield from session.execute(stmt.where(column.in_(chunk)))


@dataclass(frozen=True)
class Link:
    paper: str
    technique: str
    note: str
    confidence: float
    provenance: str = PROVENANCE

    def key(self) -> tuple[str, str]:
        return self.paper, self.technique

    @property
    def by_linker(self) -> bool:
        return self.provenance.startswith(f"{LINKER}:")


def held_links(session: Session, paper_ids: Iterable[str] | None = None) -> dict[tuple[str, str], Link]:
    """The `mentions` edges in the store ((paper, technique) -> link): the
    linker's, and any a person or a file stated (`by_linker` False), which
    the linker leaves alone."""
    stmt = select(_edge.c.source_id, _edge.c.target_id, _edge.c.note, _edge.c.confidence, _edge.c.provenance).where(
        _edge.c.relation == RELATION
    )
    out: dict[tuple[str, str], Link] = {}
    if paper_ids is None:
        found: Iterable[tuple] = session.execute(stmt)
    else:
        head = f"SELECT source_id, target_id, note, confidence, provenance FROM edge WHERE relation = '{RELATION}' AND source_id IN ("
        found = _where_in(session, stmt, _edge.c.source_id, head, list(set(paper_ids)))
    for s, t, note, confidence, provenance in found:
        out[(s, t)] = Link(s, t, note, confidence, provenance)
    return out


def verdicts(session: Session, paper_ids: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
    stmt = select(_verdict.c.paper_id, _verdict.c.technique_id, _verdict.c.verdict)
    if paper_ids is not None:
        head = "SELECT paper_id, technique_id, verdict FROM link_verdict WHERE paper_id IN ("
        return {(p, t): v for p, t, v in _where_in(session, stmt, _verdict.c.paper_id, head, list(set(paper_ids)))}
    return {(p, t): v for p, t, v in session.execute(stmt)}


# -- deciding ------------------------------------------------------------------------


@dataclass
class Plan:
    add: list[Link] = field(default_factory=list)
    remove: list[Link] = field(default_factory=list)
    update: list[Link] = field(default_factory=list)  # the new values
    papers: int = 0
    linked_papers: int = 0

    def extend(self, other: Plan) -> None:
        self.add += other.add
        self.remove += other.remove
        self.update += other.update
        self.papers += other.papers
        self.linked_papers += other.linked_papers

    @property
    def changes(self) -> int:
        return len(self.add) + len(self.remove) + len(self.update)


def decide(lex: Lexicon, paper_rows: Iterable[dict[str, Any]], held: dict[tuple[str, str], Link],
           judged: dict[tuple[str, str], str]) -> Plan:
    """What to change so that the links of these papers are what the lexicon
    finds, less the rejected pairs, plus the confirmed ones (pure: no store)."""
    plan = Plan()
    held_by_paper: dict[str, list[Link]] = defaultdict(list)
    for link in held.values():
        held_by_paper[link.paper].append(link)
    for paper in paper_rows:
        plan.papers += 1
        found = lex.link(paper)
        wanted: dict[str, Link] = {}
        for technique, m in found.items():
            verdict = judged.get((paper["id"], technique))
            if verdict == REJECTED:
                continue
            confidence = CONFIRMED_CONFIDENCE if verdict == CONFIRMED else m.confidence
            wanted[technique] = Link(paper["id"], technique, m.note, confidence)
        if wanted:
            plan.linked_papers += 1
        for technique, link in wanted.items():
            old = held.get(link.key())
            if old is not None and not old.by_linker:
                continue  # stated by a person or a file: not the linker's to change
            if old is None:
                plan.add.append(link)
            elif (old.note, old.confidence, old.provenance) != (link.note, link.confidence, link.provenance):
                plan.update.append(link)
        for old in held_by_paper.get(paper["id"], ()):
            if old.technique in wanted or not old.by_linker:
                continue
            if judged.get(old.key()) == CONFIRMED:
                continue  # a person said so: kept though the lexicon no longer finds it
            plan.remove.append(old)
    return plan


# -- writing -------------------------------------------------------------------------


def apply(session: Session, plan: Plan, years: dict[str, int | None] | None = None) -> None:
    """Write a plan's links (the caller owns the transaction)."""
    if plan.add:
        bulk.insert_edges(session, [
            {"source_id": l.paper, "relation": RELATION, "target_id": l.technique, "provenance": l.provenance, "note": l.note,
             "year": (years or {}).get(l.paper), "confidence": l.confidence, "inferred": True}
            for l in plan.add
        ])
    if plan.update:
        stmt = update(_edge).where(_edge.c.source_id == bindparam("s"), _edge.c.relation == RELATION, _edge.c.target_id == bindparam("t")).values(
            note=bindparam("n"), confidence=bindparam("c"), provenance=bindparam("p"))
        session.execute(stmt, [{"s": l.paper, "t": l.technique, "n": l.note, "c": l.confidence, "p": l.provenance} for l in plan.update])
    if plan.remove:
        stmt = delete(_edge).where(_edge.c.source_id == bindparam("s"), _edge.c.relation == RELATION, _edge.c.target_id == bindparam("t"))
        session.execute(stmt, [{"s": l.paper, "t": l.technique} for l in plan.remove])
    if plan.update or plan.remove:
        service.mark_changed(session)


def link_papers(session: Session, lex: Lexicon, paper_ids: Iterable[str]) -> Plan:
    """(Re)link these papers in the caller's transaction (what ingest calls per batch)."""
    ids = list(paper_ids)
    rows = list(papers(session, ids))
    plan = decide(lex, rows, held_links(session, ids), verdicts(session, ids))
    apply(session, plan, {r["id"]: r["year"] for r in rows})
    return plan


def relink(engine: Engine, *, batch_size: int = 5000, dry_run: bool = False, progress: Progress | None = None,
           data: dict[str, Any] | None = None) -> Plan:
    """Relink every paper of the store, `batch_size` papers per transaction
    (nothing written with `dry_run`). Returns what changed (or would)."""
    with Session(engine) as session:
        lex = lexicon(session, data)
        ids = [i for (i,) in session.execute(select(_paper.c.node_id).order_by(_paper.c.node_id))]
        held = held_links(session)
        judged = verdicts(session)
    by_paper: dict[str, dict[tuple[str, str], Link]] = defaultdict(dict)
    for key, link in held.items():
        by_paper[key[0]][key] = link
    total = Plan()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]

        def work(session: Session, chunk=chunk) -> Plan:
            rows = list(papers(session, chunk))
            mine = {k: v for p in chunk for k, v in by_paper.get(p, {}).items()}
            plan = decide(lex, rows, mine, judged)
            if not dry_run:
                apply(session, plan, {r["id"]: r["year"] for r in rows})
            return plan

        if dry_run:
            with Session(engine) as session:
                total.extend(work(session))
        else:
            total.extend(database.write(engine, work))
        if progress:
            progress("linking", min(start + batch_size, len(ids)), len(ids))
    if not ids and progress:
        progress("linking", 0, 0)
    return total


def paper_sources(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """paper id -> where it was first written from (its node's provenance: bibtex:FILE, builtin:papers.bib ...)."""
    return bulk._pairs_where_in(session, _node, "id", "provenance", set(ids))


def promote(session: Session, phrase: str, node_id: str, *, category: str, name: str | None = None, year: int | None = None,
            forms: Iterable[str] = (), by: str = "user", description: str | None = None) -> Node:
    """Make a candidate phrase a technique: a new node whose name is `name`
    (default: the phrase) and whose aliases are the phrase and `forms`, so the
    lexicon holds them from now on. Relink afterwards to link the corpus."""
    if not node_id.startswith(f"{NodeKind.technique.value}:"):
        raise InvalidInput(f"a promoted phrase becomes a technique: its id must start with 'technique:', not {node_id!r}")
    provenance = by if ":" in by else f"user:{by}"
    node = service.create_node(session, node_id, provenance=provenance, name=name or phrase, category=category, year=year,
                               description=description or f"Promoted from the rising title phrase {phrase!r}.")
    for form in dict.fromkeys([phrase, *forms]):
        service.add_alias(session, node_id, form, source="surface-form")
    return node


@dataclass
class Promotion:
    """A promoted phrase: the new technique, how many papers now mention it,
    and what the relink that followed changed in all."""

    technique: str
    linked: int
    plan: Plan


def promote_and_link(engine: Engine, phrase: str, node_id: str, *, category: str, name: str | None = None, year: int | None = None,
                     forms: Iterable[str] = (), by: str = "user") -> Promotion:
    """promote in one write transaction, then relink the store so that the
    corpus is linked to the new technique (what `aiprogress promote` and the
    GraphQL mutation do)."""
    forms = tuple(forms)
    database.write(engine, lambda session: promote(session, phrase, node_id, category=category, name=name, year=year, forms=forms, by=by))
    plan = relink(engine)
    return Promotion(node_id, sum(1 for link in plan.add if link.technique == node_id), plan)


# -- verdicts ------------------------------------------------------------------------


def judge(session: Session, paper_ref: str, technique_ref: str, verdict: str, *, by: str = "user", note: str = "") -> Link | None:
    """Record a person's verdict on a link and apply it now: a rejection
    removes the link, a confirmation raises it to confidence 1 (making it if
    the linker had not). Returns the link as it now stands (None: rejected)."""
    if verdict not in (REJECTED, CONFIRMED):
        raise InvalidInput(f"verdict must be {REJECTED!r} or {CONFIRMED!r}, not {verdict!r}")
    paper = service.resolve_id(session, paper_ref)
    technique = service.resolve_id(session, technique_ref)
    kinds = bulk.node_kinds(session, [paper, technique])
    if kinds.get(paper) != NodeKind.paper.value or kinds.get(technique) != NodeKind.technique.value:
        raise InvalidInput(f"a link joins a paper to a technique: {paper} is a {kinds.get(paper)}, {technique} a {kinds.get(technique)}")
    provenance = by if ":" in by else f"user:{by}"
    session.execute(delete(_verdict).where(_verdict.c.paper_id == paper, _verdict.c.technique_id == technique))
    session.execute(_verdict.insert().values(paper_id=paper, technique_id=technique, verdict=verdict, provenance=provenance, note=note))
    held = held_links(session, [paper]).get((paper, technique))
    if held is not None and not held.by_linker:
        raise InvalidInput(f"{paper} -mentions-> {technique} was not made by the linker ({held.provenance}); edit it as any edge")
    service.mark_changed(session)
    if verdict == REJECTED:
        if held is not None:
            apply(session, Plan(remove=[held]))
        return None
    if held is not None:
        link = Link(paper, technique, held.note, CONFIRMED_CONFIDENCE, held.provenance)
        apply(session, Plan(update=[link]))
        return link
    year = session.execute(select(_node.c.year).where(_node.c.id == paper)).scalar()
    link = Link(paper, technique, f"confirmed by {provenance}", CONFIRMED_CONFIDENCE)
    apply(session, Plan(add=[link]), {paper: year})
    return link


def links_of(session: Session, paper_ref: str) -> list[dict[str, Any]]:
    """A paper's links with any verdict on them (rejected pairs included, without an edge)."""
    paper = service.resolve_id(session, paper_ref)
    if bulk.node_kinds(session, [paper]).get(paper) != NodeKind.paper.value:
        raise NotFound(f"{paper} is not a paper")
    judged = verdicts(session, [paper])
    out = [{"technique": l.technique, "note": l.note, "confidence": l.confidence, "provenance": l.provenance,
            "verdict": judged.get(l.key())} for l in held_links(session, [paper]).values()]
    out += [{"technique": t, "note": "", "confidence": None, "provenance": None, "verdict": v}
            for (p, t), v in judged.items() if v == REJECTED]
    return sorted(out, key=lambda r: r["technique"])


__all__ = ["promote", "promote_and_link", "Promotion", "paper_sources", "RELATION", "Link", "Plan", "lexicon", "papers", "held_links", "verdicts", "decide", "apply", "link_papers", "relink", "judge",
           "links_of", "Mention", "REJECTED", "CONFIRMED"]
