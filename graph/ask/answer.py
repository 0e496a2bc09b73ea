"""The replies: each question kind's query (a function of graph.answers)
and a short answer in words built from its typed result, with the facts
behind it (each with its note and provenance) and what the page should
show (`focus`).

A reply takes the session and the arguments understood
(graph.ask.interpret) and returns a `Reply`; graph.ask.ask wraps it with
the interpretation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from .. import answers, service
from ..errors import NoPath
from ..models import NodeKind
from ..network import EdgeFact
from ..answers import _surname
from ..queries import adoption as adoption_queries

SHOWN = 8  # names listed in a sentence
FACTS = 25  # facts listed beneath an answer, unless a limit was asked


@dataclass
class Reply:
    text: str
    facts: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | list | None = None
    focus: dict[str, Any] = field(default_factory=dict)  # {id, mode} | {node} | {path: [a, b]}
    nodes: list[str] = field(default_factory=list)  # the nodes the answer is about, most relevant first
    # The query's own answer, for callers that type it (GraphQL's lineage and path).
    typed: Any = field(default=None, repr=False)
    listed: list[Any] = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------
# How things are named in words
# --------------------------------------------------------------------------


def _name(g, node_id: str, labels: dict[str, str] | None = None) -> str:
    i = g.index.get(node_id)
    if i is None:
        return node_id
    if g.kinds[i] == NodeKind.paper.value and labels and node_id in labels:
        return labels[node_id]
    year = g.years[i]
    return f"{g.names[i]} ({year})" if year is not None else g.names[i]


def _names(g, ids, labels=None, shown: int = SHOWN) -> str:
    ids = list(ids)
    out = ", ".join(_name(g, i, labels) for i in ids[:shown])
    return out + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def _fact(fact: EdgeFact, g) -> dict[str, Any]:
    return {"source": fact.source, "relation": fact.relation, "target": fact.target,
            "source_name": _name(g, fact.source), "target_name": _name(g, fact.target),
            "year": fact.year, "note": fact.note, "provenance": fact.provenance}


def _in_range(year: int | None, args: dict[str, Any]) -> bool:
    low, high = args.get("year_from"), args.get("year_to")
    if low is None and high is None:
        return True
    return year is not None and (low is None or year >= low) and (high is None or year <= high)


def _range_words(args: dict[str, Any]) -> str:
    low, high = args.get("year_from"), args.get("year_to")
    if low is not None and high is not None:
        return f" from {low} to {high}" if low != high else f" in {low}"
    if low is not None:
        return f" from {low} on"
    if high is not None:
        return f" up to {high}"
    return ""


def _as_of(args: dict[str, Any]) -> str:
    return f" (as of {args['as_of']})" if args.get("as_of") is not None else ""


# --------------------------------------------------------------------------
# origins, impact, path
# --------------------------------------------------------------------------


def _lineage(session: Session, direction: str, args: dict[str, Any]) -> Reply:
    found = answers.lineage(session, direction, args["id"], as_of=args.get("as_of"))
    g = answers.graph_at(session, args.get("as_of"))
    root = found.root["id"]
    reached = [r for r in found.lineage.reached(None) if _in_range(g.years[g.index[r.id]], args)]
    limit = args.get("limit")
    listed = reached[:limit] if limit else reached
    labels = answers.labels(session, [r.id for r in listed[:FACTS]] + [root])
    what = "earlier idea" if direction == "origins" else "later node"
    verb = "rests on" if direction == "origins" else "led to"
    count = len(reached)
    text = f"{_name(g, root, labels)} {verb} {count} {what}{'s' if count != 1 else ''}{_range_words(args)}{_as_of(args)}"
    if not count:
        text = f"{_name(g, root, labels)} has no {'origins' if direction == 'origins' else 'later node'} recorded in the graph{_range_words(args)}{_as_of(args)}"
    if listed:
        text += f"; nearest: {_names(g, [r.id for r in listed[:SHOWN]], labels, SHOWN)}"
    text += "."
    if direction == "origins" and found.lineage.fields:
        text += " Fields of inspiration reached: " + ", ".join(f["name"] for f in found.lineage.fields) + "."
    if direction == "impact" and found.lineage.blocked:
        parts = sorted(found.lineage.blocked.items(), key=lambda kv: -kv[1])
        text += " It feeds relaxes facts on " + ", ".join(f"{g.names[g.index[c]]} ({n})" for c, n in parts if c in g.index) + "."
    facts = [_fact(r.via, g) for r in listed[: limit or FACTS]]
    return Reply(text, facts, {**found.lineage.to_dict(limit or FACTS), "listed": [r.id for r in listed]},
                 {"id": root, "mode": direction}, [root, *(r.id for r in listed)], typed=found.lineage, listed=listed[: limit or FACTS])


def origins(session: Session, args: dict[str, Any]) -> Reply:
    return _lineage(session, "origins", args)


def impact(session: Session, args: dict[str, Any]) -> Reply:
    return _lineage(session, "impact", args)


def path(session: Session, args: dict[str, Any]) -> Reply:
    g = answers.graph_at(session, args.get("as_of"))
    note = ""
    try:
        found = answers.path(session, args["source"], args["target"], as_of=args.get("as_of"))
    except NoPath:
        # No chain runs from the first to the second: say so, and show how they are connected at all.
        try:
            found = answers.path(session, args["source"], args["target"], directed=False, as_of=args.get("as_of"))
            note = f" No chain of lineage runs from {_name(g, args['source'])} to {_name(g, args['target'])}; ignoring direction:"
        except NoPath:
            return Reply(f"{_name(g, args['source'])} and {_name(g, args['target'])} are not connected in the graph{_as_of(args)}.",
                         focus={"path": [args["source"], args["target"]]}, nodes=[args["source"], args["target"]])
    data = found.to_dict()
    steps = found.steps
    chain = " → ".join(_name(g, n) for n in data["nodes"])
    facts = [_fact(s, g) for s in steps]
    said = "; ".join(f"{f['source_name']} {f['relation']} {f['target_name']}" for f in facts)
    text = f"{note} {chain}: {data['length']} step{'s' if data['length'] != 1 else ''}{_as_of(args)} ({said}).".strip()
    return Reply(text, facts, data, {"path": [data["source"], data["target"]]}, list(data["nodes"]), typed=found)


# --------------------------------------------------------------------------
# relaxed, frontier, narratives, open problems
# --------------------------------------------------------------------------


def relaxed(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.timeline(session, args["constraint"], as_of=args.get("as_of"), measured=False)
    g = answers.graph_at(session, args.get("as_of"))
    name = found.constraint["name"]
    entries = [b for b in found.entries if _in_range(b.year, args)]
    cid = found.constraint["id"]
    if not entries:
        text = found.why_empty or f"Nothing relaxed {name}{_range_words(args)}{_as_of(args)}."
    else:
        listed = ", ".join(f"{b.name} ({b.year})" if b.year is not None else b.name for b in entries[:SHOWN])
        more = f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else ""
        latest = entries[-1]
        text = (f"{name} was relaxed by {len(entries)} breakthrough{'s' if len(entries) != 1 else ''}{_range_words(args)}{_as_of(args)}: "
                f"{listed}{more}. Latest: {latest.name}" + (f" ({latest.year})." if latest.year is not None else "."))
    facts = [_fact(b.evidence, g) for b in entries]
    return Reply(text, facts, found.to_dict(), {"node": cid}, [cid, *(b.id for b in entries)])


def frontier(session: Session, args: dict[str, Any]) -> Reply:
    statuses = answers.frontier(session, as_of=args.get("as_of"))
    groups: dict[str, list[str]] = {}
    for s in statuses:
        groups.setdefault(s.status or "not recorded", []).append(s.name)
    order = ["binding", "expected-to-bind", "open", "solved", "not recorded"]
    parts = [f"{status.replace('-', ' ')}: {', '.join(groups[status])}" for status in sorted(groups, key=lambda s: order.index(s) if s in order else 9)]
    sources = sorted({f"{s.status_source} ({s.status_year})" for s in statuses if s.status_source})
    text = f"What binds{_as_of(args)}: " + "; ".join(parts) + "."
    if sources:
        text += " As recorded by " + "; ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "") + "."
    facts = [{"source": s.id, "relation": "status", "target": s.status, "source_name": s.name, "target_name": s.status,
              "year": s.status_year, "note": s.status_note, "provenance": s.status_source} for s in statuses if s.status]
    binding = [s.id for s in statuses if s.status == "binding"]
    return Reply(text, facts, [s.to_dict() for s in statuses], {"node": binding[0]} if binding else {}, [s.id for s in statuses])


def narratives(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.narratives(session, as_of=args.get("as_of"))
    g = answers.graph_at(session, args.get("as_of"))
    listed = [n for n in found.narratives if _in_range(n["year"], args)]
    if not listed:
        return Reply(f"No narrative is recorded{_range_words(args)}{_as_of(args)}.", result=found.to_dict())
    parts = []
    for n in listed:
        focus = ", ".join(g.names[g.index[f["id"]]] for f in n["focus"] if f["id"] in g.index) or "no focus recorded"
        triggers = ", ".join(_name(g, t["id"]) for t in n["triggers"]) or "no trigger recorded"
        parts.append(f"{n['name']} ({n['year']}; triggered by {triggers}; focus: {focus})")
    text = f"{len(listed)} narrative{'s' if len(listed) != 1 else ''}{_range_words(args)}{_as_of(args)}: " + " → ".join(parts) + "."
    if len(listed) > 1 or args.get("as_of") is not None:
        text += f" The latest is {listed[-1]['name']}."
    facts = []
    for n in listed:
        for fact in g.facts(g.incident(g.index[n["id"]])):
            if fact.relation in ("triggered", "focuses-on"):
                facts.append(_fact(fact, g))
    return Reply(text, facts, found.to_dict(), {"node": listed[-1]["id"]}, [n["id"] for n in listed])


def open_problems(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.open_problems(session, as_of=args.get("as_of"))
    problems = found.problems
    if not problems:
        return Reply(f"No open problem is recorded{_as_of(args)}.", result=found.to_dict())
    text = (f"{len(problems)} open problem{'s' if len(problems) != 1 else ''}{_as_of(args)}: "
            + "; ".join(f"{p['name']} (bears on {', '.join(c['name'] for c in p['bears_on']) or 'no constraint recorded'}; named by "
                        f"{', '.join(n['name'] for n in p['named_by'])})" for p in problems) + ".")
    if found.themes:
        text += " Themes argued for: " + ", ".join(t["name"] for t in found.themes) + "."
    return Reply(text, [], found.to_dict(), {"node": problems[0]["id"]}, [p["id"] for p in problems])


# --------------------------------------------------------------------------
# one thing, gaps, search
# --------------------------------------------------------------------------


def what_is(session: Session, args: dict[str, Any]) -> Reply:
    detail = service.node_detail(session, args["id"])
    g = answers.graph_at(session)
    node = detail.node
    labels = answers.labels(session, [node["id"]])
    head = labels.get(node["id"], node["name"])
    kind = node["kind"]
    text = f"{head}: a {kind}" + (f" of {node['year']}" if node.get("year") is not None else "") + "."
    if detail.paper and detail.paper.get("authors"):
        authors = detail.paper["authors"]
        text += f" By {', '.join(_surname(a) for a in authors[:3])}{' et al' if len(authors) > 3 else ''}."
    if node.get("description"):
        text += f" {node['description'].strip()}"
    by_relation: dict[str, list[str]] = {}
    for e in detail.edges:
        if e.relation in ("cites", "mentions"):
            continue
        key = f"{e.relation}" if e.direction == "out" else f"{e.relation} it"
        by_relation.setdefault(key, []).append(e.other_id)
    said = {"introduces": "Introduces", "introduces it": "Introduced by", "relaxes": "Relaxes", "enables": "Enables",
            "enables it": "Enabled by", "inspired-by": "Inspired by", "inspired-by it": "Inspired"}
    for key, title in said.items():
        if key in by_relation:
            text += f" {title}: {_names(g, by_relation[key], answers.labels(session, by_relation[key][:SHOWN]))}."
    facts = [_fact(e, g) for e in detail.edges if e.relation not in ("cites", "mentions")][:FACTS]
    return Reply(text.strip(), facts, detail.to_dict(), {"node": node["id"]}, [node["id"]])


def gaps(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.gaps(session, limit=args.get("limit"))
    counts = found.counts()
    parts = [f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n]
    text = "What the graph does not know yet: " + (", ".join(parts) if parts else "nothing: no gap found") + "."
    examples = found.papers_without_technique[:3]
    if examples:
        g = answers.graph_at(session)
        text += f" Papers linked to no technique, e.g.: {_names(g, examples, answers.labels(session, examples), 3)}."
    return Reply(text, [], found.to_dict(), {}, list(examples))


def search(session: Session, args: dict[str, Any]) -> Reply:
    limit = args.get("limit") or 10
    wanted = set(service.papers_from(session, args["source"])) if args.get("source") else None
    found = answers.search(session, args["text"], kind=args.get("kind"), limit=limit if wanted is None else 500, as_of=args.get("as_of"))
    hits = [h for h in found.hits if wanted is None or h.node_id in wanted][:limit]
    g = answers.graph_at(session)
    labels = answers.labels(session, [h.node_id for h in hits])
    where = f" in {args['source']}" if args.get("source") else ""
    if not hits:
        return Reply(f"Nothing{where} matches '{args['text']}'{_as_of(args)}.", result=found.to_dict())
    text = f"{len(hits)}{'+' if found.more and wanted is None else ''} match{'es' if len(hits) != 1 else ''} for '{args['text']}'{where}{_as_of(args)}; best: {_names(g, [h.node_id for h in hits], labels, 5)}."
    return Reply(text, [], {"hits": [{"id": h.node_id, "score": h.score} for h in hits], "more": found.more},
                 {"node": hits[0].node_id}, [h.node_id for h in hits])


# --------------------------------------------------------------------------
# over a corpus: adoption, per constraint, topics
# --------------------------------------------------------------------------


def adoption(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.adoption(session, args["technique"], source=args.get("source"), year_from=args.get("year_from"), year_to=args.get("year_to"))
    g = answers.graph_at(session)
    t = args["technique"]
    users = adoption_queries.users(g, t)
    corpus = set(service.papers_from(session, args["source"])) if args.get("source") else None
    papers = [g.ids[i] for i in users if (corpus is None or g.ids[i] in corpus) and _in_range(g.years[i], args)]
    papers.sort(key=lambda p: (-(g.years[g.index[p]] or 0), p))
    where = f" in {args['source']}" if args.get("source") else ""
    text = f"{_name(g, t)} is used by {found.using} of {found.papers} dated papers{where}{_range_words(args)}"
    busiest = sorted((y for y in found.years if y.using), key=lambda y: -y.using)[:3] if found.years and hasattr(found.years[0], "using") else []
    if busiest:
        text += " (most in " + ", ".join(f"{y.year}: {y.using}" for y in busiest) + ")"
    text += "."
    if papers:
        labels = answers.labels(session, papers[:5])
        text += f" Latest: {_names(g, papers[:5], labels, 5)}."
    facts = []
    for p in papers[:FACTS]:
        for fact in g.facts(g.incident(g.index[p], direction="out")):
            if fact.target == t and fact.relation in ("mentions", "introduces"):
                facts.append(_fact(fact, g))
    return Reply(text, facts, {**found.to_dict(), "papers_using": papers[:100]}, {"id": t, "mode": "impact"}, [t, *papers[:20]])


def adoption_by_constraint(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.adoption_by_constraint(session, source=args.get("source"), year_from=args.get("year_from"), year_to=args.get("year_to"))
    totals: dict[str, int] = {}
    for year in found.years:
        for c, n in year.get("counts", {}).items():
            totals[c] = totals.get(c, 0) + n
    g = answers.graph_at(session)
    where = f" in {args['source']}" if args.get("source") else ""
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    text = (f"Of {found.papers} dated papers{where}{_range_words(args)}, those using a technique that relaxes each constraint: "
            + (", ".join(f"{g.names[g.index[c]] if c in g.index else c} {n}" for c, n in ranked) or "none") + ".")
    return Reply(text, [], found.to_dict(), {}, [c for c, _ in ranked])


def topics(session: Session, args: dict[str, Any]) -> Reply:
    found = answers.topics(session, source=args.get("source"), year_from=args.get("year_from"), year_to=args.get("year_to"))
    if found.too_few:
        return Reply(found.too_few, result=found.to_dict())
    if not found.shifts:
        return Reply(f"No topic rose or fell sharply among {found.papers} dated papers.", result=found.to_dict())
    shown = found.shifts[:SHOWN]
    text = f"Sharpest topic shifts among {found.papers} dated papers: " + "; ".join(
        f"{s.topic} {s.direction} in {s.year} ({s.share:.0%} vs {s.baseline_share:.0%})" for s in shown) + "."
    return Reply(text, [], found.to_dict())
