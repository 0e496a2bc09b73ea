"""A real `aiprogress ingest` process killed mid-file leaves a consistent store,
and a re-run completes the file without duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

N = 4_000
# Killed once this many papers are committed (two batches of 250): well
# inside the file, whose later batches then only the re-run writes.
KILL_AT = 500


def write_big_bib(path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(N):
            # Every 10th entry repeats an earlier work under a new key (same DOI),
            # so merging across batch boundaries is exercised too.
            doi = f"10.5555/{i - 5 if i % 10 == 9 else i}"
            f.write(f"@article{{key{i},\n  title = {{Work number {i} on M{{\\\"u}}ller's problem}},\n"
                    f"  author = {{Author{i % 97}, A. and Other, B.}},\n  year = {1950 + i % 70},\n  doi = {{{doi}}}\n}}\n\n")


def papers(db) -> int:
    """Committed papers, read as cheaply as the writer allows: polled while
    the ingest runs, so it must not slow it down (a full integrity check
    every few milliseconds did)."""
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM paper").fetchone()[0]
    finally:
        con.close()


def counts(db) -> dict[str, int]:
    con = sqlite3.connect(db, timeout=30)
    try:
        out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("node", "paper", "alias")}
        out["integrity"] = con.execute("PRAGMA integrity_check").fetchone()[0]
        out["fk_violations"] = len(con.execute("PRAGMA foreign_key_check").fetchall())
        out["nodes_without_paper"] = con.execute("SELECT count(*) FROM node LEFT JOIN paper ON paper.node_id = node.id WHERE paper.node_id IS NULL").fetchone()[0]
        out["papers_without_key_alias"] = con.execute(
            "SELECT count(*) FROM paper WHERE NOT EXISTS (SELECT 1 FROM alias WHERE alias.node_id = paper.node_id AND alias.alias = lower(paper.citation_key))"
        ).fetchone()[0]
        return out
    finally:
        con.close()


def run_ingest(bib, db, batch_size: str = "250") -> subprocess.Popen:
    env = {**os.environ, "AIPROGRESS_INGEST_BATCH_SIZE": batch_size, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "aiprogress.api", "ingest", str(bib), "--db", str(db)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_mid_ingest_then_rerun_completes_without_duplicates(tmp_path):
    bib, db = tmp_path / "big.bib", tmp_path / "g.db"
    write_big_bib(bib)
    proc = run_ingest(bib, db)
    deadline = time.time() + 120
    killed_at = None
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                n = papers(db)
            except sqlite3.OperationalError:
                n = 0  # schema not created yet
            if n >= KILL_AT:
                proc.send_signal(signal.SIGKILL)
                killed_at = n
                break
        time.sleep(0.02)
    proc.wait(timeout=30)
    assert killed_at is not None, f"the ingest finished before it could be killed: {proc.stderr.read().decode()[-2000:]}"
    assert proc.returncode == -signal.SIGKILL

    after_kill = counts(db)
    assert after_kill["integrity"] == "ok" and after_kill["fk_violations"] == 0
    assert after_kill["nodes_without_paper"] == 0 and after_kill["papers_without_key_alias"] == 0
    assert 0 < after_kill["paper"] < N

    rerun = run_ingest(bib, db)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]
    final = counts(db)
    unique_works = N - N // 10
    assert final["paper"] == final["node"] == unique_works
    assert final["alias"] == N  # every key, once
    assert final["integrity"] == "ok" and final["fk_violations"] == 0 and final["nodes_without_paper"] == 0

    again = run_ingest(bib, db)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0
    assert counts(db)["paper"] == unique_works
