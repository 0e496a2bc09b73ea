"""How soon `aiprogress serve` answers, against the CLI's own start, in one run.

    python tests/benchmarks/bench_serve_start.py [--db PATH] [--samples 5]

The store: --db (e.g. a synthetic graph of tests/benchmarks/synthetic.py:
`python -c "import synthetic; synthetic.build('big.db')"` from this folder,
200,000 nodes and 1,000,000 edges), or the built-in history loaded into a
temporary file once. Each round, with tests/benchmarks/timing.py's samples
(wall seconds; CPU seconds of the finished child processes; load average):

- `aiprogress --version`: the anchor, the command's start alone (Python,
  the CLI's imports);
- serve, listening: from starting `aiprogress serve` on a free loopback port
  to its first answer on /healthz (it says "preparing" until the
  application and the store are ready);
- serve, ready: to the first /healthz that says "ok" (the store opened, the
  application built; the graph and the page's layout are still warming).

Target: listening within 1 s. Each server is stopped (SIGINT) after its
round; its CPU seconds are those of its whole run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timing  # noqa: E402

from aiprogress.graph import db as database  # noqa: E402
from aiprogress.ingest import datafiles  # noqa: E402


def command() -> list[str]:
    exe = shutil.which("aiprogress")
    return [exe] if exe else [sys.executable, "-m", "aiprogress.api"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def version() -> timing.Sample:
    cpu, started = timing.cpu_seconds(), time.perf_counter()
    subprocess.run([*command(), "--version"], check=True, stdout=subprocess.DEVNULL)
    return timing.Sample(time.perf_counter() - started, timing.cpu_seconds() - cpu, timing.load_average())


def serve_until(db: str, ready: bool) -> timing.Sample:
    port = free_port()
    cpu, started = timing.cpu_seconds(), time.perf_counter()
    process = subprocess.Popen([*command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
                if not ready or body.get("status") == "ok":
                    wall = time.perf_counter() - started
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise SystemExit("serve exited")
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return timing.Sample(wall, timing.cpu_seconds() - cpu, timing.load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="the store to serve (default: the built-in history in a temporary file)")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = os.path.join(tmp, "history.db")
            engine = database.open_engine(db)
            database.create_schema(engine)
            with database.session_scope(engine) as session:
                datafiles.load_builtin(session)
            engine.dispose()
        print(timing.machine_line())
        print(f"{'the built-in history' if args.db is None else db}; {args.samples} interleaved rounds (target: listening within 1 s)")
        samples: dict[str, list[timing.Sample]] = {"aiprogress --version": [], "serve: listening": [], "serve: ready": []}
        for _ in range(args.samples):
            samples["aiprogress --version"].append(version())
            samples["serve: listening"].append(serve_until(db, ready=False))
            samples["serve: ready"].append(serve_until(db, ready=True))
        timing.report(samples, anchor="aiprogress --version")


if __name__ == "__main__":
    main()
