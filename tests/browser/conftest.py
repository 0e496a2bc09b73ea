"""A real headless Chromium (Debian's, at /usr/bin/chromium) driven by
Playwright against a real server on a loopback port.

Outside CI a missing chromium or playwright skips these tests; under CI=true
they fail (see tests/conftest.py: skip_or_fail). No browser is ever
downloaded: Playwright is pointed at the system executable.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from aiprogress.graph import db as database
from aiprogress.graph import service

from conftest import REPO, skip_or_fail  # tests/ is on sys.path (tests/conftest.py)

CHROMIUM = os.environ.get("AIPROGRESS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving create_app in a thread, stopped at the end."""

    def __init__(self, db_path: Path, **settings):
        import uvicorn

        from aiprogress.api.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(create_app({"database_url": str(db_path), **settings}), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def chromium_browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        skip_or_fail(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def history_with_hostile_paper(builtin_db_file, tmp_path_factory) -> Path:
    """The built-in history plus one paper whose title, author, venue and
    edge note are markup, linked into the Transformer's origins."""
    path = tmp_path_factory.mktemp("page") / "page.db"
    shutil.copy(builtin_db_file, path)
    engine = database.open_engine(str(path))
    with database.session_scope(engine) as session:
        service.upsert_paper(
            session, "paper:hostile2020", title=HOSTILE, year=2020, provenance="test",
            authors=["</script><b id=pwned>Mallory</b>"], venue="<style>body{display:none}</style>", url="javascript:alert(3)",
        )
        service.link(session, "paper:hostile2020", "introduces", "technique:transformer", provenance="test:<i>prov</i>", note="<script>alert(2)</script>")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def page_server(history_with_hostile_paper):
    with Server(history_with_hostile_paper) as server:
        yield server


# The page's limit for the large store: the built-in history alone is larger.
SMALL_CAP = 150
CORPUS_PAPERS = 700
# A corpus paper no filter draws: it has no edge, so the cap leaves it out.
HIDDEN_PAPER = "paper:P03-1001"
HIDDEN_TITLE = "Zyzzyva morphology for unseen treebanks"


@pytest.fixture(scope="session")
def corpus_store(builtin_db_file, tmp_path_factory) -> Path:
    """The built-in history plus a linked corpus of ACL-like papers, far more
    nodes than the page's limit (SMALL_CAP): each paper mentions one or two
    techniques (the linker's links) and cites earlier corpus papers; one
    paper (HIDDEN_PAPER) has no edge at all."""
    import random

    from sqlalchemy import insert

    from aiprogress.graph.models import Edge, Node, Paper

    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    shutil.copy(builtin_db_file, path)
    engine = database.open_engine(str(path))
    rng = random.Random(7)
    used = ["technique:lstm", "technique:attention", "technique:transformer", "technique:dropout", "technique:cnn", "technique:adam"]
    nodes, papers, edges = [], [], []
    ids = [f"paper:P{i:05d}" for i in range(CORPUS_PAPERS)]
    for i, node_id in enumerate(ids):
        year = 2000 + i * 21 // CORPUS_PAPERS
        nodes.append({"id": node_id, "kind": "paper", "name": f"Corpus study {i} of parsing and tagging", "year": year, "provenance": "bibtex:acl.bib"})
        papers.append({"node_id": node_id, "authors": [f"Author {i}"], "citation_key": node_id[6:], "title_key": f"corpus study {i}", "year": year,
                       "extra": {}, "field_sources": {}, "entry_type": "inproceedings"})
        for technique in rng.sample(used[: 2 + year % 4], 1 + i % 2):
            edges.append({"source_id": node_id, "relation": "mentions", "target_id": technique, "provenance": "linker", "note": "", "inferred": True})
        for j in {rng.randrange(i) for _ in range(2)} if i else ():
            edges.append({"source_id": node_id, "relation": "cites", "target_id": ids[j], "provenance": "bibtex:acl.bib", "note": "", "inferred": False})
    nodes.append({"id": HIDDEN_PAPER, "kind": "paper", "name": HIDDEN_TITLE, "year": 2003, "provenance": "bibtex:acl.bib"})
    papers.append({"node_id": HIDDEN_PAPER, "authors": ["Hidden Author"], "citation_key": "P03-1001", "title_key": "zyzzyva", "year": 2003,
                   "extra": {}, "field_sources": {}, "entry_type": "inproceedings"})
    with database.session_scope(engine) as session:
        for table, rows in ((Node.__table__, nodes), (Paper.__table__, papers), (Edge.__table__, edges)):
            session.execute(insert(table), rows)
        service.mark_changed(session)  # the store's revision moves on commit, as for every write
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def corpus_server(corpus_store):
    with Server(corpus_store, page_limit=SMALL_CAP) as server:
        yield server


class Visit:
    """One browser page with its console errors, page errors, dialogs and
    every request it made recorded."""

    def __init__(self, browser, viewport=(1500, 950), init_script: str | None = None):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True)
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)

    def wait_until(self, expression: str, timeout: float = 30_000) -> None:
        """Poll `expression` until it is truthy. Playwright's wait_for_function
        compiles its predicate with eval in the page, which the page's
        Content-Security-Policy forbids; evaluate goes through the DevTools
        protocol, which it does not."""
        deadline = time.monotonic() + timeout / 1000
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout / 1000:g} s: {expression}")
            time.sleep(0.05)

    def open(self, url: str, timeout: float = 30_000) -> None:
        self.page.goto(url)
        self.wait_until("document.documentElement.getAttribute('data-ready')", timeout=timeout)
        assert self.page.evaluate("document.documentElement.getAttribute('data-ready')") == "1", self.page.text_content("#notice")

    def visible_ids(self) -> set[str]:
        return set(self.page.evaluate("aiprogress.visibleIds()"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(chromium_browser):
    v = Visit(chromium_browser)
    yield v
    v.close()


@pytest.fixture
def another_visit(chromium_browser):
    """A second, independent browser page (its own cookies and storage)."""
    v = Visit(chromium_browser)
    yield v
    v.close()
