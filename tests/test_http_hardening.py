"""HTTP hardening: errors do not echo a huge input back, uploads that are
not BibTeX are refused with 415, every answer carries the browser security
headers, and large answers are gzip-compressed."""

from __future__ import annotations

from api_support import TOKEN, api  # noqa: F401  (fixture)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HUGE = "technique:" + "x" * 1_000_000


def test_an_error_about_a_huge_input_does_not_echo_it_back(api):  # noqa: F811
    body = api.client.post("/graphql", json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": HUGE}})
    assert body.status_code == 200 and len(body.content) < 10_000
    error = body.json()["errors"][0]
    assert error["extensions"]["code"] == "not-found" and "more characters not shown" in error["message"]
    response = api.client.get("/api/node/" + HUGE[:60_000])  # about as long as a URL may be
    assert response.status_code == 404 and len(response.content) < 10_000
    assert response.json()["error"]["message"].startswith("no node with id or alias 'technique:xxx")


def test_an_upload_that_is_not_bibtex_is_refused_with_415(api):  # noqa: F811
    png = b"\x89PNG\r\n\x1a\n" + b"@misc{x, title={not really}}"
    response = api.client.post("/ingest/bibtex", content=png, headers={**AUTH, "Content-Type": "image/png"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported-media-type" and "image/png" in response.json()["error"]["message"]
    for kind in ("application/x-bibtex", "text/plain; charset=utf-8", "text/x-bibtex"):
        ok = api.client.post("/ingest/bibtex", content=b"@misc{k1, title={A title}, year={2020}}", headers={**AUTH, "Content-Type": kind})
        assert ok.status_code == 200, (kind, ok.text)


def test_every_answer_carries_the_security_headers(api):  # noqa: F811
    for path, headers in (("/", {}), ("/graphql", {"Accept": "text/html"}), ("/api/view", {}), ("/no-such-page", {})):
        response = api.client.get(path, headers=headers)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, path
    graphiql = api.client.get("/graphql", headers={"Accept": "text/html"}).headers["content-security-policy"]
    assert "'sha256-" in graphiql  # its one inline script, by hash: no 'unsafe-inline' for scripts
    assert "'unsafe-inline'" not in graphiql.split("script-src", 1)[1].split(";", 1)[0]


def test_large_answers_are_gzip_compressed(api):  # noqa: F811
    response = api.client.get("/api/view", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert len(response.json()["nodes"]) > 100
