"""The built-in history holds every fact of the source framework (SEED-NOTES)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from aiprogress.graph import service
from aiprogress.graph.models import CONSTRAINT_IDS, Edge, Node, Paper

# SEED-NOTES section 2: (technique, constraint) for every breakthrough row.
BREAKTHROUGHS = [
    ("technique:mnist", "constraint:data"),
    ("technique:imagenet", "constraint:data"),
    ("technique:pre-training-fine-tuning", "constraint:data"),
    ("technique:rlhf", "constraint:data"),
    ("technique:instruction-tuning", "constraint:data"),
    ("technique:backpropagation", "constraint:parameters"),
    ("technique:alexnet", "constraint:parameters"),
    ("technique:parameter-scaling", "constraint:parameters"),
    ("technique:residual-connections", "constraint:optimization-regularization"),
    ("technique:dropout", "constraint:optimization-regularization"),
    ("technique:batch-norm", "constraint:optimization-regularization"),
    ("technique:layer-norm", "constraint:optimization-regularization"),
    ("technique:adam", "constraint:optimization-regularization"),
    ("technique:weight-decay", "constraint:optimization-regularization"),
    ("technique:relu", "constraint:optimization-regularization"),
    ("technique:gelu", "constraint:optimization-regularization"),
    ("technique:cnn", "constraint:architecture"),
    ("technique:u-net", "constraint:architecture"),
    ("technique:rnn", "constraint:architecture"),
    ("technique:lstm", "constraint:architecture"),
    ("technique:forget-gate", "constraint:architecture"),
    ("technique:attention", "constraint:architecture"),
    ("technique:transformer", "constraint:architecture"),
    ("technique:vae", "constraint:architecture"),
    ("technique:diffusion-models", "constraint:architecture"),
    ("technique:word2vec", "constraint:architecture"),
    ("technique:clip", "constraint:architecture"),
    ("technique:multi-gpu-training", "constraint:compute"),
    ("technique:gpus", "constraint:compute"),
    ("technique:datacenter-gpus", "constraint:compute"),
    ("technique:gpu-clusters", "constraint:compute"),
    ("technique:cuda", "constraint:compute-efficiency"),
    ("technique:pytorch", "constraint:compute-efficiency"),
    ("technique:jax", "constraint:compute-efficiency"),
    ("technique:flashattention", "constraint:compute-efficiency"),
]

# SEED-NOTES section 2, "Enables" facts (direct edges).
ENABLES = [
    ("technique:attention", "technique:transformer"),
    ("technique:transformer", "technique:bert"),
    ("technique:transformer", "technique:gpt-2"),
    ("technique:transformer", "technique:gpt-3"),
    ("technique:transformer", "technique:vit"),
    ("technique:transformer", "technique:clip"),
    ("technique:lstm", "technique:transformer"),
    ("technique:alexnet", "technique:googlenet"),
    ("technique:alexnet", "technique:resnet"),
    ("technique:clip", "technique:dall-e-2"),
    ("technique:imagenet", "technique:alexnet"),
]

FIELDS = ["field:neuroscience", "field:linear-algebra-calculus", "field:physics-information-theory", "field:engineering"]
NARRATIVES = {
    "narrative:deep-learning-works": 2012,
    "narrative:internet-scale-data": 2017,
    "narrative:scaling-laws": 2019,
    "narrative:return-to-first-principles": 2023,
}


@pytest.fixture
def s(builtin_engine):
    with Session(builtin_engine) as session:
        yield session


def _edges(s, relation):
    return {(e.source_id, e.target_id): e for e in s.exec(select(Edge).where(Edge.relation == relation))}


def test_counts_meet_the_foundation(s):
    counts = service.stats(s)["nodes"]
    assert counts["constraint"] == 7
    assert counts["paper"] >= 48
    assert counts["technique"] >= 35
    assert counts["field"] == 4
    assert counts["narrative"] == 4


def test_constraints_are_exact_with_their_binding(s):
    got = {n.id: n.binding for n in s.exec(select(Node).where(Node.kind == "constraint"))}
    assert set(got) == set(CONSTRAINT_IDS)
    hard = {"constraint:data", "constraint:compute", "constraint:energy"}
    assert {i for i, b in got.items() if b == "hard"} == hard
    assert all(b == "leverage" for i, b in got.items() if i not in hard)


@pytest.mark.parametrize("technique, constraint", BREAKTHROUGHS)
def test_every_breakthrough_relaxes_its_constraint_with_a_note(s, technique, constraint):
    edge = _edges(s, "relaxes").get((technique, constraint))
    assert edge is not None, f"{technique} should relax {constraint}"
    assert len(edge.note) > 20 and edge.provenance.startswith("builtin:")


def test_nothing_relaxes_energy(s):
    assert not [k for k in _edges(s, "relaxes") if k[1] == "constraint:energy"]


@pytest.mark.parametrize("source, target", ENABLES)
def test_enables_facts(s, source, target):
    assert (source, target) in _edges(s, "enables")


def test_inspiration_reaches_all_four_fields(s):
    reached = {t for (_, t) in _edges(s, "inspired-by")}
    assert set(FIELDS) <= reached
    inspired = _edges(s, "inspired-by")
    assert ("technique:cnn", "field:neuroscience") in inspired
    assert ("technique:backpropagation", "field:linear-algebra-calculus") in inspired


def test_narratives_have_years_and_triggers(s):
    got = {n.id: n.year for n in s.exec(select(Node).where(Node.kind == "narrative"))}
    assert got == NARRATIVES
    triggered = _edges(s, "triggered")
    assert any(t == "narrative:deep-learning-works" for (_, t) in triggered)
    assert sum(t == "narrative:internet-scale-data" for (_, t) in triggered) >= 2
    assert sum(t == "narrative:scaling-laws" for (_, t) in triggered) >= 2


def test_measurements_recorded(s):
    gpt3 = service.node_detail(s, service.resolve_id(s, "technique:gpt-3"))
    by_quantity = {m["quantity"]: m["value"] for m in gpt3.measurements}
    assert by_quantity["parameters"] == pytest.approx(175e9)
    assert by_quantity["training-compute"] == pytest.approx(3.14e23, rel=0.05)


def test_papers_are_linked_to_what_they_introduce(s):
    transformer = service.node_detail(s, "technique:transformer")
    introduced_by = [e.other_id for e in transformer.edges if e.relation == "introduces" and e.direction == "in"]
    assert introduced_by, "the Transformer paper should introduce technique:transformer"
    paper = s.get(Paper, introduced_by[0])
    assert paper.arxiv_id == "1706.03762" and paper.authors[0].startswith("Vaswani")


def _seed_papers():
    """SEED-NOTES section 5 (copied to tests/seed-papers.md) as (title, year, first author, arXiv id) rows."""
    section = (Path(__file__).with_name("seed-papers.md")).read_text(encoding="utf-8")
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[2].isdigit():
            rows.append((cells[1], int(cells[2]), cells[3], cells[4] or None))
    return rows


def test_every_seed_paper_is_present(s):
    rows = _seed_papers()
    assert len(rows) == 48
    papers = {n.name.lower(): (n, s.get(Paper, n.id)) for n in s.exec(select(Node).where(Node.kind == "paper"))}
    norm = lambda t: re.sub(r"[^a-z0-9]+", " ", t.lower()).strip()
    by_title = {norm(t): v for t, v in papers.items()}
    for title, year, first_author, arxiv in rows:
        assert norm(title) in by_title, f"missing paper {title!r}"
        node, paper = by_title[norm(title)]
        assert node.year == year, title
        surname = first_author.split()[-1].lower()
        assert surname in paper.authors[0].lower(), (title, paper.authors[0])
        assert paper.arxiv_id == arxiv, title
