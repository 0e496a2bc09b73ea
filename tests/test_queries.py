"""graph/queries on tiny hand-built graphs: cycles, depth limits, missing nodes, no path."""

from __future__ import annotations

import pytest

from aiprogress.graph.errors import InvalidInput, NoPath, NotFound
from aiprogress.graph.network import Snapshot
from aiprogress.graph.queries import constraint_timeline, frontier, gaps, impact, narrative_shifts, open_problems, origins, path, topic_shifts
from aiprogress.graph.queries.topics import Paper


def graph(nodes, edges):
    """nodes: ids or (id, attrs); edges: (source, relation, target[, year])."""
    node_records = [{"id": n} if isinstance(n, str) else {"id": n[0], **n[1]} for n in nodes]
    edge_records = [
        {"source_id": e[0], "relation": e[1], "target_id": e[2], "year": e[3] if len(e) > 3 else None, "note": f"{e[0]}>{e[2]}", "provenance": "test"}
        for e in edges
    ]
    return Snapshot.from_records(node_records, edge_records)


CHAIN = graph(
    ["technique:a", "technique:b", "technique:c", "technique:d", "field:math"],
    [
        ("technique:a", "enables", "technique:b"),
        ("technique:b", "enables", "technique:c"),
        ("technique:c", "enables", "technique:d"),
        ("technique:b", "inspired-by", "field:math"),
    ],
)


def test_origins_distances_chains_and_fields():
    result = origins(CHAIN, "technique:d")
    assert {r.id: r.distance for r in result.reached()} == {"technique:c": 1, "technique:b": 2, "technique:a": 3, "field:math": 3}
    assert [(e.source, e.relation, e.target) for e in result.chain("field:math")] == [
        ("technique:c", "enables", "technique:d"),
        ("technique:b", "enables", "technique:c"),
        ("technique:b", "inspired-by", "field:math"),
    ]
    assert result.fields == [{"id": "field:math", "name": "field:math", "distance": 3, "inspired": ["technique:b"]}]



def test_to_dict_gives_each_reached_node_its_chain_of_facts_in_both_directions():
    # Branches, a cycle and facts written both ways (inspired-by points at the origin).
    g = graph(
        ["technique:a", "technique:b", "technique:c", "technique:d", "technique:e", "field:math"],
        [
            ("technique:a", "enables", "technique:b"),
            ("technique:b", "enables", "technique:c"),
            ("technique:c", "enables", "technique:d"),
            ("technique:e", "enables", "technique:c"),
            ("technique:d", "enables", "technique:a"),
            ("technique:b", "inspired-by", "field:math"),
        ],
    )
    for result in (origins(g, "technique:d"), impact(g, "field:math"), origins(g, "technique:d", depth=2)):
        for limit in (None, 1, 3):
            out = result.to_dict(limit=limit)
            assert [item["id"] for item in out["reached"]] == [r.id for r in result.reached(limit)]
            for item in out["reached"]:
                assert item["chain"] == [e.to_dict() for e in result.chain(item["id"])]
                assert len(item["chain"]) == item["distance"]
    chain = {item["id"]: item["chain"] for item in origins(g, "technique:d").to_dict()["reached"]}["field:math"]
    assert [(e["source"], e["relation"], e["target"], e["note"]) for e in chain] == [
        ("technique:c", "enables", "technique:d", "technique:c>technique:d"),
        ("technique:b", "enables", "technique:c", "technique:b>technique:c"),
        ("technique:b", "inspired-by", "field:math", "technique:b>field:math"),
    ]

def test_depth_bounds_the_walk():
    assert origins(CHAIN, "technique:d", depth=1).ids() == ["technique:c"]
    assert sorted(origins(CHAIN, "technique:d", depth=2).ids()) == ["technique:b", "technique:c"]
    assert origins(CHAIN, "technique:d", depth=0).count == 0
    with pytest.raises(InvalidInput):
        origins(CHAIN, "technique:d", depth=-1)


def test_cycles_do_not_loop():
    g = graph(
        ["technique:x", "technique:y", "technique:z"],
        [("technique:x", "enables", "technique:y"), ("technique:y", "enables", "technique:z"), ("technique:z", "enables", "technique:x")],
    )
    result = origins(g, "technique:x")
    assert sorted(result.ids()) == ["technique:y", "technique:z"]  # the start is not its own ancestor
    assert result.distance("technique:z") == 1 and result.distance("technique:y") == 2
    assert sorted(impact(g, "technique:x").ids()) == ["technique:y", "technique:z"]


