"""The one place the graph's fields are declared.

Every table of the store is here. GraphQL types, exports and the data-file
loaders all derive from these declarations; nothing else names a column.

Enumerations are stored as plain strings (with CHECK constraints) rather than
database enum types, so that SQLite and PostgreSQL hold identical values and a
new member needs no type migration.
"""

from __future__ import annotations

import re
from dataclasses import make_dataclass
from enum import Enum
from operator import attrgetter
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, LargeBinary, String, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .relations import KINDS, RELATIONS


# The kinds and relations are declared in relations.py, with their rules.
NodeKind = Enum("NodeKind", [(k, k) for k in KINDS], type=str, module=__name__)
NodeKind.__doc__ = "What a node is (relations.KINDS)."


class TechniqueCategory(str, Enum):
    method = "method"
    architecture = "architecture"
    dataset = "dataset"
    hardware = "hardware"
    software = "software"
    model = "model"  # a trained, released model or system (GPT-3, BERT, ChatGPT), not a design


class Binding(str, Enum):
    """How a constraint moves: hard ones slowly (supply chains, grids, the
    internet's growth), leverage ones are easy to vary and are tuned to get the
    most from the hard ones."""

    hard = "hard"
    leverage = "leverage"


Relation = Enum("Relation", [(r.identifier, r.name) for r in RELATIONS.values()], type=str, module=__name__)
Relation.__doc__ = "What an edge says, source -> target (relations.RELATIONS)."


class Status(str, Enum):
    """What a source said about a constraint at a point in time."""

    binding = "binding"  # the limit on progress now
    expected_to_bind = "expected-to-bind"  # named as the limit to come
    solved = "solved"  # largely solved: no longer a limit
    open = "open"  # neither binding nor solved: relaxed by ordinary progress


class Quantity(str, Enum):
    parameters = "parameters"
    training_compute = "training-compute"  # FLOP
    dataset_size = "dataset-size"
    energy = "energy"


CONSTRAINT_IDS = (
    "constraint:data",
    "constraint:parameters",
    "constraint:optimization-regularization",
    "constraint:architecture",
    "constraint:compute",
    "constraint:compute-efficiency",
    "constraint:energy",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Citation keys are free-form in the wild (P18-1001, Bengio+al-2003, dblp:conf/...):
# anything printable without white space, double quotes, braces or commas
# (apostrophes occur: O'Shaughnessy87).
CITATION_KEY_RE = re.compile(r"^[^\s\"{}(),=#%\\]+$")


def _values(enum: type[Enum]) -> str:
    return ", ".join(f"'{m.value}'" for m in enum)


class Node(SQLModel, table=True):
    """Every node of the graph: papers, techniques, constraints, narratives, fields."""

    __tablename__ = "node"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(NodeKind)})", name="ck_node_kind"),
        CheckConstraint(f"category IS NULL OR category IN ({_values(TechniqueCategory)})", name="ck_node_category"),
        CheckConstraint(f"binding IS NULL OR binding IN ({_values(Binding)})", name="ck_node_binding"),
    )

    id: str = Field(primary_key=True, max_length=400, description="Stable id `kind:slug`.")
    kind: str = Field(index=True, max_length=20, description=f"{', '.join(list(KINDS)[:-1])} or {list(KINDS)[-1]}.")
    name: str = Field(description="Display name; a paper's title.")
    description: str | None = Field(default=None, description="What it is and why it matters, in prose.")
    year: int | None = Field(default=None, index=True, description="Year of publication or first appearance.")
    category: str | None = Field(default=None, max_length=20, description="Techniques: method, architecture, dataset, hardware, software or model.")
    binding: str | None = Field(default=None, max_length=10, description="Constraints: hard or leverage.")
    provenance: str = Field(default="user", description="Where the node came from.")


def pack_field_sources(sources: dict[str, str] | None) -> list[list[str]]:
    """{field: provenance} as stored: [[provenance, field, field, ...], ...],
    one group per run of fields with one provenance, in order.

    A record gives its paper a dozen fields from one entry, so the provenance
    (`bibtex:all_D_emnlp.bib#D19-1001`) is written once per paper instead of
    once per field, where it was the largest part of a paper's row
    (tests/benchmarks/bench_ingest.py prints the store's size against the files')."""
    groups: list[list[str]] = []
    for name, provenance in (sources or {}).items():
        if groups and groups[-1][0] == provenance:
            groups[-1].append(name)
        else:
            groups.append([provenance, name])
    return groups


def unpack_field_sources(stored: Any) -> dict[str, str]:
    """The stored groups back as {field: provenance}, in the order written
    (a store not yet migrated holds the dict itself: returned as it is)."""
    if isinstance(stored, dict):
        return stored
    return {name: group[0] for group in stored or () for name in group[1:]}


