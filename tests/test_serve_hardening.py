"""`aiprogress serve` and the CLI fail in one line and stop when asked:
a bad or busy port is one `error:` line printed before any URL, SIGTERM stops
the server within seconds even while a SPARQL query runs, a missing driver
says what to install, and a read command creates no database file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
from test_serve import aiprogress_command, free_port


def run_serve(tmp_path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AIPROGRESS_DATABASE_URL", None)
    return subprocess.run(
        [*aiprogress_command(), "serve", "--host", "127.0.0.1", "--db", str(tmp_path / "served.db"), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=timeout,
    )


def test_a_port_out_of_range_is_one_error_line_and_no_url(tmp_path):
    result = run_serve(tmp_path, "--port", "99999")
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == ["error: port 99999 is not between 1 and 65535 (--port)"]


def test_a_busy_port_is_one_error_line_and_no_url(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_serve(tmp_path, "--port", str(port))
    assert result.returncode != 0
    assert "Serving on" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: port") and "already in use" in lines[0], result.stderr


def test_sigterm_stops_serve_within_seconds_while_a_sparql_query_runs(builtin_db, tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "AIPROGRESS_SPARQL_TIMEOUT": "600"}
    env.pop("AIPROGRESS_DATABASE_URL", None)
    process = subprocess.Popen(
        [*aiprogress_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(builtin_db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() - started < 60, "serve did not answer"
            time.sleep(0.1)
        endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

        def ask() -> None:
            try:
                httpx.get(f"{url}/sparql", params={"query": endless}, timeout=60)
            except httpx.HTTPError:
                pass

        client = threading.Thread(target=ask, daemon=True)
        client.start()
        time.sleep(3)  # the query is running in its child process
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert time.monotonic() - asked < 10
        # No process is left computing the query.
        children = subprocess.run(["pgrep", "-f", "aiprogress.graph.sparql_worker"], capture_output=True, text=True).stdout.split()
        assert not [pid for pid in children if _parent_of(pid) == process.pid]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def test_a_read_command_on_a_missing_database_creates_no_file(cli, tmp_path):
    missing = tmp_path / "missing.db"
    code, _, err = cli("stats", "--db", str(missing))
    assert code != 0 and "no aiprogress database" in err
    assert not missing.exists()


def test_a_postgresql_url_without_the_driver_says_what_to_install(tmp_path):
    # A fresh interpreter in which psycopg cannot be imported, as when the extra is not installed.
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.argv = ['aiprogress', 'stats', '--db', 'postgresql://u@127.0.0.1:1/x'];"
        "from aiprogress.api.cli import main; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["error: the PostgreSQL driver (psycopg) is not installed: pip install 'aiprogress[postgres]'"]
