"""Export and SPARQL timings on a real database (e.g. the ACL corpus), and
rdflib's SPARQL engine against pyoxigraph's, side by side in one run.

    aiprogress init --db /tmp/acl.db
    aiprogress ingest ../shared/corpora/acl-anthology-2019/*.bib --db /tmp/acl.db
    python tests/benchmarks/bench_interop.py /tmp/acl.db

pyoxigraph is optional (pip install pyoxigraph); without it only rdflib is timed.
"""

from __future__ import annotations

import io
import sys
import time

from aiprogress.graph import db, export, rdf, sparql

QUERIES = {
    "count papers": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a aip:Paper }",
    "papers of 2018 by title": "SELECT ?p ?t WHERE { ?p a aip:Paper ; aip:year 2018 ; rdfs:label ?t } ORDER BY ?t LIMIT 50",
    "author search": "SELECT ?p WHERE { ?p dcterms:creator ?a FILTER(CONTAINS(?a, 'Manning')) }",
    "origins of the Transformer": "SELECT ?o WHERE { ?o (aip:enables|^aip:inspired-by)+ <urn:aiprogress:node:technique:transformer> }",
}
PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in {**rdf.PREFIXES, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}.items())


def clock(fn, repeat: int = 1):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(path: str) -> None:
    engine = db.open_engine(path)
    with db.session_scope(engine) as s:
        seconds, graph = clock(lambda: rdf.to_rdf(s))
        print(f"store -> rdflib graph: {seconds:.2f} s, {len(graph)} triples")
        for name in export.FORMATS:
            seconds, data = clock(lambda: export.export_bytes(s, name))
            print(f"export {name:10s} {seconds:7.2f} s {len(data) / 1e6:8.1f} MB")
        sparql.current_graph(s)
        nt = graph.serialize(format="nt", encoding="utf-8")
    try:
        import pyoxigraph
    except ImportError:
        pyoxigraph = None
    store = None
    if pyoxigraph is not None:
        seconds, store = clock(lambda: _oxigraph_store(pyoxigraph, nt))
        print(f"pyoxigraph load of the same triples: {seconds:.2f} s")
    print(f"{'query':30s} {'rdflib s':>9s} {'oxigraph s':>11s} {'ratio':>7s} rows")
    for name, text in QUERIES.items():
        with db.session_scope(engine) as s:
            r_seconds, result = clock(lambda: sparql.query(s, text), repeat=2)
        rows = len(result.rows)
        if store is not None:
            o_seconds, o_rows = clock(lambda: len(list(store.query(PREFIXES + text))), repeat=2)
            print(f"{name:30s} {r_seconds:9.3f} {o_seconds:11.4f} {r_seconds / o_seconds:7.0f}x {rows}/{o_rows}")
        else:
            print(f"{name:30s} {r_seconds:9.3f} {'-':>11s} {'-':>7s} {rows}")
    engine.dispose()


def _oxigraph_store(pyoxigraph, nt: bytes):
    store = pyoxigraph.Store()
    store.bulk_load(io.BytesIO(nt), pyoxigraph.RdfFormat.N_TRIPLES)
    return store


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "aiprogress.db")
