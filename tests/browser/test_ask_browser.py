"""The page's question box (api/page/ask.js) in a real headless Chromium:
it asks GraphQL `ask`, shows what was understood, the answer and the
facts behind it as text (never as markup), and focuses the graph on the
answer through the page's address; the rendered file says it needs the
server."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def asked(server, question: str) -> dict:
    query = "query($q: String!) { ask(question: $q) { text interpretation { command } focus } }"
    request = urllib.request.Request(server.url + "graphql", data=json.dumps({"query": query, "variables": {"q": question}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]["ask"]


def ask_in_page(visit, question: str) -> None:
    visit.page.fill("#ask-input", question)
    visit.page.press("#ask-input", "Enter")
    visit.wait_until("['ok', 'clarify', 'not_found', 'unknown', 'error', 'offline'].includes(document.getElementById('ask-answer').getAttribute('data-status'))"
                     " && !document.getElementById('ask-answer').textContent.includes('Asking…')")


def test_the_box_answers_and_focuses_the_lineage(visit, page_server):
    visit.open(page_server.url)
    ask_in_page(visit, "Where did the tranformer come from?")
    expected = asked(page_server, "Where did the tranformer come from?")
    panel = visit.page.text_content("#ask-answer")
    assert visit.page.get_attribute("#ask-answer", "data-status") == "ok"
    assert "Understood: aiprogress origins technique:transformer" in panel and expected["text"] in panel
    # The facts are shown as text: the hostile paper's note is read, not run.
    assert "<script>alert(2)</script>" in panel and "test:<i>prov</i>" in panel
    assert visit.page.query_selector("#ask-answer script, #ask-answer i, #pwned") is None and visit.dialogs == []
    params = urllib.parse.parse_qs(urllib.parse.urlparse(visit.page.url).fragment)
    assert params["focus"] == ["technique:transformer"] and params["mode"] == ["origins"]
    assert urllib.parse.parse_qs(visit.page.get_attribute("#ask-answer", "data-focus")) == params
    visit.wait_until("!document.getElementById('focus-box').hidden")
    assert visit.errors == []


def test_a_path_question_sets_the_path_and_an_ambiguous_one_lists_the_candidates(visit, page_server):
    visit.open(page_server.url)
    ask_in_page(visit, "How did LSTMs get to GPT-3?")
    assert "LSTM (1997) → Transformer (2017) → GPT-3 (2020)" in visit.page.text_content("#ask-answer")
    # The page draws the path from its address (#path=a,b), as the box sets it.
    params = urllib.parse.parse_qs(visit.page.get_attribute("#ask-answer", "data-focus"))
    assert params["path"] == ["technique:lstm,technique:gpt-3"]
    visit.wait_until("document.querySelectorAll('#path-steps li').length === 2")
    assert "LSTM" in visit.page.text_content("#path-steps") and "GPT-3" in visit.page.text_content("#path-steps")
    ask_in_page(visit, "What did Bahdanau lead to?")
    assert visit.page.get_attribute("#ask-answer", "data-status") == "clarify"
    choices = visit.page.eval_on_selector_all("#ask-answer .ask-candidates button", "bs => bs.map(b => b.textContent)")
    assert any("technique:attention" in c for c in choices) and any("paper:bahdanau2014neural" in c for c in choices)
    ask_in_page(visit, "What's the weather in Paris?")
    assert "I could not map this question" in visit.page.text_content("#ask-answer")


def test_the_rendered_file_says_asking_needs_the_server(visit, history_with_hostile_paper, cli, tmp_path):
    out = tmp_path / "graph.html"
    code, _, stderr = cli("render", "--db", history_with_hostile_paper, "--out", out)
    assert code == 0, stderr
    visit.open(out.as_uri())
    ask_in_page(visit, "where did attention come from?")
    assert visit.page.get_attribute("#ask-answer", "data-status") == "offline"
    assert "needs the server" in visit.page.text_content("#ask-answer")
    assert all(url.startswith("file://") or url.startswith("data:") for url in visit.requests), visit.requests
