"""SPARQL and exports: pyoxigraph against rdflib's in-memory store, in one run.

    python tests/benchmarks/bench_interop.py [--db PATH | --corpus DIR_OR_FILE] [--samples 3]

The store: --db, or a temporary one made by `aiprogress ingest` of --corpus
(by default ../shared/corpora/acl-anthology-2019 when present, else the
sample of it in tests/corpora). With tests/benchmarks/timing.py
(interleaved rounds; medians of wall and CPU seconds; load average):

1. Loading the graph into each SPARQL engine: rdflib (the anchor: what
   `aiprogress sparql` and /sparql used before; its load is rdf.to_rdf, which
   turns pyoxigraph's terms into rdflib's) and pyoxigraph
   (graph/sparql.py's store, as they use it now).
2. Each query, the same text: on rdflib's graph (the anchor), on the
   pyoxigraph store in this process, and through graph/sparql.py (what the
   CLI and /sparql run: the query executes in a worker process, whose CPU
   seconds count here only once it has ended, so compare its wall time).
   The row counts are printed side by side (they must agree).
3. Every export format (graph/export.py), timed alone: there is no second
   implementation to interleave with.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rdflib.plugins.sparql import prepareQuery

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import stores  # noqa: E402
import timing  # noqa: E402

from aiprogress.graph import db, export, rdf, sparql  # noqa: E402

QUERIES = {
    "count papers": "SELECT (COUNT(?p) AS ?n) WHERE { ?p a aip:Paper }",
    "papers of 2018 by title": "SELECT ?p ?t WHERE { ?p a aip:Paper ; aip:year 2018 ; rdfs:label ?t } ORDER BY ?t LIMIT 50",
    "author search": "SELECT ?p WHERE { ?p dcterms:creator ?a FILTER(CONTAINS(?a, 'Manning')) }",
    "origins of the Transformer": "SELECT ?o WHERE { ?o (aip:enables|^aip:inspired-by)+ <urn:aiprogress:node:technique:transformer> }",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (SQLite file)")
    parser.add_argument("--corpus", type=Path, default=None, help="BibTeX file or folder to ingest into a temporary store")
    parser.add_argument("--samples", type=int, default=3, help="interleaved rounds of each load and query")
    args = parser.parse_args()
    print(timing.machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        path = stores.store_path(args.db, args.corpus, tmp, "interop.db")
        engine = db.open_engine(path)
        with db.session_scope(engine) as session:
            loaded: dict[str, object] = {}

            samples = timing.interleave({
                "rdflib": lambda: loaded.__setitem__("rdflib", rdf.to_rdf(session)),
                "pyoxigraph": lambda: loaded.__setitem__("oxigraph", sparql.current_store(session)),
            }, args.samples)
            graph, store = loaded["rdflib"], loaded["oxigraph"]
            print(f"load the store into the engine ({len(graph)} / {len(store)} triples), {args.samples} rounds:")
            timing.report(samples, anchor="rdflib")
            for name, text in QUERIES.items():
                prepared = prepareQuery(text, initNs=sparql.PREFIXES)
                rows: dict[str, int] = {}
                contenders = {
                    "rdflib": lambda: rows.__setitem__("rdflib", len(list(graph.query(prepared)))),
                    "pyoxigraph": lambda: rows.__setitem__("pyoxigraph", len(list(store.query(text, prefixes=sparql.PREFIXES)))),
                    "graph/sparql.py": lambda: rows.__setitem__("graph/sparql.py", len(sparql.query(session, text).rows)),
                }
                samples = timing.interleave(contenders, args.samples)
                print(f"{name} (rows {' / '.join(str(n) for n in rows.values())}):")
                timing.report(samples, anchor="rdflib", unit="ms", scale=1000)
            print("exports (one round each):")
            for name in export.FORMATS:
                sample, data = timing.timed(lambda: export.export_bytes(session, name))
                print(f"  {name:<10} {sample.wall:7.2f} s wall {sample.cpu:7.2f} s CPU  load {sample.load:.1f}  {len(data) / 1e6:8.2f} MB")
        engine.dispose()


if __name__ == "__main__":
    main()
