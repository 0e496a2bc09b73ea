"""Read-only SPARQL 1.1 over the current graph, answered by pyoxigraph.

The store's triples (graph/rdf.py `statements`, read in the caller's
transaction) are loaded into an in-memory pyoxigraph Store in a child
process (graph/sparql_worker.py), one per engine, reloaded when the store's
revision (bumped by the service layer on every committed write) has moved,
so a write is visible to the next query. A query has a time limit (setting
sparql_timeout: the child is killed when it runs over) and a size limit
(setting sparql_max_rows), both answered with `limit-exceeded`. Updates (INSERT, DELETE, LOAD ...)
are refused: the store is written through the service layer only. So are
federated queries (SERVICE): the engine would fetch the remote endpoint, and
a public /sparql must not make requests on a caller's behalf.

Engine choice, by the numbers (tests/benchmarks/bench_interop.py on the ACL
corpus, 20,159 nodes, 593,265 triples, both engines side by side): building
rdflib's in-memory graph took about 25 s and pyoxigraph's load of the same
triples about 5 s, and pyoxigraph answered the benchmark queries 6 to 44
times faster. rdflib stays for reading RDF files (import-rdf) and for
comparing graphs in the tests.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from sqlalchemy.engine import Engine
from sqlmodel import Session

from . import rdf, service, settings, sparql_worker
from .errors import InvalidInput

RESULTS_JSON = "application/sparql-results+json"
MAX_QUERY_CHARS = 20_000
# Predeclared for every query; a query's own PREFIX lines override them.
PREFIXES = {
    **{prefix: str(namespace) for prefix, namespace in rdf.PREFIXES.items()},
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_REFUSED_UPDATE = "SPARQL updates are refused: the graph is read-only here (write through the service layer)"

_runners: weakref.WeakKeyDictionary[Engine, sparql_worker.Runner] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_EMPTY = ox.Store()  # parses queries before the real store is built or touched


def current_store(session: Session) -> ox.Store:
    """The store as an in-process pyoxigraph Store, as of this transaction
    (for benchmarks and tests; queries run in the child process)."""
    store = ox.Store()
    store.bulk_extend(rdf.statements(session, ox.Quad))
    return store


def _runner(engine: Engine) -> sparql_worker.Runner:
    with _lock:
        runner = _runners.get(engine)
        if runner is None:
            runner = _runners[engine] = sparql_worker.Runner()
            weakref.finalize(engine, runner.stop)
        return runner


def stop_worker(engine: Engine) -> None:
    """Kill the SPARQL child process of an engine, if any (a server shutting down)."""
    with _lock:
        runner = _runners.pop(engine, None)
    if runner is not None:
        runner.stop()


# --------------------------------------------------------------------------
# Checking a query
# --------------------------------------------------------------------------

_SERVICE = re.compile(r"service", re.IGNORECASE)
_QUERY_FORM = re.compile(r"\b(CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def _calls_a_service(text: str) -> bool:
    """True when the query has a SERVICE clause, or may have one and cannot be read.

    Only queries that spell "service" somewhere (after SPARQL's \\u escapes,
    which the engine decodes before parsing) are parsed a second time, by
    rdflib, to tell a clause from a word in a literal or a variable."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery

    try:
        expanded = expandUnicodeEscapes(text)
    except Exception:
        return True
    if not _SERVICE.search(expanded):
        return False
    try:
        tree = parseQuery(expanded)
    except Exception:
        return True
    return _has_service(tree)


def _has_service(tree) -> bool:
    stack = [tree]
    while stack:
        item = stack.pop()
        if getattr(item, "name", None) == "ServiceGraphPattern":
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)
    return False


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def check(text: str) -> None:
    """Raise InvalidInput unless `text` is one readable SPARQL query that
    neither updates nor calls a remote service."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("empty SPARQL query")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"SPARQL query longer than {MAX_QUERY_CHARS} characters")
    # Before anything runs it: an ASK is answered as soon as it is parsed.
    if _calls_a_service(text):
        raise InvalidInput("SPARQL SERVICE (federated queries) is refused: this endpoint queries the local graph only")
    try:
        _EMPTY.query(text, prefixes=PREFIXES)  # parsed against nothing: cheap, and the real store is not built for a bad query
    except SyntaxError as exc:
        if _is_update(text):
            raise InvalidInput(_REFUSED_UPDATE) from None
        raise InvalidInput(f"not a valid SPARQL query: {exc}") from None


# --------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------

_XSD = PREFIXES["xsd"]
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOATS = {_XSD + t for t in ("double", "float", "decimal")}


def plain_value(binding: dict[str, str]) -> Any:
    """A SPARQL JSON results binding as a plain Python value: IRIs and blank
    nodes as text, numbers and booleans as such, other literals as text."""
    value, datatype = binding["value"], binding.get("datatype")
    try:
        if datatype in _INTEGERS:
            return int(value)
        if datatype in _FLOATS:
            return float(value)
    except ValueError:
        return value  # an ill-typed literal stays as written
    if datatype == _XSD + "boolean":
        return value in ("true", "1")
    return value


@dataclass
class SparqlResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: list[str]
    rows: list[dict[str, Any]]  # SELECT: variable -> plain value (absent when unbound)
    boolean: bool | None
    triples: list[ox.Triple] | None  # CONSTRUCT / DESCRIBE, without repeats
    body: bytes  # the answer as sent: results JSON, or Turtle for triples

    def to_json(self) -> bytes:
        """SPARQL 1.1 Query Results JSON (SELECT, ASK); Turtle for triples."""
        return self.body

    @property
    def media_type(self) -> str:
        return "text/turtle" if self.triples is not None else RESULTS_JSON


def query(session: Session, text: str, *, timeout: float | None = None, max_rows: int | None = None) -> SparqlResult:
    """Run a read-only SPARQL query over the store (prefixes aip:, dcterms:,
    bibo:, schema:, prov:, skos:, rdf:, rdfs:, xsd: are predeclared), within
    `timeout` seconds and `max_rows` rows (defaults: the settings
    sparql_timeout and sparql_max_rows); LimitExceeded past either."""
    check(text)
    timeout = settings.get("sparql_timeout", timeout)
    max_rows = settings.get("sparql_max_rows", max_rows)

    def store_bytes() -> bytes:
        return ox.serialize(rdf.statements(session, ox.Quad), format=ox.RdfFormat.N_QUADS)

    answer = _runner(session.get_bind()).run(
        text, PREFIXES, revision=service.current_revision(session), store_bytes=store_bytes, timeout=timeout, max_rows=max_rows
    )
    if answer.kind == "ASK":
        return SparqlResult("ASK", [], [], answer.boolean, None, answer.body)
    if answer.kind == "SELECT":
        payload = json.loads(answer.body)
        rows = [{name: plain_value(b) for name, b in binding.items()} for binding in payload["results"]["bindings"]]
        return SparqlResult("SELECT", answer.variables, rows, None, None, answer.body)
    triples = list(ox.parse(answer.body, format=ox.RdfFormat.TURTLE))
    form = _QUERY_FORM.search(text)
    kind = form.group(1).upper() if form else "CONSTRUCT"
    return SparqlResult(kind, [], [], None, triples, answer.body)
