"""SPARQL queries answered in a child process, so that one can be stopped.

pyoxigraph evaluates a query in Rust with no way to interrupt it: a query
joining three unbound triple patterns kept a core busy for half an hour
after its client had left. Here the store lives in a child process; the
parent waits for an answer up to the time limit and kills the child when it
has none, which frees the core at once. The next query starts a new child
and loads the store into it again.

The child holds one store at one revision; the parent sends the store's
N-Quads (read in the caller's transaction) when its revision moved. One
query runs at a time per child; others wait their turn within their own
time limit. The child exits when the parent's end of its socket closes,
and on Linux is killed with its parent, so it does not outlive a server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from .errors import InvalidInput, LimitExceeded

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Answer:
    kind: str  # SELECT, ASK or GRAPH (CONSTRUCT / DESCRIBE)
    variables: list[str]
    body: bytes  # results JSON, or Turtle for a graph
    boolean: bool | None = None


# --------------------------------------------------------------------------
# The child
# --------------------------------------------------------------------------


def _term_json(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (_XSD_STRING, _LANG_STRING):
        out["datatype"] = term.datatype.value
    return out


def _too_many(max_rows: int) -> LimitExceeded:
    return LimitExceeded(f"the SPARQL answer has more than {max_rows} rows (setting sparql_max_rows): add a LIMIT or narrow the query")


def answer(store: ox.Store, text: str, prefixes: dict[str, str], max_rows: int) -> Answer:
    """Run `text` on `store`, reading at most `max_rows` rows (or triples)."""
    result = store.query(text, prefixes=prefixes)
    if isinstance(result, ox.QueryBoolean):
        return Answer("ASK", [], result.serialize(format=ox.QueryResultsFormat.JSON), bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        bindings = []
        for solution in result:
            if len(bindings) == max_rows:
                raise _too_many(max_rows)
            row = {}
            for name in variables:
                term = solution[name]
                if term is not None:
                    row[name] = _term_json(term)
            bindings.append(row)
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
        return Answer("SELECT", variables, body)
    triples: dict[Any, None] = {}
    for triple in result:
        triples[triple] = None
        if len(triples) > max_rows:
            raise _too_many(max_rows)
    return Answer("GRAPH", [], ox.serialize(list(triples), format=ox.RdfFormat.TURTLE, prefixes=prefixes))


def serve(connection: Any) -> None:
    """The child's loop: ("load", N-Quads bytes) and ("query", text, prefixes, max_rows)."""
    store = ox.Store()
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message[0] == "load":
            store = ox.Store()
            store.bulk_load(message[1], format=ox.RdfFormat.N_QUADS)
            connection.send(("loaded",))
            continue
        _, text, prefixes, max_rows = message
        try:
            result = answer(store, text, prefixes, max_rows)
            # Plain values: the child runs as __main__, so its classes would not unpickle here.
            connection.send(("ok", result.kind, result.variables, result.body, result.boolean))
        except LimitExceeded as exc:
            connection.send(("limit", str(exc)))
        except (SyntaxError, ValueError, OSError) as exc:
            connection.send(("invalid", str(exc)))


# --------------------------------------------------------------------------
# The parent
# --------------------------------------------------------------------------

def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies, even mid-query."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def _main() -> None:
    from multiprocessing.connection import Connection

    _die_with_parent(int(sys.argv[2]))
    serve(Connection(int(sys.argv[1])))


# A fresh interpreter (not fork: the server is multi-threaded, and a forked
# child would inherit locks other threads held at that moment; not
# multiprocessing's spawn, which re-runs the parent's main module).


class Runner:
    """One child process and the revision of the store it holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._connection: Any = None
        self.revision: int | None = None

    def _start(self) -> None:
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno()), str(os.getpid())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True,
        )
        theirs.close()
        self._process, self._connection, self.revision = process, Connection(ours.detach()), None

    def stop(self) -> None:
        """Kill the child (its work is lost), if there is one."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        self.revision = None
        if process is not None:
            process.kill()
            process.wait(5)
        if connection is not None:
            connection.close()

    def run(self, text: str, prefixes: dict[str, str], *, revision: int, store_bytes: Callable[[], bytes], timeout: float, max_rows: int) -> Answer:
        """The answer to `text` over the store at `revision` (`store_bytes()`
        gives its N-Quads when the child needs them), or LimitExceeded when
        it takes more than `timeout` seconds, waiting for a turn included;
        loading the store is not counted."""
        started = time.monotonic()
        if not self._lock.acquire(timeout=timeout):
            raise _timed_out(timeout)
        try:
            if self._process is None or self._process.poll() is not None:
                self.stop()
                self._start()
            if self.revision != revision:
                self._connection.send(("load", store_bytes()))
                self._connection.recv()
                self.revision = revision
                started = time.monotonic()
            self._connection.send(("query", text, prefixes, max_rows))
            if not self._connection.poll(max(0.0, timeout - (time.monotonic() - started))):
                self.stop()  # the only way to stop pyoxigraph mid-query
                raise _timed_out(timeout)
            reply = self._connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.stop()
            raise
        finally:
            self._lock.release()
        if reply[0] == "limit":
            raise LimitExceeded(reply[1])
        if reply[0] == "invalid":
            raise InvalidInput(f"the SPARQL query failed: {reply[1]}")
        return Answer(*reply[1:])


def _timed_out(timeout: float) -> LimitExceeded:
    return LimitExceeded(f"the SPARQL query ran longer than {timeout:g} s (setting sparql_timeout) and was stopped")


if __name__ == "__main__":
    _main()