def test_relations_narrow_the_walk():
    assert origins(CHAIN, "technique:c", relations=["inspired-by"]).count == 0
    assert origins(CHAIN, "technique:b", relations=["inspired-by"]).ids() == ["field:math"]
    with pytest.raises(InvalidInput, match="unknown relation"):
        origins(CHAIN, "technique:b", relations=["invented"])


def test_unknown_ids_are_named():
    for call in (lambda: origins(CHAIN, "technique:nope"), lambda: impact(CHAIN, "technique:nope"), lambda: path(CHAIN, "technique:a", "technique:nope")):
        with pytest.raises(NotFound, match="technique:nope"):
            call()
    with pytest.raises(NotFound, match="constraint:nope"):
        constraint_timeline(CHAIN, "nope")


def test_impact_counts_relaxes_fed_downstream():
    g = graph(
        ["technique:a", "technique:b", "technique:c", "constraint:data", "constraint:compute"],
        [
            ("technique:a", "enables", "technique:b"),
            ("technique:b", "relaxes", "constraint:data"),
            ("technique:a", "relaxes", "constraint:data"),
            ("technique:c", "relaxes", "constraint:compute"),
        ],
    )
    result = impact(g, "technique:a")
    assert result.ids() == ["technique:b"]
    assert result.blocked == {"constraint:data": 2}


def test_path_directed_undirected_and_none():
    p = path(CHAIN, "technique:a", "technique:d")
    assert p.nodes() == ["technique:a", "technique:b", "technique:c", "technique:d"]
    assert [s.note for s in p.steps] == ["technique:a>technique:b", "technique:b>technique:c", "technique:c>technique:d"]
    with pytest.raises(NoPath, match="technique:d.*technique:a"):
        path(CHAIN, "technique:d", "technique:a")
    assert path(CHAIN, "technique:d", "technique:a", directed=False).length == 3
    # field:math is an origin of b, so directed it leads to d; it is no descendant of a.
    assert path(CHAIN, "field:math", "technique:d").length == 3
    assert path(CHAIN, "technique:a", "field:math", directed=False).nodes() == ["technique:a", "technique:b", "field:math"]
    lonely = graph(["technique:a", "technique:b"], [])
    with pytest.raises(NoPath):
        path(lonely, "technique:a", "technique:b", directed=False)
    assert path(CHAIN, "technique:a", "technique:a").length == 0


def test_path_is_shortest_when_frontiers_meet_unevenly():
    # a -> b -> c -> d -> e and a shortcut a -> x -> e: the shortcut must win.
    g = graph(
        [f"technique:{c}" for c in "abcdex"],
        [(f"technique:{s}", "enables", f"technique:{t}") for s, t in ("ab", "bc", "cd", "de", "ax", "xe")],
    )
    assert path(g, "technique:a", "technique:e").nodes() == ["technique:a", "technique:x", "technique:e"]


TIMELINE = graph(
    [
        ("constraint:compute", {"binding": "hard"}),
        ("constraint:energy", {"binding": "hard"}),
        ("constraint:architecture", {"binding": "leverage"}),
        ("technique:gpu", {"year": 2007}),
        ("technique:cnn", {"year": 1989}),
        ("technique:transformer", {"year": 2017}),
        ("paper:vaswani", {"year": 2017, "name": "Attention Is All You Need"}),
        ("paper:alexnet", {"year": 2012}),
        ("narrative:late", {"year": 2023}),
        ("narrative:dl-works", {}),
    ],
    [
        ("technique:gpu", "relaxes", "constraint:compute", 2009),
        ("technique:transformer", "relaxes", "constraint:architecture"),
        ("technique:cnn", "relaxes", "constraint:architecture", 1989),
        ("paper:vaswani", "introduces", "technique:transformer"),
        ("paper:alexnet", "triggered", "narrative:dl-works", 2012),
    ],
)


def test_constraint_timeline_orders_by_year_with_papers():
    result = constraint_timeline(TIMELINE, "architecture")
    assert [(b.id, b.year) for b in result.entries] == [("technique:cnn", 1989), ("technique:transformer", 2017)]
    assert result.entries[1].papers == [{"id": "paper:vaswani", "name": "Attention Is All You Need", "year": 2017}]
    assert constraint_timeline(TIMELINE, "constraint:compute").entries[0].year == 2009  # the edge's year wins
    with pytest.raises(InvalidInput, match="not a constraint"):
        constraint_timeline(TIMELINE, "technique:gpu")


