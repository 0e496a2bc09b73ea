"""Read-only SPARQL 1.1 over the current graph.

The store is turned into RDF (graph/rdf.py) and queried with rdflib's SPARQL
engine. The RDF graph is cached per engine and rebuilt when the store's
revision (bumped by the service layer on every committed write) has moved,
so a write is visible to the next query. Updates (INSERT, DELETE, LOAD ...)
are refused: the store is written through the service layer only.

Engine choice, by the numbers (tests/benchmarks/bench_interop.py on the ACL
corpus, 20,159 nodes, 593,265 triples): building the rdflib graph takes
about 25 s, pyoxigraph's bulk load of the same triples about 5 s, and
pyoxigraph answers the benchmark queries 6 to 44 times faster. rdflib is the
engine today (a dependency already); moving this module to pyoxigraph, with
the store built straight from the rows, is the next step for large graphs.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import rdf, service
from .errors import InvalidInput

RESULTS_JSON = "application/sparql-results+json"
MAX_QUERY_CHARS = 20_000

_cache: weakref.WeakKeyDictionary[Engine, tuple[int, Graph]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current_graph(session: Session) -> Graph:
    """The store as RDF, current as of this transaction (cached per revision)."""
    engine = session.get_bind()
    revision = service.current_revision(session)
    with _lock:
        cached = _cache.get(engine)
    if cached is not None and cached[0] == revision:
        return cached[1]
    graph = rdf.to_rdf(session)
    with _lock:
        _cache[engine] = (revision, graph)
    return graph


def parse(text: str):
    """A prepared query, or InvalidInput: updates are refused, syntax errors named."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("empty SPARQL query")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"SPARQL query longer than {MAX_QUERY_CHARS} characters")
    try:
        return prepareQuery(text, initNs=rdf.PREFIXES)
    except Exception as exc:  # pyparsing's ParseException and rdflib's own errors
        try:
            parseUpdate(text)
        except Exception:
            raise InvalidInput(f"not a valid SPARQL query: {exc}") from None
        raise InvalidInput("SPARQL updates are refused: the graph is read-only here (write through the service layer)") from None


@dataclass
class SparqlResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: list[str]
    rows: list[dict[str, Any]]  # SELECT: variable -> plain value (absent when unbound)
    boolean: bool | None
    graph: Graph | None  # CONSTRUCT / DESCRIBE
    _raw: Any

    def to_json(self) -> bytes:
        """SPARQL 1.1 Query Results JSON (SELECT, ASK); Turtle for graphs."""
        if self.graph is not None:
            return self.graph.serialize(format="turtle", encoding="utf-8")
        return self._raw.serialize(format="json")

    @property
    def media_type(self) -> str:
        return "text/turtle" if self.graph is not None else RESULTS_JSON


def query(session: Session, text: str) -> SparqlResult:
    """Run a read-only SPARQL query over the store (prefixes aip:, dcterms:,
    bibo:, schema:, prov:, skos:, rdf:, rdfs:, xsd: are predeclared)."""
    prepared = parse(text)
    result = current_graph(session).query(prepared)
    kind = result.type
    if kind == "SELECT":
        variables = [str(v) for v in result.vars]
        rows = [
            {name: value.toPython() if hasattr(value, "toPython") else value for name, value in row.asdict().items()}
            for row in result
        ]
        rows = [{k: (str(v) if not isinstance(v, (int, float, bool, str)) else v) for k, v in row.items()} for row in rows]
        return SparqlResult(kind, variables, rows, None, None, result)
    if kind == "ASK":
        return SparqlResult(kind, [], [], bool(result.askAnswer), None, result)
    graph = rdf.new_graph()
    for triple in result:
        graph.add(triple)
    return SparqlResult(kind, [], [], None, graph, result)
