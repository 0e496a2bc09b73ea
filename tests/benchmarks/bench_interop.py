"""Export and SPARQL timings on a real database (e.g. the ACL corpus), with
the two SPARQL engines side by side in one run: pyoxigraph (what
`aiprogress sparql` and /sparql use, timed through graph/sparql.py) and
rdflib's in-memory store (what they used before, timed on an rdflib Graph of
the same triples; its load includes turning pyoxigraph's terms into
rdflib's, as rdf.to_rdf does).

    aiprogress ingest ../shared/corpora/acl-anthology-2019 --db /tmp/acl.db
    python tests/benchmarks/bench_interop.py /tmp/acl.db
"""

from __future__ import annotations

import os
import sys

from rdflib.plugins.sparql import prepareQuery

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import clock  # noqa: E402

from aiprogress.graph import db, export, rdf, sparql

QUERIES = {
    "count papers": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a aip:Paper }",
    "papers of 2018 by title": "SELECT ?p ?t WHERE { ?p a aip:Paper ; aip:year 2018 ; rdfs:label ?t } ORDER BY ?t LIMIT 50",
    "author search": "SELECT ?p WHERE { ?p dcterms:creator ?a FILTER(CONTAINS(?a, 'Manning')) }",
    "origins of the Transformer": "SELECT ?o WHERE { ?o (aip:enables|^aip:inspired-by)+ <urn:aiprogress:node:technique:transformer> }",
}


def main(path: str) -> None:
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores, shared)")
    engine = db.open_engine(path)
    with db.session_scope(engine) as s:
        for name in export.FORMATS:
            seconds, data = clock(lambda: export.export_bytes(s, name))
            print(f"export {name:10s} {seconds:7.2f} s {len(data) / 1e6:8.1f} MB")
        r_load, graph = clock(lambda: rdf.to_rdf(s))
        o_load, store = clock(lambda: sparql.current_store(s))
    print(f"{'load (store -> engine)':30s} {'rdflib s':>9s} {'oxigraph s':>11s} {'ratio':>7s} triples")
    print(f"{'':30s} {r_load:9.2f} {o_load:11.2f} {r_load / o_load:6.1f}x {len(graph)}/{len(store)}")
    print(f"{'query':30s} {'rdflib s':>9s} {'oxigraph s':>11s} {'ratio':>7s} rows")
    for name, text in QUERIES.items():
        prepared = prepareQuery(text, initNs=sparql.PREFIXES)
        r_seconds, r_rows = clock(lambda: len(list(graph.query(prepared))), repeat=2)
        with db.session_scope(engine) as s:
            o_seconds, result = clock(lambda: sparql.query(s, text), repeat=2)
        print(f"{name:30s} {r_seconds:9.3f} {o_seconds:11.4f} {r_seconds / o_seconds:6.1f}x {r_rows}/{len(result.rows)}")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "aiprogress.db")