class FieldSources(TypeDecorator):
    """`paper.field_sources`: read and written as {field: provenance}, stored
    grouped by provenance (pack_field_sources)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else pack_field_sources(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unpack_field_sources(value)


class Paper(SQLModel, table=True):
    """Bibliographic fields of a `paper` node (one row per paper node)."""

    __tablename__ = "paper"
    __table_args__ = (Index("ix_paper_title_key_year", "title_key", "year"),)

    node_id: str = Field(
        sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), primary_key=True)
    )
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False), description="Authors in order.")
    venue: str | None = Field(default=None, description="Journal, proceedings or publisher.")
    doi: str | None = Field(default=None, unique=True, index=True, description="Normalised DOI (lower case, no resolver prefix).")
    arxiv_id: str | None = Field(default=None, unique=True, index=True, description="arXiv identifier without version.")
    url: str | None = None
    abstract: str | None = None
    entry_type: str = Field(default="article", max_length=40, description="BibTeX entry type.")
    citation_key: str = Field(index=True, description="The citation key the paper was first seen under.")
    title_key: str = Field(default="", description="Normalised title, for finding the same work twice.")
    year: int | None = Field(default=None, description="Copy of node.year for the title+year identity index.")
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False), description="Other BibTeX fields, kept so nothing is lost.")
    field_sources: dict[str, str] = Field(default_factory=dict, sa_column=Column(FieldSources, nullable=False), description="Field name -> provenance of its value.")


class Alias(SQLModel, table=True):
    """Other names a node answers to: citation keys, technique names, abbreviations."""

    __tablename__ = "alias"

    alias: str = Field(primary_key=True, max_length=400, description="Lower-cased alternative name.")
    node_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False, index=True))
    source: str = Field(default="name", max_length=40, description="citation-key, name or abbreviation.")


class Edge(SQLModel, table=True):
    """A fact between two nodes, with the evidence for it."""

    __tablename__ = "edge"
    __table_args__ = (
        UniqueConstraint("source_id", "relation", "target_id", name="uq_edge_triple"),
        CheckConstraint(f"relation IN ({_values(Relation)})", name="ck_edge_relation"),
        CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="ck_edge_confidence"),
        Index("ix_edge_target_relation", "target_id", "relation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of their own: uq_edge_triple leads with source_id and
    # ix_edge_target_relation with target_id, and serve every lookup by either;
    # two more indexes only made each edge written cost two more B-tree inserts.
    source_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False))
    relation: str = Field(max_length=20, index=True)
    target_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False))
    provenance: str = Field(description="Where the fact came from: builtin:FILE, bibtex:FILE#KEY, user:NAME.")
    note: str = Field(default="", description="Free-text evidence for the fact.")
    year: int | None = Field(default=None, description="When the fact happened, if known.")
    confidence: float | None = Field(default=None, description="0..1; inferred edges carry less.")
    inferred: bool = Field(default=False, description="True when guessed (e.g. from keywords), not stated.")
    # Semantic Scholar says why and how much a paper cites another; kept as
    # columns (not in the note) so a walk can follow influential citations only.
    intents: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True),
        description="A `cites` edge's citation intents as Semantic Scholar classified them: background, methodology, result.",
    )
    influential: bool | None = Field(default=None, description="A `cites` edge's Semantic Scholar influential-citation flag (null: not stated).")


def _edge_fact_class() -> type:
    def other_id(self) -> str | None:
        """The end that is not the node the edge was reached from."""
        if self.direction is None:
            return None
        return self.target_id if self.direction == "out" else self.source_id

    # Names and a getter made once: an answer's evidence is a few dozen facts,
    # and a comprehension of getattr calls per fact was a tenth of its cost.
    out_names = tuple(name.removesuffix("_id") for name in EDGE_FACT_FIELDS)
    values = attrgetter(*EDGE_FACT_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        """The fact as plain data, ends named `source` and `target` (the JSON outputs' names)."""
        return dict(zip(out_names, values(self)))

    columns = [(name, info.annotation) for name, info in Edge.model_fields.items()]
    return make_dataclass(
        "EdgeFact",
        [*columns, ("direction", str | None, None), ("other", Any, None)],
        slots=True,
        namespace={
            "__module__": __name__,
            "__doc__": (
                "The one in-memory shape of an edge: the columns of `edge` (declared once, above) plus how it was "
                "reached. The service's node details, the in-memory graph's evidence and the GraphQL loaders all hand "
                "out this record. `direction` is 'out' when reached from its source, 'in' from its target, None "
                "otherwise; `other` is the row of the other end once someone has loaded it."
            ),
            # The ends under the names the query results use.
            "source": property(lambda self: self.source_id),
            "target": property(lambda self: self.target_id),
            "other_id": property(other_id),
            "to_dict": to_dict,
        },
    )


# The columns of an edge that make up the fact and its evidence (its row id aside).
EDGE_FACT_FIELDS = tuple(name for name in Edge.model_fields if name != "id")
EdgeFact = _edge_fact_class()


class Measurement(SQLModel, table=True):
    """A number attached to a node: parameters, training compute, dataset size, energy."""

    __tablename__ = "measurement"
    __table_args__ = (
        UniqueConstraint("node_id", "quantity", "source", name="uq_measurement"),
        CheckConstraint(f"quantity IN ({_values(Quantity)})", name="ck_measurement_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    node_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False, index=True))
    quantity: str = Field(max_length=30)
    value: float
    unit: str = Field(description="e.g. count, FLOP, tokens, images, MWh.")
    source: str = Field(description="Where the figure was published.")
    note: str = ""


class StatusRecord(SQLModel, table=True):
    """A constraint's status as a source recorded it in a year (binding,
    expected-to-bind, solved, open). Statuses change over time, so the
    answer to "what binds now" is the latest record up to the year asked."""

    __tablename__ = "status_record"
    __table_args__ = (
        UniqueConstraint("constraint_id", "year", name="uq_status_record"),
        CheckConstraint(f"status IN ({_values(Status)})", name="ck_status_record_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    constraint_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False, index=True))
    year: int = Field(description="When the source recorded the status.")
    status: str = Field(max_length=20, description="binding, expected-to-bind, solved or open.")
    source: str = Field(description="Where the status was stated.")
    note: str = Field(default="", description="The evidence, in the source's terms.")


class PendingCitation(SQLModel, table=True):
    """A reference to a work not (yet) in the store, as its source named it.

    Never a placeholder paper: when a work with one of these identifiers
    arrives, from any source or format, the reference becomes a `cites` edge
    and this row goes."""

    __tablename__ = "pending_citation"
    # Each identifier column is indexed only where it holds a value: a reference
    # names a work by one or two schemes (an OpenAlex one by its id alone), and a
    # NULL entry in the other indexes cost a B-tree insert and delete per pending
    # row for nothing. Lookups are `column IN (...)`, which implies NOT NULL, so
    # both engines use the partial index.
    __table_args__ = (
        UniqueConstraint("citing_id", "ref_key", name="uq_pending_citation"),
        *(Index(f"ix_pending_citation_{c}", c, sqlite_where=text(f"{c} IS NOT NULL"), postgresql_where=text(f"{c} IS NOT NULL"))
          for c in ("doi", "arxiv_id", "openalex_id", "s2_id", "mag_id")),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Found by uq_pending_citation, which leads with it: no index of its own.
    citing_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), nullable=False))
    ref_key: str = Field(max_length=400, description="The reference's strongest identifier, scheme:value (one row per cited work).")
    doi: str | None = Field(default=None, max_length=400, description="Normalised DOI of the cited work.")
    arxiv_id: str | None = Field(default=None, max_length=100, description="arXiv id without version.")
    openalex_id: str | None = Field(default=None, max_length=40, description="OpenAlex work id, lower case (w123...).")
    s2_id: str | None = Field(default=None, max_length=40, description="Semantic Scholar corpus id.")
    mag_id: str | None = Field(default=None, max_length=40, description="Microsoft Academic Graph id.")
    title: str | None = Field(default=None, description="Title as the citing source gave it, if any.")
    year: int | None = Field(default=None, description="Year as the citing source gave it, if any.")
    intents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False), description="Semantic Scholar citation intents.")
    influential: bool | None = Field(default=None, description="Semantic Scholar's influential-citation flag.")
    provenance: str = Field(description="Where the reference came from: FORMAT:FILE#KEY.")


TABLES = (Node.__table__, Paper.__table__, Alias.__table__, Edge.__table__, Measurement.__table__, StatusRecord.__table__)


class LinkVerdict(SQLModel, table=True):
    """A person's verdict on a link the linker makes (graph/linking.py): a
    rejected pair is never linked again, a confirmed one is kept at full
    confidence, whatever the lexicon says later."""

    __tablename__ = "link_verdict"
    __table_args__ = (CheckConstraint("verdict IN ('rejected', 'confirmed')", name="ck_link_verdict"),)

    paper_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), primary_key=True))
    technique_id: str = Field(sa_column=Column(String(400), ForeignKey("node.id", ondelete="CASCADE"), primary_key=True))
    verdict: str = Field(max_length=10, description="rejected or confirmed.")
    provenance: str = Field(description="Who gave the verdict: user:NAME.")
    note: str = ""


TABLES = TABLES + (LinkVerdict.__table__,)


class Meta(SQLModel, table=True):
    """Key/value facts about the store itself. `revision` counts committed
    writes to the graph, so in-memory caches can tell when they are stale."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=100)
    value: str


class IngestedFile(SQLModel, table=True):
    """A file as it was last ingested whole, so that the same bytes ingested
    again under the same settings are recognised and skipped
    (ingest/unchanged.py)."""

    __tablename__ = "ingested_file"

    name: str = Field(primary_key=True, max_length=400, description="The file's provenance label, FORMAT:NAME.")
    sha256: str = Field(max_length=64, description="SHA-256 of the file's bytes.")
    settings: str = Field(description="What else decides the result: version, schema, format, flags and limits.")
    papers: bytes = Field(sa_column=Column(LargeBinary, nullable=False), description="The ids of the papers it placed (zlib, one per line).")
    ingested_at: str = Field(max_length=40, description="When, in UTC (ISO 8601).")


TABLES = TABLES + (Meta.__table__, PendingCitation.__table__)