STATUSES = [
    {"constraint_id": "constraint:architecture", "year": 2012, "status": "binding", "source": "s1", "note": "n1"},
    {"constraint_id": "constraint:compute", "year": 2012, "status": "binding", "source": "s1", "note": ""},
    {"constraint_id": "constraint:architecture", "year": 2019, "status": "solved", "source": "s2", "note": "n2"},
    {"constraint_id": "constraint:energy", "year": 2024, "status": "expected-to-bind", "source": "s3", "note": ""},
]


def test_frontier_reports_the_status_recorded_by_the_year_asked():
    at = lambda year: {s.id: s for s in frontier(TIMELINE, STATUSES, as_of=year)}
    assert {c: s.status for c, s in at(2012).items()} == {"constraint:architecture": "binding", "constraint:compute": "binding", "constraint:energy": None}
    later = at(2024)
    assert (later["constraint:architecture"].status, later["constraint:architecture"].status_year, later["constraint:architecture"].status_source) == ("solved", 2019, "s2")
    assert later["constraint:energy"].status == "expected-to-bind" and later["constraint:energy"].kind == "hard"
    # Sorted by status: binding first, solved last.
    assert [s.id for s in frontier(TIMELINE, STATUSES, as_of=2024)] == ["constraint:compute", "constraint:energy", "constraint:architecture"]
    assert frontier(TIMELINE, [], as_of=2024)[0].status is None


def test_frontier_keeps_the_pace_as_evidence_up_to_the_year():
    status = {s.id: s for s in frontier(TIMELINE, STATUSES, now=2025)}
    assert status["constraint:energy"].latest_year is None and status["constraint:energy"].breakthroughs == 0
    assert status["constraint:compute"].latest_year == 2009 and status["constraint:compute"].last_decade == 0
    assert status["constraint:architecture"].last_decade == 1 and status["constraint:architecture"].latest == ["technique:transformer"]
    # As of 2012 the Transformer (2017) has not happened yet.
    early = {s.id: s for s in frontier(TIMELINE, STATUSES, as_of=2012)}
    assert (early["constraint:architecture"].latest_year, early["constraint:architecture"].breakthroughs) == (1989, 1)


def test_narrative_shifts_periods_and_order():
    g = graph(
        [
            ("constraint:compute", {"binding": "hard"}), ("constraint:data", {"binding": "hard"}), ("constraint:architecture", {"binding": "leverage"}),
            ("technique:gpu", {"year": 2007}), ("technique:cnn", {"year": 1989}), ("technique:bert", {"year": 2018}), ("technique:web", {"year": 2018}),
            ("paper:alexnet", {"year": 2012}), ("narrative:dl-works", {}), ("narrative:data", {"year": 2017}), ("narrative:none", {"year": 2030}),
        ],
        [
            ("technique:gpu", "relaxes", "constraint:compute", 2009),
            ("technique:cnn", "relaxes", "constraint:architecture", 1989),
            ("technique:bert", "relaxes", "constraint:architecture"),
            ("technique:web", "relaxes", "constraint:architecture"),
            ("paper:alexnet", "triggered", "narrative:dl-works", 2012),
            ("narrative:dl-works", "focuses-on", "constraint:compute"),
            ("narrative:dl-works", "focuses-on", "constraint:architecture"),
            ("narrative:data", "focuses-on", "constraint:data"),
        ],
    )
    result = narrative_shifts(g, bucket_years=10)
    assert [n["id"] for n in result] == ["narrative:dl-works", "narrative:data", "narrative:none"]
    assert result.narratives[0]["year"] == 2012  # taken from the trigger when the narrative has none
    assert [f["id"] for f in result.narratives[0]["focus"]] == ["constraint:architecture", "constraint:compute"]
    # The focus of a period is the recorded focus of the narratives in force, whatever the counts say.
    assert [(p["start"], p["focus"], p["most_relaxed"]) for p in result.periods] == [
        (1980, [], ["constraint:architecture"]),
        (1990, [], []),
        (2000, [], ["constraint:compute"]),
        (2010, ["constraint:architecture", "constraint:compute", "constraint:data"], ["constraint:architecture"]),
    ]
    assert result.periods[3]["narratives"] == ["narrative:dl-works", "narrative:data"]
    assert result.periods[2]["hard_share"] == 1.0
    assert [(c["year"], c["narrative"], c["from"], c["to"]) for c in result.focus_changes] == [
        (2017, "narrative:data", ["constraint:architecture", "constraint:compute"], ["constraint:data"])
    ]


