"""The graph's vocabulary: what a node may be and what an edge may say.

Each node kind and each relation is declared once, here, with everything
the rest of the code needs to know about it; the models' enumerations and
CHECK constraints (models.py), the RDF classes and predicates (rdf.py), the
page's legend and styles (api/page/drawing.py), the BibTeX relation fields
(ingest/), the lineage walks (network.py) and the GraphQL enums
(api/types.py) are all derived from these two tables.

A relation's name is written with a hyphen (`inspired-by`): that is how it
is stored, printed and exported. On input any case and either a hyphen or
an underscore is accepted (`Inspired_By`), see `relation_name`; GraphQL
enum values cannot hold a hyphen, so there (and only there) it is printed
`inspired_by`.

A new relation or kind needs a row here and, since the store checks the
names, a migration of the CHECK constraints (graph/migrations/).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidInput

SOURCE, TARGET = "source", "target"


@dataclass(frozen=True)
class KindSpec:
    """A kind of node: the part of a node id before the colon."""

    name: str
    title: str  # its class: aip:<title> in RDF, type <title> in GraphQL
    label: str  # for people: the page's legend
    shape: str  # the page's marker (vis-network shape)
    color: str
    size: float  # the page's marker size before it grows with degree
    scheme: str | None = None  # a SKOS concept scheme its nodes belong to in RDF (urn:aiprogress:scheme:<scheme>)


@dataclass(frozen=True)
class EdgeStyle:
    """How the page draws an edge of a relation."""

    color: str
    dashes: bool | tuple[int, ...]
    width: float


@dataclass(frozen=True)
class RelationSpec:
    """What an edge may say, with the kinds it may join (source -> target)."""

    name: str  # as stored and printed, lower case with hyphens
    sources: frozenset[str]  # kinds allowed at the source
    targets: frozenset[str]  # kinds allowed at the target
    direction: str  # the fact read from source to target
    inverse: str  # the fact read from target to source ("relaxed by")
    origin: str  # SOURCE or TARGET: which end is the origin in origins/impact walks
    lineage: bool  # followed by origins and impact unless other relations are asked for
    bibtex_fields: tuple[str, ...]  # a paper's BibTeX fields that state it (the paper is the source); the first is the one written
    style: EdgeStyle

    @property
    def identifier(self) -> str:
        """The name as a Python or GraphQL identifier (`inspired_by`)."""
        return self.name.replace("-", "_")

    @property
    def predicate(self) -> str:
        """The RDF predicate's local name in the aip: vocabulary (aip:inspired-by)."""
        return self.name


_P, _T, _C, _N, _F = "paper", "technique", "constraint", "narrative", "field"
_PR, _PB, _TH = "proposal", "problem", "theme"

KINDS: dict[str, KindSpec] = {
    k.name: k
    for k in (
        KindSpec(_P, "Paper", "Paper", "dot", "#4e79a7", 7.0),
        KindSpec(_T, "Technique", "Technique", "diamond", "#59a14f", 10.0),
        KindSpec(_C, "Constraint", "Constraint", "box", "#c0392b", 10.0, scheme="constraints"),
        KindSpec(_N, "Narrative", "Narrative", "star", "#b07aa1", 22.0),
        KindSpec(_F, "Field", "Field of inspiration", "hexagon", "#9c755f", 16.0, scheme="fields"),
        # One author's argument for where the field should go, not a shift it went through.
        KindSpec(_PR, "Proposal", "Proposal", "triangle", "#76b7b2", 16.0),
        # An open problem a proposal names, bearing on constraints.
        KindSpec(_PB, "Problem", "Open problem", "triangleDown", "#edc948", 10.0),
        # An idea a proposal argues for, embodied by existing techniques.
        KindSpec(_TH, "Theme", "Theme of a proposal", "square", "#ff9da7", 10.0),
    )
}

