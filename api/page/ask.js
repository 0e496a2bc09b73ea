/* The question box: a question in plain words, sent to GraphQL `ask` (the
   same answer as `aiprogress ask`), shown with what was understood and the
   facts behind it; the graph is then focused on the answer through the
   page's address (#focus=<id>&mode=origins|impact, #node=<id>,
   #path=<a>,<b>). Data is written with textContent only, never as markup.
   The rendered file has no server to ask: the box says so. */
(function () {
  "use strict";

  var QUERY = "query($q: String!) { ask(question: $q) { text " +
    "interpretation { status intent command notes } " +
    "facts { sourceName relation targetName year note provenance } " +
    "candidates { id name } focus } }";
  var FACTS_SHOWN = 12;

  // The box's own styles (the page's style sheet belongs to the page).
  var STYLE = (
    ".ask { display: flex; gap: 0.3rem; flex: 1 1 18rem; max-width: 32rem; }\n" +
    ".ask input { flex: 1; min-width: 8rem; }\n" +
    ".ask-answer { position: absolute; z-index: 20; right: 1rem; top: 3.6rem; width: min(42rem, calc(100vw - 2rem));\n" +
    "  max-height: 60vh; overflow: auto; background: #fff; border: 1px solid #bbb; border-radius: 6px;\n" +
    "  box-shadow: 0 4px 16px rgba(0, 0, 0, 0.18); padding: 0.6rem 0.9rem; font-size: 0.9rem; }\n" +
    ".ask-answer[hidden] { display: none; }\n" +
    ".ask-head { display: flex; justify-content: space-between; align-items: center; }\n" +
    ".ask-understood code { background: #f2f2f2; padding: 0 0.25rem; border-radius: 3px; }\n" +
    ".ask-facts { padding-left: 1.2rem; }\n" +
    ".ask-note, .ask-provenance { color: #555; }\n" +
    ".ask-candidates button { margin: 0.15rem 0; text-align: left; }\n"
  );

  var form = document.getElementById("ask-form");
  var input = document.getElementById("ask-input");
  var panel = document.getElementById("ask-answer");
  if (!form || !input || !panel) return;
  var style = document.createElement("style");
  style.textContent = STYLE;
  document.head.appendChild(style);
  var offline = !!document.getElementById("aiprogress-data");
  if (offline) {
    input.placeholder = "Asking needs the server: run aiprogress serve";
    form.setAttribute("data-offline", "1");
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function clear() {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
  }

  function close() {
    clear();
    panel.hidden = true;
  }

  function show(parts) {
    clear();
    var head = element("div", null, "ask-head");
    var shut = element("button", "Close", "ask-close");
    shut.type = "button";
    shut.addEventListener("click", close);
    head.appendChild(element("strong", "Answer"));
    head.appendChild(shut);
    panel.appendChild(head);
    parts.forEach(function (p) { panel.appendChild(p); });
    panel.hidden = false;
  }

  function focusHash(focus) {
    if (!focus) return "";
    var params = new URLSearchParams();
    if (focus.path) params.set("path", focus.path.join(","));
    else if (focus.id && focus.mode) { params.set("focus", focus.id); params.set("mode", focus.mode); }
    else if (focus.node) params.set("node", focus.node);
    else return "";
    return params.toString();
  }

  function ask(question) {
    var understood = element("p", null, "ask-understood");
    show([element("p", "Asking…", "ask-text")]);
    return fetch("graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: QUERY, variables: { q: question } })
    }).then(function (response) {
      return response.json();
    }).then(function (body) {
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      var answer = body.data.ask;
      var parts = [];
      var i = answer.interpretation;
      if (i.command) {
        understood.appendChild(document.createTextNode("Understood: "));
        understood.appendChild(element("code", i.command));
        parts.push(understood);
      }
      parts.push(element("p", answer.text, "ask-text"));
      if (answer.candidates.length) {
        var choices = element("ul", null, "ask-candidates");
        answer.candidates.forEach(function (c) {
          var item = element("li");
          var pick = element("button", c.name + " (" + c.id + ")");
          pick.type = "button";
          pick.addEventListener("click", function () { location.hash = new URLSearchParams({ node: c.id }).toString(); });
          item.appendChild(pick);
          choices.appendChild(item);
        });
        parts.push(choices);
      }
      if (answer.facts.length) {
        var list = element("ol", null, "ask-facts");
        answer.facts.slice(0, FACTS_SHOWN).forEach(function (f) {
          var item = element("li");
          item.appendChild(element("span", f.sourceName + " " + f.relation + " " + (f.targetName || ""), "ask-fact"));
          if (f.note) item.appendChild(element("span", " — " + f.note, "ask-note"));
          if (f.provenance) item.appendChild(element("span", " [" + f.provenance + "]", "ask-provenance"));
          list.appendChild(item);
        });
        var title = element("p", "The facts behind it (" + answer.facts.length + (answer.facts.length > FACTS_SHOWN ? ", first " + FACTS_SHOWN : "") + "):", "ask-facts-title");
        parts.push(title, list);
      }
      show(parts);
      panel.setAttribute("data-status", i.status);
      var hash = i.status === "ok" ? focusHash(answer.focus) : "";
      // What the graph was asked to show (the page may rewrite its address).
      panel.setAttribute("data-focus", hash);
      if (hash) location.hash = hash;
    }).catch(function (error) {
      show([element("p", "The question could not be asked: " + error.message, "ask-text")]);
      panel.setAttribute("data-status", "error");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    if (offline) {
      show([element("p", "Asking questions needs the server: this file was written by `aiprogress render` and has no server to ask. " +
        "Run `aiprogress serve` and open its address, or ask on the command line: aiprogress ask \"" + question + "\".", "ask-text")]);
      panel.setAttribute("data-status", "offline");
      return;
    }
    ask(question);
  });

  window.aiprogressAsk = ask;
})();
