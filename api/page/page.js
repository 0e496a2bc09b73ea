/* The aiprogress page: draws the graph with vis-network, filters it, shows
 * details and the narrative time chart.
 *
 * Data comes from one of two sources with the same shape: the server's JSON
 * routes (`aiprogress serve`), or a JSON block embedded in the file
 * (`aiprogress render`). Every text from the data is put into the page with
 * textContent or as a text node, never parsed as HTML.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var SCRIPT_START = performance.now();
  var KIND_ORDER = ["constraint", "narrative", "proposal", "problem", "theme", "technique", "paper", "field"];

  // ------------------------------------------------------------------
  // Small DOM helpers: every text goes in as a text node.
  // ------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "class") node.className = attrs[key];
        else if (key === "text") node.textContent = attrs[key];
        else node.setAttribute(key, attrs[key]);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function safeHttpUrl(raw) {
    // Only http(s) links leave the page; anything else (javascript:, data:) is dropped.
    try {
      var url = new URL(String(raw));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------
  // Data sources
  // ------------------------------------------------------------------

  function embeddedSource(bundle) {
    return {
      embedded: true,
      view: function () { return Promise.resolve(bundle.view); },
      timeline: function () { return Promise.resolve(bundle.timeline); },
      node: function (id) {
        var detail = bundle.details[id];
        return detail ? Promise.resolve(detail) : Promise.reject(new Error("no details for " + id));
      },
      focus: function (id, mode) {
        // Stored as positions in the node list, to keep the file small.
        var entry = bundle.focus[id];
        if (!entry) return Promise.reject(new Error("no node with id " + id));
        return Promise.resolve({ nodes: entry[mode].map(function (k) { return bundle.view.nodes[k].id; }) });
      }
    };
  }

  function httpSource() {
    function getJson(path) {
      return fetch(path, { headers: { Accept: "application/json" } }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error((body && body.error && body.error.message) || body.message || response.statusText);
          return body;
        });
      });
    }
    return {
      embedded: false,
      view: function (params) { return getJson("api/view" + (params ? "?" + params : "")); },
      timeline: function () { return getJson("api/timeline"); },
      node: function (id) { return getJson("api/node/" + encodeURIComponent(id)); },
      focus: function (id, mode) { return getJson("api/focus/" + encodeURIComponent(id) + "?mode=" + encodeURIComponent(mode)); }
    };
  }

  // ------------------------------------------------------------------
  // State, kept in the URL's fragment so a link reproduces the view
  // ------------------------------------------------------------------

  var page = {
    source: null,
    data: null,
    nodes: null,
    edges: null,
    network: null,
    legend: null,
    allKinds: [],
    allRelations: [],
    yearBounds: [null, null],
    focusSet: null,
    constraintSet: null,
    timings: {},
    ready: false
  };

  var state = defaultState();

  function defaultState() {
    return { kinds: null, relations: null, from: null, to: null, constraint: "", focus: "", mode: "origins", node: "" };
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var next = defaultState();
    if (params.has("kinds")) next.kinds = params.get("kinds").split(",").filter(Boolean);
    if (params.has("relations")) next.relations = params.get("relations").split(",").filter(Boolean);
    var from = parseInt(params.get("from"), 10);
    var to = parseInt(params.get("to"), 10);
    next.from = isNaN(from) ? null : from;
    next.to = isNaN(to) ? null : to;
    next.constraint = params.get("constraint") || "";
    next.focus = params.get("focus") || "";
    next.mode = params.get("mode") === "impact" ? "impact" : "origins";
    next.node = params.get("node") || "";
    return next;
  }

  function stateParams(includeNode) {
    var params = new URLSearchParams();
    if (state.kinds) params.set("kinds", state.kinds.join(","));
    if (state.relations) params.set("relations", state.relations.join(","));
    if (state.from !== null) params.set("from", String(state.from));
    if (state.to !== null) params.set("to", String(state.to));
    if (state.constraint) params.set("constraint", state.constraint);
    if (state.focus) { params.set("focus", state.focus); params.set("mode", state.mode); }
    if (includeNode && state.node) params.set("node", state.node);
    return params;
  }

  function writeHash() {
    var hash = stateParams(true).toString();
    var target = hash ? "#" + hash : location.pathname + location.search;
    if (("#" + hash) !== location.hash && !(hash === "" && location.hash === "")) {
      history.replaceState(null, "", hash ? "#" + hash : target);
    }
  }

  // ------------------------------------------------------------------
  // Filtering: which nodes and edges are drawn
  // ------------------------------------------------------------------

  function kindsShown() { return state.kinds ? new Set(state.kinds) : new Set(page.allKinds); }
  function relationsShown() { return state.relations ? new Set(state.relations) : new Set(page.allRelations); }

  function constraintMembers(constraintId) {
    // The constraint, what relaxes it, and the papers that introduced those
    // techniques: the same rule as graph/view.py's constraint_members.
    var members = new Set([constraintId]);
    page.edges.forEach(function (edge) {
      if (edge.relation === "relaxes" && edge.to === constraintId) members.add(edge.from);
    });
    page.edges.forEach(function (edge) {
      if (edge.relation === "introduces" && members.has(edge.to) && edge.to !== constraintId) members.add(edge.from);
    });
    return members;
  }

  function nodePasses(node, kinds) {
    if (!kinds.has(node.kind)) return false;
    if (node.year !== null && node.year !== undefined) {
      if (state.from !== null && node.year < state.from) return false;
      if (state.to !== null && node.year > state.to) return false;
    }
    if (page.constraintSet && !page.constraintSet.has(node.id)) return false;
    if (page.focusSet && !page.focusSet.has(node.id)) return false;
    return true;
  }

  function applyFilters() {
    var kinds = kindsShown();
    var relations = relationsShown();
    page.constraintSet = state.constraint ? constraintMembers(state.constraint) : null;
    var visible = new Set();
    var nodeUpdates = [];
    page.nodes.forEach(function (node) {
      var show = nodePasses(node, kinds);
      if (show) visible.add(node.id);
      if (Boolean(node.hidden) === show) nodeUpdates.push({ id: node.id, hidden: !show });
    });
    var edgeUpdates = [];
    var edgeCount = 0;
    page.edges.forEach(function (edge) {
      var show = relations.has(edge.relation) && visible.has(edge.from) && visible.has(edge.to);
      if (show) edgeCount += 1;
      if (Boolean(edge.hidden) === show) edgeUpdates.push({ id: edge.id, hidden: !show });
    });
    if (nodeUpdates.length) page.nodes.update(nodeUpdates);
    if (edgeUpdates.length) page.edges.update(edgeUpdates);
    page.visible = visible;
    showCounts(visible.size, edgeCount);
    syncControls();
    writeHash();
    return visible;
  }

  function showCounts(nodeCount, edgeCount) {
    var meta = page.data.meta || {};
    var text = nodeCount + " of " + page.nodes.length + " nodes, " + edgeCount + " edges shown";
    document.getElementById("counts").textContent = text;
    var notice = document.getElementById("notice");
    if (meta.truncated) {
      notice.hidden = false;
      notice.textContent = "The store holds " + meta.total_nodes + " nodes; " + meta.matching_nodes +
        " match the filters and the best connected " + meta.shown_nodes +
        " are drawn. Narrow the filters (kind, years, constraint) or focus on a node to see the others.";
    } else {
      notice.hidden = true;
    }
  }

  function visibleIds() {
    return page.nodes.getIds({ filter: function (node) { return !node.hidden; } });
  }

  function fitVisible() {
    var ids = visibleIds();
    if (ids.length) page.network.fit({ nodes: ids, animation: false });
  }

  // Server-side subgraphs: when the store is larger than the page's limit,
  // the server picks the nodes, so a filter change asks it again.
  function serverFilters() {
    return !page.source.embedded && page.data.meta && page.data.meta.truncated;
  }

  function update(options) {
    options = options || {};
    if (serverFilters() && !options.local) {
      return loadView(stateParams(false).toString()).then(function () { return afterFilter(options); });
    }
    return refreshFocus().then(function () { return afterFilter(options); });
  }

  function afterFilter(options) {
    applyFilters();
    if (options.fit !== false) fitVisible();
    drawChartSelection();
  }

  function refreshFocus() {
    if (!state.focus) {
      page.focusSet = null;
      showFocusBox();
      return Promise.resolve();
    }
    return page.source.focus(state.focus, state.mode).then(function (answer) {
      page.focusSet = new Set(answer.nodes);
      page.focusSet.add(state.focus);
      showFocusBox();
    }).catch(function (error) {
      page.focusSet = null;
      state.focus = "";
      showFocusBox();
      showError(error);
    });
  }

  function showFocusBox() {
    var box = document.getElementById("focus-box");
    if (!state.focus) { box.hidden = true; return; }
    var node = page.nodes.get(state.focus);
    var name = node ? node.name : state.focus;
    box.hidden = false;
    document.getElementById("focus-text").textContent =
      (state.mode === "origins" ? "Where it came from: " : "What it led to: ") + name +
      (page.focusSet ? " (" + page.focusSet.size + " nodes)" : "");
  }

  function showError(error) {
    var notice = document.getElementById("notice");
    notice.hidden = false;
    notice.textContent = "Error: " + (error && error.message ? error.message : String(error));
  }

  // ------------------------------------------------------------------
  // Drawing
  // ------------------------------------------------------------------

  function tooltip(node) {
    // vis-network shows an element as is: built from text nodes, it cannot run markup.
    var box = el("div", null, [
      el("div", { class: "tip-title", text: node.name }),
      el("div", { class: "tip-sub", text: [node.kind, node.year, node.binding ? node.binding + " constraint" : null].filter(function (x) { return x !== null && x !== undefined; }).join(" · ") })
    ]);
    return box;
  }

  function edgeTooltip(edge) {
    var text = edge.relation + (edge.year ? " (" + edge.year + ")" : "");
    return el("div", { class: "tip-sub", text: text });
  }

  function loadView(params) {
    return page.source.view(params).then(function (data) {
      page.data = data;
      data.nodes.forEach(function (node) { node.title = tooltip(node); });
      data.edges.forEach(function (edge) { edge.title = edgeTooltip(edge); });
      if (!page.nodes) {
        page.nodes = new vis.DataSet(data.nodes);
        page.edges = new vis.DataSet(data.edges);
      } else {
        page.nodes.clear();
        page.edges.clear();
        page.nodes.add(data.nodes);
        page.edges.add(data.edges);
      }
      return data;
    });
  }

  function createNetwork() {
    // Positions come from the server's layout and physics is off: the
    // network is ready once it has drawn for the first time.
    var container = document.getElementById("graph");
    var drawn = new Promise(function (resolve) {
      var network = new vis.Network(container, { nodes: page.nodes, edges: page.edges }, page.data.options);
      page.network = network;
      page.timings.network = performance.now();
      network.once("afterDrawing", function () { resolve(); });
      network.on("click", function (params) {
        if (params.nodes.length) selectNode(params.nodes[0], { center: false });
      });
    });
    return drawn;
  }

  function centreOn(id) {
    page.network.focus(id, { scale: Math.max(page.network.getScale(), 1.0), animation: false });
  }

  function selectNode(id, options) {
    options = options || {};
    var node = page.nodes.get(id);
    if (!node) return Promise.resolve();
    if (node.hidden) {
      // A node hidden by the filters: show everything again, then go to it.
      state = Object.assign(defaultState(), { node: id });
      page.focusSet = null;
      applyFilters();
      showFocusBox();
    }
    state.node = id;
    page.network.selectNodes([id]);
    if (options.center) centreOn(id);
    writeHash();
    return showDetails(id);
  }

  // ------------------------------------------------------------------
  // Details panel
  // ------------------------------------------------------------------

  function kindColour(kind) {
    var entry = (page.legend.kinds || []).filter(function (k) { return k.kind === kind; })[0];
    if (entry) return entry.color;
    return kind === "constraint" ? "#c0392b" : "#777777";
  }

  function showDetails(id) {
    var body = document.getElementById("details-body");
    return page.source.node(id).then(function (detail) {
      if (state.node !== id) return;
      renderDetails(body, detail);
      document.getElementById("details-empty").hidden = true;
      body.hidden = false;
    }).catch(showError);
  }

  function renderDetails(body, detail) {
    clear(body);
    var node = detail.node;
    var paper = detail.paper;
    body.setAttribute("data-node-id", node.id);
    body.appendChild(el("span", { class: "kind", style: "background:" + kindColour(node.kind), text: node.kind + (node.binding ? " · " + node.binding : "") + (node.category ? " · " + node.category : "") }));
    body.appendChild(el("h3", { id: "details-title", text: node.name }));
    var meta = [];
    if (node.year !== null && node.year !== undefined) meta.push(String(node.year));
    if (paper && paper.venue) meta.push(paper.venue);
    if (meta.length) body.appendChild(el("div", { class: "meta", id: "details-meta", text: meta.join(" · ") }));
    if (paper && paper.authors && paper.authors.length) {
      body.appendChild(el("div", { class: "meta", id: "details-authors", text: paper.authors.join(", ") }));
    }
    var links = el("div", { class: "links" });
    if (paper && paper.doi) links.appendChild(el("a", { href: "https://doi.org/" + encodeURI(paper.doi), target: "_blank", rel: "noopener noreferrer", text: "DOI " + paper.doi }));
    if (paper && paper.arxiv_id) links.appendChild(el("a", { href: "https://arxiv.org/abs/" + encodeURIComponent(paper.arxiv_id), target: "_blank", rel: "noopener noreferrer", text: "arXiv " + paper.arxiv_id }));
    var url = paper && paper.url ? safeHttpUrl(paper.url) : null;
    if (url) links.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Link" }));
    if (links.childNodes.length) body.appendChild(links);
    body.appendChild(el("div", { class: "meta", text: node.id }));
    if (node.description) body.appendChild(el("p", { class: "desc", text: node.description }));
    else if (paper && paper.abstract) body.appendChild(el("p", { class: "desc", text: paper.abstract }));

    var actions = el("div", { class: "actions" });
    var origins = el("button", { type: "button", class: "primary", id: "focus-origins", text: "Where did it come from?" });
    var impact = el("button", { type: "button", id: "focus-impact", text: "What did it lead to?" });
    origins.addEventListener("click", function () { setFocus(node.id, "origins"); });
    impact.addEventListener("click", function () { setFocus(node.id, "impact"); });
    actions.appendChild(origins);
    actions.appendChild(impact);
    body.appendChild(actions);

    if (detail.measurements && detail.measurements.length) {
      body.appendChild(el("h4", { text: "Measurements" }));
      var list = el("ul", { class: "edges" });
      detail.measurements.forEach(function (m) {
        list.appendChild(el("li", null, [m.quantity + ": " + Number(m.value).toPrecision(3) + " " + m.unit, el("div", { class: "prov", text: m.source })]));
      });
      body.appendChild(list);
    }

    body.appendChild(el("h4", { text: "Edges (" + detail.edges.length + ")" }));
    var edges = el("ul", { class: "edges", id: "details-edges" });
    detail.edges.forEach(function (edge) {
      var other = el("button", { type: "button", class: "other", text: edge.other_name });
      other.addEventListener("click", function () { selectNode(edge.other_id, { center: true }); });
      var fact = edge.direction === "out"
        ? el("div", null, [el("span", { class: "rel", text: edge.relation + " → " }), other])
        : el("div", null, [other, el("span", { class: "rel", text: " → " + edge.relation + " → this" })]);
      if (edge.year) fact.appendChild(el("span", { class: "badge", text: String(edge.year) }));
      if (edge.inferred) fact.appendChild(el("span", { class: "badge", text: "inferred" }));
      if (edge.confidence !== null && edge.confidence !== undefined) fact.appendChild(el("span", { class: "badge", text: "confidence " + edge.confidence }));
      var item = el("li", null, [fact]);
      if (edge.note) item.appendChild(el("div", { class: "note", text: edge.note }));
      item.appendChild(el("div", { class: "prov", text: "source: " + edge.provenance }));
      edges.appendChild(item);
    });
    body.appendChild(edges);
    if (detail.aliases && detail.aliases.length) {
      body.appendChild(el("h4", { text: "Also known as" }));
      body.appendChild(el("div", { class: "meta", text: detail.aliases.join(", ") }));
    }
  }

  function setFocus(id, mode) {
    state.focus = id;
    state.mode = mode;
    return update();
  }

  // ------------------------------------------------------------------
  // Controls
  // ------------------------------------------------------------------

  function legendMarker(shape, colour, border, dashed) {
    var box = svg("svg", { width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true" });
    var stroke = border || "#444";
    var common = { fill: colour, stroke: stroke, "stroke-width": 1.5 };
    if (dashed) common["stroke-dasharray"] = "3 2";
    if (shape === "dot") box.appendChild(svg("circle", Object.assign({ cx: 9, cy: 9, r: 6 }, common)));
    else if (shape === "diamond") box.appendChild(svg("polygon", Object.assign({ points: "9,2 16,9 9,16 2,9" }, common)));
    else if (shape === "star") box.appendChild(svg("polygon", Object.assign({ points: "9,1 11,7 17,7 12,11 14,17 9,13 4,17 6,11 1,7 7,7" }, common)));
    else if (shape === "hexagon") box.appendChild(svg("polygon", Object.assign({ points: "5,2 13,2 17,9 13,16 5,16 1,9" }, common)));
    else box.appendChild(svg("rect", Object.assign({ x: 1, y: 4, width: 16, height: 10, rx: 2 }, common)));
    return box;
  }

  function legendLine(style) {
    var box = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
    var line = { x1: 1, y1: 6, x2: 26, y2: 6, stroke: style.color, "stroke-width": Math.max(style.width, 1.2) };
    if (style.dashes) line["stroke-dasharray"] = style.dashes.join(" ");
    box.appendChild(svg("line", line));
    box.appendChild(svg("polygon", { points: "25,2 33,6 25,10", fill: style.color }));
    return box;
  }

  function buildLegend() {
    var legend = document.getElementById("legend");
    clear(legend);
    page.legend.bindings.forEach(function (b) {
      legend.appendChild(el("div", { class: "row" }, [legendMarker("box", b.background, b.border, b.dashes), b.label]));
    });
    page.legend.kinds.forEach(function (k) {
      legend.appendChild(el("div", { class: "row" }, [legendMarker(k.shape, k.color), k.label]));
    });
    page.legend.relations.forEach(function (r) {
      var row = el("div", { class: "row", title: r.direction + " (from the target: " + r.inverse + ")" }, [legendLine(r), r.relation]);
      legend.appendChild(row);
    });
    legend.appendChild(el("div", { class: "row hint", text: "Marker size grows with the number of edges." }));
  }

  function countBy(items, key) {
    var counts = {};
    items.forEach(function (item) { counts[item[key]] = (counts[item[key]] || 0) + 1; });
    return counts;
  }

  function buildChecks(containerId, values, counts, name, onChange) {
    var box = document.getElementById(containerId);
    clear(box);
    values.forEach(function (value) {
      var input = el("input", { type: "checkbox", value: value, name: name });
      input.checked = true;
      input.addEventListener("change", onChange);
      box.appendChild(el("label", null, [input, value, el("span", { class: "n", text: String(counts[value] || 0) })]));
    });
  }

  function checkedValues(containerId) {
    var inputs = document.querySelectorAll("#" + containerId + " input");
    var all = [];
    var chosen = [];
    inputs.forEach(function (input) { all.push(input.value); if (input.checked) chosen.push(input.value); });
    return chosen.length === all.length ? null : chosen;
  }

  function buildControls() {
    var nodes = page.data.nodes;
    var edges = page.data.edges;
    var kindCounts = countBy(nodes, "kind");
    page.allKinds = KIND_ORDER.filter(function (k) { return page.legend.kinds.some(function (x) { return x.kind === k; }) || k === "constraint"; });
    // A kind the server declares that this order does not know yet comes last.
    page.legend.kinds.forEach(function (x) { if (page.allKinds.indexOf(x.kind) < 0) page.allKinds.push(x.kind); });
    page.allRelations = page.legend.relations.map(function (r) { return r.relation; });
    buildChecks("kind-filters", page.allKinds, kindCounts, "kind", function () {
      state.kinds = checkedValues("kind-filters");
      update();
    });
    buildChecks("relation-filters", page.allRelations, countBy(edges, "relation"), "relation", function () {
      state.relations = checkedValues("relation-filters");
      update({ fit: false });
    });
    var years = nodes.map(function (n) { return n.year; }).filter(function (y) { return y !== null && y !== undefined; });
    page.yearBounds = years.length ? [Math.min.apply(null, years), Math.max.apply(null, years)] : [null, null];
    var from = document.getElementById("year-from");
    var to = document.getElementById("year-to");
    from.placeholder = page.yearBounds[0] === null ? "" : String(page.yearBounds[0]);
    to.placeholder = page.yearBounds[1] === null ? "" : String(page.yearBounds[1]);
    function onYears() {
      var a = parseInt(from.value, 10);
      var b = parseInt(to.value, 10);
      state.from = isNaN(a) ? null : a;
      state.to = isNaN(b) ? null : b;
      update();
    }
    from.addEventListener("change", onYears);
    to.addEventListener("change", onYears);
    var select = document.getElementById("constraint-filter");
    nodes.filter(function (n) { return n.kind === "constraint"; }).forEach(function (n) {
      select.appendChild(el("option", { value: n.id, text: n.name + " (" + (n.binding || "constraint") + ")" }));
    });
    select.addEventListener("change", function () {
      state.constraint = select.value;
      update();
    });
    document.getElementById("focus-clear").addEventListener("click", function () {
      state.focus = "";
      update();
    });
    document.getElementById("reset").addEventListener("click", function () {
      state = defaultState();
      update();
    });
    document.getElementById("export-png").addEventListener("click", exportPng);
    buildSearch();
    buildLegend();
  }

  function syncControls() {
    var kinds = kindsShown();
    document.querySelectorAll("#kind-filters input").forEach(function (input) { input.checked = kinds.has(input.value); });
    var relations = relationsShown();
    document.querySelectorAll("#relation-filters input").forEach(function (input) { input.checked = relations.has(input.value); });
    document.getElementById("year-from").value = state.from === null ? "" : String(state.from);
    document.getElementById("year-to").value = state.to === null ? "" : String(state.to);
    var select = document.getElementById("constraint-filter");
    select.value = state.constraint;
    if (select.value !== state.constraint) select.value = "";
  }

  // ------------------------------------------------------------------
  // Search: finds a node by name, id or alias-like text and centres it
  // ------------------------------------------------------------------

  function buildSearch() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    var matches = [];
    var active = 0;

    function render() {
      clear(list);
      matches.forEach(function (node, i) {
        var item = el("li", { role: "option", "data-id": node.id, "aria-selected": i === active ? "true" : "false" }, [
          node.name,
          el("span", { class: "sub", text: node.kind + (node.year ? " · " + node.year : "") })
        ]);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(node.id); });
        list.appendChild(item);
      });
      list.hidden = matches.length === 0;
    }

    function find(text) {
      var query = text.trim().toLowerCase();
      if (!query) return [];
      var found = page.nodes.get({
        filter: function (node) {
          return node.name.toLowerCase().indexOf(query) !== -1 || node.id.toLowerCase().indexOf(query) !== -1;
        }
      });
      found.sort(function (a, b) {
        var aStarts = a.name.toLowerCase().indexOf(query) === 0 ? 0 : 1;
        var bStarts = b.name.toLowerCase().indexOf(query) === 0 ? 0 : 1;
        return aStarts - bStarts || (b.degree || 0) - (a.degree || 0) || a.name.localeCompare(b.name);
      });
      return found.slice(0, 12);
    }

    function choose(id) {
      list.hidden = true;
      input.blur();
      selectNode(id, { center: true });
    }

    input.addEventListener("input", function () { matches = find(input.value); active = 0; render(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { active = Math.min(active + 1, matches.length - 1); render(); event.preventDefault(); }
      else if (event.key === "ArrowUp") { active = Math.max(active - 1, 0); render(); event.preventDefault(); }
      else if (event.key === "Enter" && matches.length) { choose(matches[active].id); event.preventDefault(); }
      else if (event.key === "Escape") { list.hidden = true; }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
  }

  // ------------------------------------------------------------------
  // The narrative time chart (inline SVG)
  // ------------------------------------------------------------------

  function drawChart(timeline) {
    page.timeline = timeline;
    var box = document.getElementById("chart");
    clear(box);
    var periods = timeline.periods;
    var rows = timeline.constraints;
    if (!periods.length || !rows.length) {
      box.appendChild(el("p", { class: "hint", text: "No dated relaxes edges to chart yet." }));
      return;
    }
    var width = Math.max(box.clientWidth || 800, 480);
    var left = 190, right = 12, top = 34, rowH = 22, bottom = 22;
    var height = top + rows.length * rowH + bottom;
    var colW = (width - left - right) / periods.length;
    var first = periods[0].start;
    var span = periods[periods.length - 1].end + 1 - first;
    function xOfYear(year) { return left + (year - first) / span * (width - left - right); }
    var max = 1;
    rows.forEach(function (row) { row.counts.forEach(function (c) { if (c > max) max = c; }); });

    var chart = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "Relaxes edges per constraint per period" });
    // Periods: columns that filter the graph to their years when clicked.
    periods.forEach(function (p, j) {
      var group = svg("g", { class: "period", "data-start": p.start, "data-end": p.end });
      group.appendChild(svg("rect", { class: "hit", x: left + j * colW, y: top - 16, width: colW, height: rows.length * rowH + 16, fill: j % 2 ? "#fafbfc" : "#ffffff" }));
      group.appendChild(svg("text", { x: left + j * colW + colW / 2, y: height - 6, "text-anchor": "middle", "font-size": 11, fill: "#5b6470" }, String(p.start)));
      group.appendChild(svg("title", {}, p.start + "–" + p.end + ": click to show these years"));
      group.addEventListener("click", function () { filterPeriod(p, null); });
      chart.appendChild(group);
    });
    // Rows: one per constraint, a bubble per period sized by the count.
    rows.forEach(function (row, i) {
      var y = top + i * rowH + rowH / 2;
      var hard = row.binding === "hard";
      chart.appendChild(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", "font-size": 12, fill: hard ? "#7b241c" : "#6e2c00", "font-weight": hard ? "600" : "400" }, row.name));
      chart.appendChild(svg("line", { x1: left, y1: y, x2: width - right, y2: y, stroke: "#eef0f3" }));
      row.counts.forEach(function (count, j) {
        if (!count) return;
        var p = periods[j];
        var cell = svg("g", { class: "cell", "data-constraint": row.id, "data-start": p.start });
        var r = 3 + 7 * Math.sqrt(count / max);
        var inFocus = (p.focus || []).indexOf(row.id) !== -1;
        cell.appendChild(svg("circle", { cx: left + j * colW + colW / 2, cy: y, r: r, fill: hard ? "#c0392b" : "#e67e22", "fill-opacity": 0.85, stroke: inFocus ? "#1f2328" : (hard ? "#7b241c" : "#d35400"), "stroke-width": inFocus ? 2.5 : 1 }));
        cell.appendChild(svg("title", {}, row.name + ", " + p.start + "–" + p.end + ": " + count + " advance(s) relaxed it" + (inFocus ? " (the focus of this period)" : "")));
        cell.addEventListener("click", function (event) { event.stopPropagation(); filterPeriod(p, row.id); });
        chart.appendChild(cell);
      });
    });
    // Narratives: marked at their years, labels stacked in rows so none overlap.
    var rowEnds = [];
    timeline.narratives.forEach(function (n) {
      if (n.year === null || n.year === undefined) return;
      var x = xOfYear(n.year + 0.5);
      var label = "★ " + n.name + " (" + n.year + ")";
      var textWidth = label.length * 6.2;
      var anchorEnd = x + 4 + textWidth > width - right;
      var from = anchorEnd ? x - 4 - textWidth : x + 4;
      var row = 0;
      while (row < rowEnds.length && rowEnds[row] > from) row += 1;
      rowEnds[row] = from + textWidth + 8;
      var mark = svg("g", { class: "narrative", "data-id": n.id });
      mark.appendChild(svg("line", { x1: x, y1: top - 14 - row * 13, x2: x, y2: top + rows.length * rowH, stroke: "#b07aa1", "stroke-width": 2, "stroke-dasharray": "5 3" }));
      mark.appendChild(svg("text", { x: anchorEnd ? x - 4 : x + 4, y: top - 18 - row * 13, "text-anchor": anchorEnd ? "end" : "start", "font-size": 11, fill: "#7d3c98", "font-weight": "600" }, label));
      mark.appendChild(svg("title", {}, "Narrative: " + n.name + " (" + n.year + ")"));
      chart.appendChild(mark);
    });
    var shift = Math.max(0, rowEnds.length - 1) * 13;
    if (shift) {
      chart.setAttribute("height", height + shift);
      chart.setAttribute("viewBox", "0 " + (-shift) + " " + width + " " + (height + shift));
    }
    page.chart = chart;
    box.appendChild(chart);
    drawChartSelection();
  }

  function drawChartSelection() {
    if (!page.chart) return;
    page.chart.querySelectorAll(".period rect.hit").forEach(function (rect, j) {
      var group = rect.parentNode;
      var start = parseInt(group.getAttribute("data-start"), 10);
      var end = parseInt(group.getAttribute("data-end"), 10);
      var selected = state.from === start && state.to === end;
      rect.setAttribute("fill", selected ? "#e3ecfb" : (j % 2 ? "#fafbfc" : "#ffffff"));
    });
  }

  function filterPeriod(period, constraintId) {
    state.from = period.start;
    state.to = period.end;
    state.constraint = constraintId || "";
    update();
  }

  // ------------------------------------------------------------------
  // Export
  // ------------------------------------------------------------------

  function exportPng() {
    var source = document.querySelector("#graph canvas");
    var canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    var link = el("a", { href: canvas.toDataURL("image/png"), download: "aiprogress-view.png" });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
  }

  // ------------------------------------------------------------------
  // Start
  // ------------------------------------------------------------------

  function start() {
    var embedded = document.getElementById("aiprogress-data");
    page.source = embedded ? embeddedSource(JSON.parse(embedded.textContent)) : httpSource();
    state = readHash();
    var initial = stateParams(false);
    var timelinePromise = page.source.timeline();
    return loadView(page.source.embedded ? null : initial.toString()).then(function (data) {
      page.timings.data = performance.now();
      page.timings.script = SCRIPT_START;
      page.legend = data.legend;
      buildControls();
      var drawn = createNetwork();
      page.visible = null;
      return refreshFocus().then(function () {
        applyFilters();
        return drawn;
      });
    }).then(function () {
      document.getElementById("loading").hidden = true;
      fitVisible();
      page.timings.stable = performance.now();
      if (state.node) {
        var node = state.node;
        if (page.nodes.get(node)) {
          page.network.selectNodes([node]);
          showDetails(node);
        }
      }
      window.addEventListener("hashchange", function () {
        var next = readHash();
        if (stateParams(true).toString() === new URLSearchParams(location.hash.replace(/^#/, "")).toString()) return;
        state = next;
        update().then(function () { if (state.node) selectNode(state.node, { center: true }); });
      });
      return timelinePromise;
    }).then(function (timeline) {
      drawChart(timeline);
      page.ready = true;
      document.documentElement.setAttribute("data-ready", "1");
    }).catch(function (error) {
      document.getElementById("loading").hidden = true;
      showError(error);
      document.documentElement.setAttribute("data-ready", "error");
    });
  }

  // For the tests, the benchmark and the curious: read-only hooks.
  window.aiprogress = {
    page: page,
    state: function () { return JSON.parse(JSON.stringify(state)); },
    visibleIds: visibleIds,
    selectNode: function (id) { return selectNode(id, { center: true }); }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
