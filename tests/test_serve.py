"""A real `aiprogress serve` process on a free loopback port: it loads the
built-in history into an empty database, answers queries, takes writes only
with its token, and stops."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

TOKEN = "serve-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aiprogress_command() -> list[str]:
    exe = shutil.which("aiprogress")
    return [exe] if exe else [sys.executable, "-m", "aiprogress.api"]


def start_serve(db: str, cwd, token: str, *, wait_seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """A real `aiprogress serve` of `db` on a free loopback port, once it answers /healthz."""
    port = free_port()
    env = {**os.environ, "AIPROGRESS_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    env.pop("AIPROGRESS_DATABASE_URL", None)
    process = subprocess.Popen(
        [*aiprogress_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"aiprogress serve exited early:\n{process.stdout.read()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"aiprogress serve did not answer within {wait_seconds:.0f} s")
        time.sleep(0.2)


@pytest.fixture
def server(tmp_path):
    process, url = start_serve(str(tmp_path / "served.db"), tmp_path, TOKEN)
    yield process, url
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gql(url: str, query: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{url}/graphql", json={"query": query}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_serve_loads_history_answers_and_guards_writes(server):
    process, url = server
    stats = gql(url, "{ stats { totalNodes totalEdges } }")["data"]["stats"]
    assert stats["totalNodes"] > 100 and stats["totalEdges"] > 100  # the built-in history, loaded on start
    origins = gql(url, '{ origins(id: "transformer", limit: 5) { count reached { node { id } } } }')["data"]["origins"]
    assert origins["count"] > 5

    create = 'mutation { createNode(input: {id: "field:ornithology", name: "Ornithology"}) { id } }'
    refused = gql(url, create)
    assert refused["errors"][0]["extensions"]["code"] == "permission-denied"
    assert gql(url, create, token="wrong")["errors"][0]["extensions"]["code"] == "permission-denied"
    assert gql(url, '{ node(id: "field:ornithology") { id } }')["errors"][0]["extensions"]["code"] == "not-found"
    assert gql(url, create, token=TOKEN) == {"data": {"createNode": {"id": "field:ornithology"}}}
    assert gql(url, '{ node(id: "field:ornithology") { name } }')["data"]["node"]["name"] == "Ornithology"

    page = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "/static/graphiql/graphiql.min.js" in page.text

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    output = process.stdout.read()
    assert f"Serving on {url}/" in output and "nodes from" in output
