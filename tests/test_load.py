"""A real `aiprogress serve` under mixed load, on each backend: 16 clients
at once reading (origins, search, nodes) and writing (createNode, then link
from the node just created). Reads never fail while writes commit, and a
write acknowledged to a client is visible to that client's next request.

Bounded: a fixed number of requests per client, loopback only."""

from __future__ import annotations

import signal
import subprocess
import threading

import httpx
import pytest
from test_serve import start_serve

TOKEN = "load-test-token"
CLIENTS = 16
ROUNDS = 6  # each round: createNode, link (its very next request), origins, search, nodes

ORIGINS = '{ origins(id: "technique:transformer", limit: 5) { count reached { node { id } } } }'
SEARCH = '{ search(text: "attention", first: 5) { totalCount hits { node { id } } } }'
NODES = "{ nodes(first: 20) { totalCount nodes { id name } } }"
CREATE = "mutation($input: NodeInput!) { createNode(input: $input) { id } }"
LINK = "mutation($input: LinkInput!) { link(input: $input) { relation } }"


@pytest.fixture
def served(database_url, tmp_path):
    """`aiprogress serve` over the database of `database_url`, with writes allowed."""
    process, url = start_serve(database_url, tmp_path, TOKEN, wait_seconds=90)
    yield url
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_sixteen_clients_mixing_reads_and_writes_see_no_error_and_keep_every_write(served):
    url = served
    errors: list[str] = []
    acknowledged: list[tuple[str, str]] = []  # (node id, what it was linked to)
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"}) as http:

            def ask(query: str, variables: dict | None = None) -> dict | None:
                response = http.post("/graphql", json={"query": query, "variables": variables or {}})
                body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
                if response.status_code != 200 or body is None or body.get("errors"):
                    with lock:
                        errors.append(f"client {number}: {response.status_code} {response.text[:300]}")
                    return None
                return body["data"]

            start.wait()
            for round_ in range(ROUNDS):
                node_id = f"technique:load-{number}-{round_}"
                created = ask(CREATE, {"input": {"id": node_id, "name": f"Load {number} {round_}", "category": "method", "provenance": "load-test"}})
                if created is not None:
                    # The very next request of this client relies on the acknowledged write.
                    linked = ask(LINK, {"input": {"sourceId": node_id, "relation": "enables", "targetId": "technique:transformer", "provenance": "load-test"}})
                    if linked is not None:
                        with lock:
                            acknowledged.append((node_id, "technique:transformer"))
                ask(ORIGINS)
                ask(SEARCH)
                ask(NODES)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a client did not finish"
    assert errors == []
    assert len(acknowledged) == CLIENTS * ROUNDS

    # Every acknowledged write is there, and the lineage walk sees each new edge.
    answer = httpx.post(
        f"{url}/graphql", json={"query": '{ impact(id: "technique:load-0-0") { count } origins(id: "technique:transformer", depth: 1, limit: 500) { reached { node { id } } } }'}, timeout=60
    ).json()
    assert "errors" not in answer, answer
    reached = {r["node"]["id"] for r in answer["data"]["origins"]["reached"]}
    missing = [node_id for node_id, _ in acknowledged if node_id not in reached]
    assert missing == []
