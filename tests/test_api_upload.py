"""POST /ingest/bibtex as multipart/form-data (browsers, `curl -F file=@refs.bib`)
and as a raw body: both write the papers, both are held to the upload size
limit, and both answer errors in the one JSON error shape."""

from __future__ import annotations

from api_support import TOKEN, api, make_api  # noqa: F401  (api is a fixture)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
FIRST = "@article{zebra2031, title={Zebrafinch Song as Sequence Modelling}, author={Doe, Jane}, year={2031}, cites={vaswani2017attention}}\n"
SECOND = "@inproceedings{heron2032, title={Herons Fishing with Gradient Descent}, author={Roe, Rick}, year={2032}}\n"


def _year(api, node_id: str) -> int | None:
    node = api.gql(f'{{ node(id: "{node_id}") {{ year }} }}')["data"]["node"]
    return node and node["year"]


def test_multipart_files_are_ingested_each_with_its_report(api):
    files = [("file", ("refs/first.bib", FIRST.encode(), "application/x-bibtex")), ("file", ("second.bib", SECOND.encode(), "text/plain"))]
    response = api.client.post("/ingest/bibtex", files=files, data={"note": "a form field that is not a file"}, headers=AUTH)
    assert response.status_code == 200, response.text
    reports = response.json()["reports"]
    # In the order sent, each named by its file name (without the client's folders).
    assert [r["source"] for r in reports] == ["first.bib", "second.bib"]
    assert [r["new"] for r in reports] == [1, 1] and reports[0]["edges_added"] >= 1
    assert _year(api, "zebra2031") == 2031 and _year(api, "heron2032") == 2032


def test_the_raw_body_still_works_and_answers_one_report(api):
    response = api.client.post("/ingest/bibtex?source=mine.bib", content=SECOND.encode(), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "mine.bib" and response.json()["new"] == 1
    assert _year(api, "heron2032") == 2032


def test_a_form_without_a_file_is_refused_clearly(api):
    body = f'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\n{FIRST}\r\n--xyz--\r\n'.encode()
    response = api.client.post("/ingest/bibtex", content=body, headers={**AUTH, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message", "status"} and error["code"] == "invalid-input"
    assert "no file" in error["message"] and "-F file=@" in error["message"]


def test_a_malformed_form_is_refused_in_the_error_shape(api):
    response = api.client.post("/ingest/bibtex", content=b"not a form at all", headers={**AUTH, "Content-Type": "multipart/form-data"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid-input" and "multipart form" in error["message"]


def test_a_file_that_is_not_utf8_is_named(api):
    files = [("file", ("good.bib", FIRST.encode())), ("file", ("latin.bib", "@misc{x, title={caf\xe9}}".encode("latin-1")))]
    response = api.client.post("/ingest/bibtex", files=files, headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert "not UTF-8" in error["message"] and error["where"] == "latin.bib"
    assert _year(api, "zebra2031") is None  # nothing of the upload was written


def test_strict_writes_no_file_when_any_has_a_problem(api):
    files = [("file", ("good.bib", FIRST.encode())), ("file", ("broken.bib", b"@misc{broken,\n"))]
    response = api.client.post("/ingest/bibtex?strict=true", files=files, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["where"] == "broken.bib:1"
    assert _year(api, "zebra2031") is None


def test_multipart_needs_the_token(api):
    response = api.client.post("/ingest/bibtex", files=[("file", ("first.bib", FIRST.encode()))])
    assert response.status_code == 401 and response.json()["error"]["code"] == "permission-denied"
    assert _year(api, "zebra2031") is None


def test_the_size_limit_applies_to_multipart_and_raw_bodies(builtin_db):
    api = make_api(builtin_db, token=TOKEN, max_upload_bytes=2_000)
    big = FIRST.encode() + b"% padding\n" * 300  # 3 kB, over the limit
    expected = {"error": {"code": "limit-exceeded", "message": "the request body is larger than this server's limit of 2000 bytes (setting max_upload_bytes)", "status": 413}}

    multipart = api.client.post("/ingest/bibtex", files=[("file", ("big.bib", big))], headers=AUTH)
    assert multipart.status_code == 413 and multipart.json() == expected
    raw = api.client.post("/ingest/bibtex", content=big, headers=AUTH)
    assert raw.status_code == 413 and raw.json() == expected

    boundary = "limit-test-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bib"\r\nContent-Type: text/plain\r\n\r\n'.encode()

    def streamed():  # no Content-Length: the limit holds while the form is read
        yield head
        for _ in range(6):
            yield big[:500]
        yield f"\r\n--{boundary}--\r\n".encode()

    response = api.client.post("/ingest/bibtex", content=streamed(), headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413 and response.json() == expected

    # Under the limit, the same form goes through.
    small = api.client.post("/ingest/bibtex", files=[("file", ("small.bib", FIRST.encode()))], headers=AUTH)
    assert small.status_code == 200 and small.json()["reports"][0]["new"] == 1
