"""`aiprogress serve` answers before its store is ready: it listens, says on
/healthz what it is preparing, holds other requests until the application
exists, then answers them; a store it cannot use is still one error line
and a non-zero exit."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time

import httpx
from test_serve import aiprogress_command, free_port


def launch(db, cwd) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AIPROGRESS_DATABASE_URL", None)
    process = subprocess.Popen(
        [*aiprogress_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def health(url: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = httpx.get(f"{url}/healthz", timeout=5)
            assert response.status_code == 200
            return response.json()
        except httpx.TransportError:
            assert time.monotonic() < deadline, "serve did not answer /healthz"
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def test_serve_listens_while_its_store_is_prepared_and_queries_wait_for_it(tmp_path):
    # Another writer holds the new store's write lock: serve cannot create
    # the schema nor load the history until it lets go, and must answer anyway.
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    process, url = launch(db, tmp_path)
    try:
        first = health(url)
        assert first["status"] == "preparing" and first["preparing"], first
        answers: list[httpx.Response] = []
        asking = threading.Thread(target=lambda: answers.append(
            httpx.post(f"{url}/graphql", json={"query": "{ stats { totalNodes } }"}, timeout=120)))
        asking.start()
        asking.join(1.5)
        assert asking.is_alive() and not answers  # held, not refused, while the store is not ready
        assert health(url)["status"] == "preparing"
        holder.execute("ROLLBACK")
        asking.join(120)
        assert answers and answers[0].status_code == 200, answers
        assert answers[0].json()["data"]["stats"]["totalNodes"] > 100  # the history, loaded once the lock was free
        assert health(url) == {"status": "ok"}
    finally:
        holder.close()
        out, err = stop(process)
    assert out.index("Serving on") < out.index("nodes from"), out  # the address first, the store's size when known


def test_a_store_serve_cannot_use_is_one_error_line_and_an_exit_code(tmp_path):
    db = tmp_path / "newer.db"
    with sqlite3.connect(db) as made_later:
        made_later.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        made_later.execute("INSERT INTO alembic_version VALUES ('9999')")
    process, _url = launch(db, tmp_path)
    try:
        process.wait(timeout=60)
    finally:
        out, err = stop(process)
    assert process.returncode not in (0, None)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "newer than this aiprogress" in lines[0], err