RELATIONS: dict[str, RelationSpec] = {
    r.name: r
    for r in (
        RelationSpec(
            "relaxes", frozenset({_T, _P}), frozenset({_C}),
            "technique or paper -> the constraint whose ceiling it raised", "relaxed by",
            SOURCE, False, ("relaxes",), EdgeStyle("#e15759", False, 2.5),
        ),
        RelationSpec(
            "enables", frozenset({_T, _P}), frozenset({_T, _P}),
            "earlier advance -> later advance it made possible", "enabled by",
            SOURCE, True, ("enables",), EdgeStyle("#f28e2b", False, 1.8),
        ),
        RelationSpec(
            "inspired-by", frozenset({_T, _P}), frozenset({_T, _P, _F}),
            "later idea -> the earlier idea or field it drew on", "inspired",
            TARGET, True, ("inspired-by",), EdgeStyle("#17a2b8", (6, 4), 1.5),
        ),
        RelationSpec(
            "introduces", frozenset({_P}), frozenset({_T}),
            "paper -> the technique it introduced or demonstrated", "introduced by",
            SOURCE, True, ("introduces", "techniques"), EdgeStyle("#7f7f7f", (2, 3), 1.2),
        ),
        RelationSpec(
            "cites", frozenset({_P}), frozenset({_P}),
            "citing paper -> cited paper", "cited by",
            TARGET, False, ("cites",), EdgeStyle("#b8b0ac", False, 0.8),
        ),
        # Written by the linker (graph/linking.py) from the words of a paper's
        # text, never stated by a curator: kept apart from `introduces`, not
        # walked by origins/impact by default (a corpus would drown the
        # lineage), and not a BibTeX field (an export must not turn a guess into a fact).
        RelationSpec(
            "mentions", frozenset({_P}), frozenset({_T}),
            "paper -> a technique its title, abstract or keywords name", "mentioned by",
            TARGET, False, (), EdgeStyle("#a0cbe8", (1, 4), 0.6),
        ),
        RelationSpec(
            "triggered", frozenset({_P, _T}), frozenset({_N}),
            "paper or technique -> the narrative it set off", "triggered by",
            SOURCE, False, ("triggered",), EdgeStyle("#b07aa1", (10, 4), 2.0),
        ),
        # Focus, proposals' problems and themes, and what bears on a constraint
        # are readings of the history, not lineage: walked only when asked for.
        RelationSpec(
            "focuses-on", frozenset({_N}), frozenset({_C}),
            "narrative -> the constraint the framework says it was about", "focus of",
            SOURCE, False, (), EdgeStyle("#7d3c98", (4, 4), 1.6),
        ),
        RelationSpec(
            "names", frozenset({_PR}), frozenset({_PB, _TH}),
            "proposal -> the problem it targets or the theme it argues for", "named by",
            SOURCE, False, (), EdgeStyle("#76b7b2", (3, 3), 1.2),
        ),
        RelationSpec(
            "bears-on", frozenset({_PB}), frozenset({_C}),
            "problem -> the constraint it limits", "limited by",
            SOURCE, False, (), EdgeStyle("#b59410", (8, 3), 1.6),
        ),
        RelationSpec(
            "embodies", frozenset({_T, _P}), frozenset({_TH}),
            "technique or paper -> the theme it already puts into practice", "embodied by",
            SOURCE, False, ("embodies",), EdgeStyle("#ff9da7", (2, 2), 1.2),
        ),
    )
}


def spelling(name: str) -> str:
    """The one spelling of a name typed in any case with hyphens or underscores."""
    return name.strip().lower().replace("_", "-")


def relation_name(name: str) -> str:
    """The stored name of a relation as a user typed it (`Inspired_By` ->
    `inspired-by`); InvalidInput naming the relations for anything else."""
    canonical = spelling(name) if isinstance(name, str) else name
    if canonical not in RELATIONS:
        raise InvalidInput(f"unknown relation {name!r} (relations: {', '.join(RELATIONS)})")
    return canonical


def relation_names(names: Iterable[str]) -> tuple[str, ...]:
    """`relation_name` of each, in order, each once."""
    return tuple(dict.fromkeys(relation_name(n) for n in names))


def bibtex_relation_fields() -> dict[str, str]:
    """Every BibTeX field name that states a relation, in each spelling a
    file may use (lower case: BibTeX field names are read lower-cased) -> the relation."""
    out: dict[str, str] = {}
    for spec in RELATIONS.values():
        for field in spec.bibtex_fields:
            for written in (field, field.replace("-", "_")):
                out.setdefault(written.lower(), spec.name)
    return out


def origin_is_target() -> frozenset[str]:
    """Relations written later -> earlier, whose target is the origin."""
    return frozenset(r.name for r in RELATIONS.values() if r.origin == TARGET)


def lineage_relations() -> tuple[str, ...]:
    """The relations that carry ideas forward: what origins and impact follow by default."""
    return tuple(r.name for r in RELATIONS.values() if r.lineage)