def test_open_problems_lists_problems_and_themes_with_their_links():
    g = graph(
        ["proposal:p", "proposal:later", "problem:privacy", "problem:unnamed", "theme:multi", "constraint:data", ("technique:clip", {"year": 2021})],
        [
            ("proposal:p", "names", "problem:privacy", 2023),
            ("proposal:p", "names", "theme:multi", 2023),
            ("proposal:later", "names", "problem:privacy", 2030),
            ("problem:privacy", "bears-on", "constraint:data"),
            ("technique:clip", "embodies", "theme:multi", 2021),
        ],
    )
    found = open_problems(g)
    assert [(p["id"], [c["id"] for c in p["bears_on"]], [n["id"] for n in p["named_by"]]) for p in found.problems] == [
        ("problem:privacy", ["constraint:data"], ["proposal:p", "proposal:later"])
    ]
    assert [(t["id"], [e["id"] for e in t["embodied_by"]]) for t in found.themes] == [("theme:multi", ["technique:clip"])]
    assert [n["id"] for n in open_problems(g, as_of=2025).problems[0]["named_by"]] == ["proposal:p"]
    assert open_problems(g, as_of=2020).problems == []


def test_gaps_find_what_is_missing():
    g = graph(
        [
            ("paper:a", {"name": "Deep Residual Learning"}),
            ("paper:b", {"name": "Deep residual learning."}),
            "paper:c",
            "technique:linked",
            "technique:orphan",
            "constraint:data",
            "narrative:n",
        ],
        [("paper:a", "introduces", "technique:linked"), ("technique:linked", "relaxes", "constraint:data")],
    )
    found = gaps(g)
    assert found.papers_without_technique == ["paper:b", "paper:c"]
    assert found.techniques_without_constraint == ["technique:orphan"]
    assert found.duplicate_papers == [["paper:a", "paper:b"]]
    assert found.narratives_without_trigger == ["narrative:n"]
    assert found.edges_without_evidence == []
    bare = Snapshot.from_records([{"id": "technique:a"}, {"id": "technique:b"}], [{"source_id": "technique:a", "relation": "enables", "target_id": "technique:b", "provenance": "x"}])
    assert gaps(bare).edges_without_evidence == [{"source": "technique:a", "relation": "enables", "target": "technique:b", "missing": ["note"]}]


def synthetic_corpus():
    """100 papers a year 2010-2016; 'transformer' jumps from ~1% to 30% in 2015;
    'kernel' falls from 40% to 5% in 2016; 'graph' stays at 10% throughout."""
    papers = []
    for year in range(2010, 2017):
        for k in range(100):
            words = ["study"]
            if k % 10 == 0:
                words.append("graph")
            if (year >= 2015 and k < 30) or (year < 2015 and k == 50 and year % 2):
                words.append("transformer")
            if (year < 2016 and 60 <= k < 100) or (year == 2016 and k >= 95):
                words.append("kernel")
            techniques = ("technique:attention",) if year >= 2015 and k < 20 else ()
            papers.append(Paper(id=f"paper:{year}-{k}", title=" ".join(words), year=year, techniques=techniques))
    return papers


def test_topic_shifts_find_rises_and_falls_on_a_synthetic_corpus():
    shifts = topic_shifts(synthetic_corpus())
    found = {(s.topic, s.source, s.year, s.direction) for s in shifts}
    assert ("transformer", "title", 2015, "rise") in found
    assert ("technique:attention", "technique", 2015, "rise") in found
    assert ("kernel", "title", 2016, "fall") in found
    assert not any(s.topic in {"graph", "study"} for s in shifts)  # steady topics are not shifts
    rise = next(s for s in shifts if s.topic == "transformer" and s.year == 2015)
    assert rise.count == 30 and rise.papers == 100 and rise.z >= 3
    assert rise.counts_by_year == {2012: 0, 2013: 1, 2014: 0, 2015: 30}
    with pytest.raises(InvalidInput):
        topic_shifts(synthetic_corpus(), window=0)
