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
    function lineage(id, mode) {
      // Stored as positions in the node list, with per reached node its
      // distance and which of its edges reached it, to keep the file small.
      var entry = bundle.focus[id];
      if (!entry) return Promise.reject(new Error("no node with id " + id + " in this file"));
      var nodes = bundle.view.nodes;
      var positions = entry[mode];
      var reached = positions.slice(1).map(function (k, j) {
        var node = nodes[k];
        var detail = bundle.details[node.id] || { edges: [] };
        var via = detail.edges[entry[mode + "_via"][j]] || null;
        return {
          id: node.id, name: node.name, kind: node.kind, year: node.year, distance: entry[mode + "_distance"][j],
          via: via && { source: via.source, relation: via.relation, target: via.target, year: via.year, note: via.note, provenance: via.provenance }
        };
      });
      var root = nodes[positions[0]];
      var works = entry[mode + "_works"] ? entry[mode + "_works"].map(function (pair) {
        var node = nodes[pair[0]];
        return { id: node.id, name: node.name, year: node.year, distance: pair[1] };
      }) : null;
      return Promise.resolve({ root: { id: root.id, name: root.name, kind: root.kind, year: root.year }, mode: mode, count: reached.length, listed: reached.length, reached: reached, works: works, corpus: {} });
    }
    return {
      embedded: true,
      view: function () { return Promise.resolve(bundle.view); },
      timeline: function () { return Promise.resolve(bundle.timeline); },
      adoption: function () { return Promise.resolve(bundle.adoption || null); },
      node: function (id) {
        var detail = bundle.details[id];
        return detail ? Promise.resolve(detail) : Promise.reject(new Error("no details for " + id));
      },
      lineage: lineage,
      search: null,
      path: function () { return Promise.reject(new Error("a path between two nodes needs the server (aiprogress serve)")); }
    };
  }

  function httpSource() {
    var controllers = {};
    function getJson(path, channel) {
      // A newer request on the same channel cancels the older one, so an old
      // answer can never be drawn over a newer one.
      var options = { headers: { Accept: "application/json" } };
      if (channel && typeof AbortController !== "undefined") {
        if (controllers[channel]) controllers[channel].abort();
        controllers[channel] = new AbortController();
        options.signal = controllers[channel].signal;
      }
      var early = path === "api/view" ? window.aiprogressEarlyView : null;
      if (early) window.aiprogressEarlyView = null; // asked for once, by early.js, and taken over once
      return (early || fetch(path, options)).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error((body && body.error && body.error.message) || body.message || response.statusText);
          return body;
        });
      });
    }
    return {
      embedded: false,
      view: function (params) { return getJson("api/view" + (params ? "?" + params : ""), "view"); },
      timeline: function () { return getJson("api/timeline"); },
      adoption: function () { return getJson("api/adoption"); },
      node: function (id) { return getJson("api/node/" + encodeURIComponent(id), "node"); },
      lineage: function (id, mode) { return getJson("api/lineage/" + encodeURIComponent(id) + "?mode=" + encodeURIComponent(mode), "lineage"); },
      search: function (text) { return getJson("api/search?limit=12&q=" + encodeURIComponent(text), "search"); },
      path: function (a, b) { return getJson("api/path?from=" + encodeURIComponent(a) + "&to=" + encodeURIComponent(b), "path"); }
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
    serverMode: false,
    focusSet: null,
    lineage: null,
    pathSet: null,
    path: null,
    around: "",
    constraintSet: null,
    layout: "overview",
    updates: 0,
    timings: {},
    ready: false
  };

  var state = defaultState();

  function defaultState() {
    return { kinds: null, relations: null, from: null, to: null, constraint: "", focus: "", mode: "origins", node: "", path: "" };
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
    var path = (params.get("path") || "").split(",").filter(Boolean);
    next.path = path.length === 2 ? path.join(",") : "";
    if (next.path) next.focus = "";
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
    if (includeNode && state.path) params.set("path", state.path);
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
    // A path or a neighbourhood is asked for by name: the filters do not hide it.
    if (page.pathSet) return page.pathSet.has(node.id);
    if (page.around) return true;
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
    page.constraintSet = state.constraint && !page.serverMode ? constraintMembers(state.constraint) : null;
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
      var show = (page.pathSet ? page.pathEdges.has(edge.id) : relations.has(edge.relation)) && visible.has(edge.from) && visible.has(edge.to);
      if (show) edgeCount += 1;
      if (Boolean(edge.hidden) === show) edgeUpdates.push({ id: edge.id, hidden: !show });
    });
    if (nodeUpdates.length) page.nodes.update(nodeUpdates);
    if (edgeUpdates.length) page.edges.update(edgeUpdates);
    page.visible = visible;
    showCounts(visible, edgeCount);
    syncControls();
    writeHash();
    return visible;
  }

  function formatCount(n) { return Number(n).toLocaleString("en-US"); }

  function showCounts(visible, edgeCount) {
    var meta = page.data.meta || {};
    var total = meta.total_nodes === undefined ? page.nodes.length : meta.total_nodes;
    var text = formatCount(visible.size) + " of " + formatCount(total) + " nodes drawn, " + formatCount(edgeCount) + " edges";
    document.getElementById("counts").textContent = text;
    // Per kind: drawn now, and how many the store holds.
    var drawnByKind = {};
    visible.forEach(function (id) { var node = page.nodes.get(id); drawnByKind[node.kind] = (drawnByKind[node.kind] || 0) + 1; });
    var totals = meta.kind_totals || countBy(page.nodes.get(), "kind");
    document.querySelectorAll("#kind-filters label").forEach(function (label) {
      var kind = label.getAttribute("data-kind");
      label.querySelector(".n").textContent = formatCount(drawnByKind[kind] || 0) + " / " + formatCount(totals[kind] || 0);
      label.title = formatCount(drawnByKind[kind] || 0) + " drawn of the " + formatCount(totals[kind] || 0) + " the store holds";
    });
    var drawnByRelation = {};
    page.edges.forEach(function (edge) { if (!edge.hidden) drawnByRelation[edge.relation] = (drawnByRelation[edge.relation] || 0) + 1; });
    var relationTotals = meta.relation_totals || countBy(page.edges.get(), "relation");
    document.querySelectorAll("#relation-filters label").forEach(function (label) {
      var relation = label.getAttribute("data-kind");
      label.querySelector(".n").textContent = formatCount(drawnByRelation[relation] || 0) + " / " + formatCount(relationTotals[relation] || 0);
    });
    var notice = document.getElementById("notice");
    if (meta.truncated) {
      notice.hidden = false;
      notice.textContent = "The store holds " + formatCount(meta.total_nodes) + " nodes; " + formatCount(meta.matching_nodes) +
        " match the filters and " + formatCount(meta.shown_nodes) + " are drawn (" + meta.cap_rule + "); " +
        formatCount(meta.left_out) + " left out. Narrow the filters, focus on a node or search to reach the others.";
    } else {
      notice.hidden = true;
    }
  }

  function visibleIds() {
    return page.nodes.getIds({ filter: function (node) { return !node.hidden; } });
  }

  function fitVisible() {
    var ids = visibleIds();
    if (!ids.length) return;
    // Fitted to the nodes' positions: vis-network's own fit reads the extents
    // of labels it does not draw at that zoom (a constraint's is 22 px type),
    // which left a phone's drawing a quarter of its width; and after a
    // lineage or a path was placed it would read the old ones, and it knows
    // nothing of the axis drawn beside a lineage.
    var positions = page.network.getPositions(ids);
    var lefts = ids.map(function (id) { return positions[id].x - labelWidth(page.nodes.get(id)) / 2; });
    var rights = ids.map(function (id) { return positions[id].x + labelWidth(page.nodes.get(id)) / 2; });
    var ys = ids.map(function (id) { return positions[id].y; });
    var overview = page.layout === "overview";
    var minX = overview ? Math.min.apply(null, ids.map(function (id) { return positions[id].x; })) - 40 : Math.min.apply(null, lefts) - (page.layout === "lineage" ? YEAR_STEP * 0.7 : 20);
    var maxX = overview ? Math.max.apply(null, ids.map(function (id) { return positions[id].x; })) + 40 : Math.max.apply(null, rights) + 10;
    var minY = Math.min.apply(null, ys) - (page.layout === "lineage" ? 100 : overview ? 30 : 60);
    var maxY = Math.max.apply(null, ys) + 40;
    var box = document.getElementById("graph");
    var scale = Math.min(box.clientWidth / (maxX - minX), box.clientHeight / (maxY - minY));
    page.network.moveTo({ position: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 }, scale: Math.max(0.05, Math.min(scale, 1.5)), animation: false });
  }

  // The view the server is asked for: the filters, or a neighbourhood, or a path's nodes.
  function viewParams() {
    if (page.path) return "ids=" + encodeURIComponent(page.path.nodes.join(","));
    if (page.around) return "around=" + encodeURIComponent(page.around);
    return stateParams(false).toString();
  }

  // Every change goes through here. When the store is larger than the
  // page's limit (decided once, from the store's size), the server filters
  // the whole store again; otherwise the page holds every node and filters
  // them itself. A later change overtakes an earlier one still under way.
  function update(options) {
    options = options || {};
    var ticket = ++page.updates;
    function current() { return ticket === page.updates; }
    if (!options.keepAround) page.around = "";
    var steps = Promise.resolve();
    steps = steps.then(function () { return refreshPath(current); });
    if (page.serverMode) {
      steps = steps.then(function () {
        if (!current()) return null;
        return loadView(viewParams()).catch(function (error) {
          if (error && error.name === "AbortError") return null;
          throw error;
        });
      });
    }
    return steps.then(function () {
      if (!current()) return null;
      return refreshFocus(current);
    }).then(function () {
      if (!current()) return;
      afterFilter(options);
    }).catch(function (error) {
      if (current()) showError(error);
    });
  }

  function afterFilter(options) {
    applyFilters();
    arrange();
    if (options.fit !== false) fitVisible();
    drawChartSelection();
    showSidePanel();
  }

  function refreshFocus(current) {
    if (!state.focus || state.path) {
      page.focusSet = null;
      page.lineage = null;
      showFocusBox();
      return Promise.resolve();
    }
    var id = state.focus, mode = state.mode;
    if (page.lineage && page.lineage.root.id === id && page.lineage.mode === mode && page.lineage.asked === id) {
      showFocusBox();
      return Promise.resolve();
    }
    return page.source.lineage(id, mode).then(function (answer) {
      if (current && !current()) return;
      answer.asked = id;
      page.lineage = answer;
      page.focusSet = new Set(answer.reached.map(function (r) { return r.id; }));
      page.focusSet.add(answer.root.id);
      page.focusSet.add(id);
      showFocusBox();
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      page.focusSet = null;
      page.lineage = null;
      state.focus = "";
      showFocusBox();
      showError(error);
    });
  }

  function refreshPath(current) {
    if (!state.path) {
      page.path = null;
      page.pathSet = null;
      return Promise.resolve();
    }
    var ends = state.path.split(",");
    if (page.path && page.path.asked === state.path) return Promise.resolve();
    return page.source.path(ends[0], ends[1]).then(function (answer) {
      if (current && !current()) return;
      answer.asked = state.path;
      page.path = answer;
      page.pathSet = new Set(answer.nodes);
      page.pathEdges = new Set(answer.steps.map(function (step) { return step.source + "|" + step.relation + "|" + step.target; }));
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      page.path = null;
      page.pathSet = null;
      state.path = "";
      showError(error);
    });
  }

  function showFocusBox() {
    var box = document.getElementById("focus-box");
    var text = document.getElementById("focus-text");
    if (page.path) {
      box.hidden = false;
      var named = page.path.named || [];
      text.textContent = "The chain from " + (named.length ? named[0].name : page.path.source) + " to " +
        (named.length ? named[named.length - 1].name : page.path.target) + ": " + page.path.length + " fact(s)" +
        (page.path.directed ? "" : " (ignoring direction: no chain follows the lineage)");
      return;
    }
    if (page.around) {
      var around = page.nodes.get(page.around);
      box.hidden = false;
      text.textContent = "Around " + (around ? around.name : page.around) + ": it and the nodes one fact away";
      return;
    }
    if (!state.focus) { box.hidden = true; return; }
    var node = page.nodes.get(state.focus);
    var name = page.lineage ? page.lineage.root.name : (node ? node.name : state.focus);
    box.hidden = false;
    text.textContent = (state.mode === "origins" ? "Where it came from: " : "What it led to: ") + name +
      (page.lineage ? " (" + formatCount(page.lineage.count) + " " + (state.mode === "origins" ? "ancestors" : "descendants") + ")" : "");
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
    // A string: vis-network shows it as text, and a large graph has many
    // more edges than nodes, each an element otherwise.
    return edge.relation + (edge.year ? " (" + edge.year + ")" : "");
  }

  var viewRequests = 0;

  function loadView(params) {
    // Only the latest request's answer is drawn: an older one arriving late is dropped.
    var ticket = ++viewRequests;
    return page.source.view(params).then(function (data) {
      if (ticket !== viewRequests) return null;
      page.data = data;
      data.nodes.forEach(function (node) {
        node.title = tooltip(node);
        // The overview position, kept to come back to after a lineage or path layout.
        node.gx = node.x;
        node.gy = node.y;
      });
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
      page.layout = "overview";
      return data;
    });
  }

  // ------------------------------------------------------------------
  // Layouts: the server's overview, or by year and distance (a lineage),
  // or along the chain (a path)
  // ------------------------------------------------------------------

  var YEAR_STEP = 150;  // canvas pixels between two consecutive years that hold nodes
  var ROW_STEP = 54;    // between two rows of one distance band: a marker and its label
  var BAND_GAP = 40;    // between two distance bands

  function labelWidth(node) {
    var size = node.kind === "constraint" ? 22 : 11;
    return Math.min(String(node.label || node.name || "").length, 40) * size * 0.58 + 18;
  }

  function lineageLayout(lineage, visible) {
    // x: the year (older to the left), compressed to the years that hold
    // nodes; the focused node at the end the time runs to (origins: right,
    // impact: left), undated nodes at the far end. y: one band per distance,
    // rows inside a band packed so that no two labels overlap.
    var origins = lineage.mode !== "impact";
    var items = lineage.reached.filter(function (r) { return visible.has(r.id); });
    // Drawn nodes beyond the listed ones go in one last band.
    var listed = new Set(items.map(function (r) { return r.id; }));
    var further = 1 + lineage.reached.reduce(function (m, r) { return Math.max(m, r.distance); }, 0);
    visible.forEach(function (id) {
      if (listed.has(id) || id === lineage.root.id) return;
      var node = page.nodes.get(id);
      if (node) items.push({ id: id, name: node.name, year: node.year, distance: further });
    });
    var years = {};
    items.forEach(function (r) { if (r.year !== null && r.year !== undefined) years[r.year] = true; });
    var sorted = Object.keys(years).map(Number).sort(function (a, b) { return a - b; });
    var column = {};
    sorted.forEach(function (y, k) { column[y] = k + 1; });
    var undatedColumn = origins ? 0 : sorted.length + 1;
    var rootColumn = origins ? sorted.length + 2 : -1;
    function xOf(r) { return (r.year === null || r.year === undefined ? undatedColumn : column[r.year]) * YEAR_STEP; }
    var bands = {};
    items.forEach(function (r) { (bands[r.distance] = bands[r.distance] || []).push(r); });
    var positions = {};
    var axis = { years: sorted.map(function (y) { return { year: y, x: column[y] * YEAR_STEP }; }), bands: [], origins: origins };
    if (items.some(function (r) { return r.year === null || r.year === undefined; })) axis.years.push({ year: "undated", x: undatedColumn * YEAR_STEP });
    var top = 0;
    Object.keys(bands).map(Number).sort(function (a, b) { return a - b; }).forEach(function (d) {
      var rows = [];
      bands[d].sort(function (a, b) { return xOf(a) - xOf(b) || String(a.name).localeCompare(String(b.name)); });
      bands[d].forEach(function (r) {
        var node = page.nodes.get(r.id);
        var half = labelWidth(node || r) / 2;
        var x = xOf(r);
        var row = 0;
        while (row < rows.length && rows[row] > x - half) row += 1;
        rows[row] = x + half + 8;
        positions[r.id] = { x: x, y: top + row * ROW_STEP };
      });
      axis.bands.push({ distance: d, top: top, bottom: top + Math.max(rows.length - 1, 0) * ROW_STEP });
      top += Math.max(rows.length, 1) * ROW_STEP + BAND_GAP;
    });
    positions[lineage.root.id] = { x: rootColumn * YEAR_STEP, y: 0 };
    axis.root = positions[lineage.root.id];
    return { positions: positions, axis: axis };
  }

  function pathLayout(path) {
    var positions = {};
    var x = 0;
    path.nodes.forEach(function (id, k) {
      var node = page.nodes.get(id);
      positions[id] = { x: x, y: k % 2 ? 60 : 0 };
      x += Math.max(labelWidth(node || { name: id }), 160) * 0.75;
    });
    return { positions: positions, axis: null };
  }

  function arrange() {
    var layout = null;
    if (page.path && page.pathSet) layout = pathLayout(page.path);
    else if (page.lineage && state.focus) layout = lineageLayout(page.lineage, page.visible || new Set());
    var updates = [];
    if (layout) {
      Object.keys(layout.positions).forEach(function (id) {
        if (page.nodes.get(id)) updates.push({ id: id, x: layout.positions[id].x, y: layout.positions[id].y, fixed: { x: true, y: true } });
      });
      page.layout = page.path ? "path" : "lineage";
      page.axis = layout.axis;
    } else if (page.layout !== "overview") {
      page.nodes.forEach(function (node) {
        if (node.gx !== null && node.gx !== undefined) updates.push({ id: node.id, x: node.gx, y: node.gy, fixed: node.kind === "constraint" ? { x: true, y: true } : false });
      });
      page.layout = "overview";
      page.axis = null;
    }
    if (updates.length) page.nodes.update(updates);
    if (page.layout === "overview") page.axis = null;
    chooseLabelled();
  }

  // ------------------------------------------------------------------
  // Labels that stay readable: at overview zoom vis-network hides labels
  // smaller than a few pixels, so the constraints, the narratives and the
  // best connected nodes are labelled here in screen-sized type (every
  // node, in a lineage or path of modest size); the rest appear with zoom.
  // ------------------------------------------------------------------

  var LABEL_THRESHOLD = 9;   // vis-network's drawThreshold (drawing.py): labels under about 8 px are left to us
  var TOP_CONNECTED = 25;

  function chooseLabelled() {
    var visible = visibleIds().map(function (id) { return page.nodes.get(id); });
    var ranked = visible.slice().sort(function (a, b) {
      function rank(n) { return n.kind === "constraint" ? 0 : n.kind === "narrative" ? 1 : 2; }
      return rank(a) - rank(b) || (b.degree || 0) - (a.degree || 0);
    });
    var keep = page.layout !== "overview" && visible.length <= 400 ? ranked.length : 0;
    ranked.forEach(function (n, k) { if (n.kind === "constraint" || n.kind === "narrative") keep = Math.max(keep, k + 1); });
    page.labelled = ranked.slice(0, Math.max(keep, Math.min(ranked.length, keep + TOP_CONNECTED)));
  }

  function drawLabels(ctx) {
    if (!page.labelled || !page.network) return;
    var network = page.network;
    var scale = network.getScale();
    var taken = [];
    page.labelsDrawn = [];
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    page.labelled.forEach(function (node) {
      var own = node.kind === "constraint" ? 22 : 11;
      // vis-network draws it itself at full strength from LABEL_THRESHOLD up (fading below).
      if (own * scale >= LABEL_THRESHOLD + 1) return;
      var body = network.body.nodes[node.id];
      if (!body || body.options.hidden) return;
      var important = node.kind === "constraint" || node.kind === "narrative";
      var px = important ? 14 : 12;
      var size = px / scale;
      var text = String(node.label || node.name);
      ctx.font = (important ? "600 " : "") + size + "px system-ui, sans-serif";
      var w = ctx.measureText(text).width;
      var x = body.x, y = body.y + (node.kind === "constraint" ? -size / 2 : (body.shape && body.shape.height ? body.shape.height / 2 : 8) + 2 / scale);
      var box = { l: x - w / 2, r: x + w / 2, t: y, b: y + size * 1.2 };
      if (taken.some(function (o) { return o.l < box.r && box.l < o.r && o.t < box.b && box.t < o.b; })) return;
      taken.push(box);
      page.labelsDrawn.push({ id: node.id, text: text, px: px });
      ctx.lineWidth = 3 / scale;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(text, x, y);
      ctx.fillStyle = node.kind === "constraint" ? "#5b1a12" : node.kind === "narrative" ? "#6c2f86" : "#1f2328";
      ctx.fillText(text, x, y);
    });
    ctx.restore();
  }

  function drawAxis(ctx) {
    // The lineage view's scale: the years along the top, the distance bands on the side.
    var axis = page.axis;
    if (!axis || page.layout !== "lineage") return;
    var scale = page.network.getScale();
    var size = 12 / scale;
    var bottom = axis.bands.length ? axis.bands[axis.bands.length - 1].bottom + 30 : 60;
    var topY = -60;
    ctx.save();
    ctx.font = size + "px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    var lastRight = -Infinity;
    axis.years.forEach(function (tick) {
      ctx.strokeStyle = "#eef0f3";
      ctx.lineWidth = 1 / scale;
      ctx.beginPath();
      ctx.moveTo(tick.x, topY);
      ctx.lineTo(tick.x, bottom);
      ctx.stroke();
      var text = String(tick.year);
      var w = ctx.measureText(text).width;
      if (tick.x - w / 2 < lastRight + 4 / scale) return;
      lastRight = tick.x + w / 2;
      ctx.fillStyle = "#5b6470";
      ctx.fillText(text, tick.x, topY - 4 / scale);
    });
    var minX = Math.min.apply(null, axis.years.map(function (t) { return t.x; }).concat([axis.root.x]));
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    axis.bands.forEach(function (band) {
      ctx.fillStyle = "#5b6470";
      ctx.fillText(band.distance + (band.distance === 1 ? " step" : " steps"), minX - YEAR_STEP * 0.6, (band.top + band.bottom) / 2);
    });
    ctx.textAlign = "left";
    ctx.fillStyle = "#2d6cdf";
    ctx.fillText(axis.origins ? "time \u2192  (the node at the right came from these)" : "time \u2192  (these came from the node at the left)", minX, topY - 22 / scale);
    ctx.restore();
  }

  function createNetwork() {
    // Positions come from the server's layout and physics is off: the
    // network is ready once it has drawn for the first time (or, should the
    // graph have no room to draw in, a moment later: the page never waits forever).
    var container = document.getElementById("graph");
    var drawn = new Promise(function (resolve) {
      var network = new vis.Network(container, { nodes: page.nodes, edges: page.edges }, page.data.options);
      page.network = network;
      page.timings.network = performance.now();
      network.once("afterDrawing", function () { resolve(); });
      setTimeout(resolve, 4000);
      network.on("beforeDrawing", drawAxis);
      network.on("afterDrawing", drawLabels);
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
    if (!node) {
      if (page.source.embedded) {
        showError(new Error(id + " is not in this file"));
        return Promise.resolve();
      }
      return goAround(id);
    }
    if (node.hidden) {
      // A node hidden by the filters: show everything again, then go to it.
      state = Object.assign(defaultState(), { node: id });
      if (page.serverMode) return goAround(id);
      page.focusSet = null;
      page.lineage = null;
      page.path = null;
      page.pathSet = null;
      applyFilters();
      arrange();
      showFocusBox();
      showSidePanel();
    }
    state.node = id;
    page.network.selectNodes([id]);
    if (options.center) centreOn(id);
    writeHash();
    openDrawer("details");
    return showDetails(id);
  }

  function goAround(id) {
    // A node the drawing does not hold (the store is larger than the page):
    // the server sends it with its neighbours.
    state = Object.assign(defaultState(), { node: id });
    page.around = id;
    return update({ keepAround: true }).then(function () {
      if (!page.nodes.get(id)) return;
      page.around = id;
      showFocusBox();
      page.network.selectNodes([id]);
      centreOn(id);
      writeHash();
      openDrawer("details");
      return showDetails(id);
    });
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
    }).catch(function (error) {
      // A click on another node cancelled this request: not an error.
      if (!(error && error.name === "AbortError")) showError(error);
    });
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
    body.appendChild(edgeList(detail.edges));
    if (detail.aliases && detail.aliases.length) {
      body.appendChild(el("h4", { text: "Also known as" }));
      body.appendChild(el("div", { class: "meta", text: detail.aliases.join(", ") }));
    }
  }

  function yearOf(value) { return value === null || value === undefined ? null : value; }

  function edgeList(edges) {
    // Grouped by direction and relation, each group by the other node's
    // year; a note that several facts of a group share is said once, above them.
    var box = el("div", { id: "details-edges", class: "edge-groups" });
    var groups = {};
    var order = [];
    edges.forEach(function (edge) {
      var key = edge.direction + " " + edge.relation;
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(edge);
    });
    order.sort(function (a, b) {
      var da = a.split(" ")[0], db = b.split(" ")[0];
      return (da === db ? 0 : da === "in" ? -1 : 1) || a.localeCompare(b);
    });
    order.forEach(function (key) {
      var group = groups[key];
      var first = group[0];
      group.sort(function (a, b) {
        var ya = yearOf(a.other_year), yb = yearOf(b.other_year);
        return (ya === null) - (yb === null) || (ya || 0) - (yb || 0) || String(a.other_name).localeCompare(String(b.other_name));
      });
      var heading = first.direction === "out" ? "this \u2192 " + first.relation + " \u2192" : "\u2192 " + first.relation + " \u2192 this";
      var section = el("section", { class: "edge-group", "data-relation": first.relation, "data-direction": first.direction }, [
        el("h5", { text: heading + " (" + group.length + ")" })
      ]);
      var notes = {};
      group.forEach(function (edge) { if (edge.note) notes[edge.note] = (notes[edge.note] || 0) + 1; });
      Object.keys(notes).forEach(function (note) {
        if (notes[note] > 1) section.appendChild(el("div", { class: "note shared", text: note + " (" + notes[note] + " facts)" }));
      });
      var list = el("ul", { class: "edges" });
      group.forEach(function (edge) {
        var other = el("button", { type: "button", class: "other", text: edge.other_name });
        other.addEventListener("click", function () { selectNode(edge.other_id, { center: true }); });
        var fact = el("div", null, [other]);
        if (yearOf(edge.other_year) !== null) fact.appendChild(el("span", { class: "badge year", title: "the year of " + edge.other_name, text: String(edge.other_year) }));
        if (edge.inferred) fact.appendChild(el("span", { class: "badge", text: "inferred" }));
        if (edge.confidence !== null && edge.confidence !== undefined) fact.appendChild(el("span", { class: "badge", text: "confidence " + edge.confidence }));
        var item = el("li", { "data-other": edge.other_id }, [fact]);
        if (edge.note && notes[edge.note] === 1) item.appendChild(el("div", { class: "note", text: edge.note }));
        item.appendChild(el("div", { class: "prov", text: "source: " + edge.provenance + (edge.year ? " \u00b7 fact dated " + edge.year : "") }));
        list.appendChild(item);
      });
      section.appendChild(list);
      box.appendChild(section);
    });
    return box;
  }

  function setFocus(id, mode) {
    state.focus = id;
    state.mode = mode;
    state.path = "";
    return update();
  }

  // ------------------------------------------------------------------
  // The side list of a lineage (ancestors or descendants, sorted, each with
  // its distance, year and the fact that reached it) or of a path's steps
  // ------------------------------------------------------------------

  function nameButton(id, name) {
    var button = el("button", { type: "button", class: "other", text: name });
    button.addEventListener("click", function () { selectNode(id, { center: true }); });
    return button;
  }

  function factLine(via, names) {
    if (!via) return null;
    return el("div", { class: "fact" }, [
      el("span", { text: (names[via.source] || via.source) + " " }),
      el("span", { class: "rel", text: via.relation }),
      el("span", { text: " " + (names[via.target] || via.target) + (via.year ? " (" + via.year + ")" : "") })
    ]);
  }

  function showSidePanel() {
    var panel = document.getElementById("lineage");
    clear(panel);
    if (page.path) { panel.hidden = false; renderPath(panel, page.path); return; }
    if (!page.lineage || !state.focus) { panel.hidden = true; return; }
    panel.hidden = false;
    renderLineage(panel, page.lineage);
  }

  function renderLineage(panel, lineage) {
    var origins = lineage.mode !== "impact";
    var names = {};
    names[lineage.root.id] = lineage.root.name;
    lineage.reached.forEach(function (r) { names[r.id] = r.name; });
    panel.setAttribute("data-root", lineage.root.id);
    panel.setAttribute("data-mode", lineage.mode);
    panel.appendChild(el("h3", { text: (origins ? "Where " : "What ") + lineage.root.name + (origins ? " came from" : " led to") }));
    panel.appendChild(el("p", { class: "hint", text: formatCount(lineage.count) + (origins ? " ancestors" : " descendants") +
      (lineage.listed < lineage.count ? ", the nearest " + formatCount(lineage.listed) + " listed" : "") +
      "; nearest first, then by year. In the graph: years run left to right, one band per distance." }));
    var reached = lineage.reached.slice().sort(function (a, b) {
      var ya = yearOf(a.year), yb = yearOf(b.year);
      return a.distance - b.distance || (ya === null) - (yb === null) || (origins ? (yb || 0) - (ya || 0) : (ya || 0) - (yb || 0)) || String(a.name).localeCompare(String(b.name));
    });
    // Prior or derivative works: the papers a paper cites, or that cite it (two steps).
    var papers = lineage.works || [];
    if (lineage.root.kind === "paper" && papers.length) {
      panel.appendChild(el("h4", { text: (origins ? "Prior works" : "Derivative works") + " (" + papers.length + ")" }));
      var works = el("ol", { class: "works", id: origins ? "prior-works" : "derivative-works" });
      papers.slice().sort(function (a, b) { return (yearOf(b.year) || 0) - (yearOf(a.year) || 0) || a.distance - b.distance; }).forEach(function (r) {
        works.appendChild(el("li", { "data-id": r.id }, [nameButton(r.id, r.name), el("span", { class: "sub", text: " " + (r.year || "undated") + " \u00b7 " + r.distance + (r.distance === 1 ? " step" : " steps") })]));
      });
      panel.appendChild(works);
    }
    renderCorpus(panel, lineage);
    panel.appendChild(el("h4", { text: origins ? "Ancestors" : "Descendants" }));
    var list = el("ol", { class: "lineage-list", id: "lineage-list" });
    reached.forEach(function (r) {
      var item = el("li", { "data-id": r.id, "data-distance": String(r.distance), "data-year": r.year === null || r.year === undefined ? "" : String(r.year) }, [
        el("div", null, [nameButton(r.id, r.name), el("span", { class: "badge", text: r.distance + (r.distance === 1 ? " step" : " steps") }), el("span", { class: "badge year", text: r.year === null || r.year === undefined ? "undated" : String(r.year) })]),
        factLine(r.via, names)
      ]);
      if (r.via && r.via.note) item.appendChild(el("div", { class: "note", text: r.via.note }));
      if (r.via) item.appendChild(el("div", { class: "prov", text: "source: " + r.via.provenance }));
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  function renderCorpus(panel, lineage) {
    var corpus = lineage.corpus || {};
    if (corpus.corpus_use && corpus.corpus_use.papers) {
      var use = corpus.corpus_use;
      panel.appendChild(el("h4", { text: "Used by " + formatCount(use.papers) + " papers, per year" }));
      var years = Object.keys(use.by_year).map(Number).sort(function (a, b) { return a - b; });
      var max = Math.max.apply(null, years.map(function (y) { return use.by_year[y]; }).concat([1]));
      var bars = el("div", { class: "use-years", id: "corpus-use" });
      years.forEach(function (y) {
        var n = use.by_year[y];
        bars.appendChild(el("div", { class: "use-row", title: n + " papers in " + y }, [
          el("span", { class: "use-year", text: String(y) }),
          el("span", { class: "use-bar", style: "width:" + Math.max(2, Math.round(120 * n / max)) + "px" }),
          el("span", { class: "sub", text: String(n) })
        ]));
      });
      panel.appendChild(bars);
      if (use.by_source && Object.keys(use.by_source).length) {
        panel.appendChild(el("div", { class: "prov", text: "from: " + Object.keys(use.by_source).map(function (k) { return (k || "the built-in history") + " (" + use.by_source[k] + ")"; }).join(", ") }));
      }
    }
    if (corpus.techniques_used && corpus.techniques_used.length) {
      panel.appendChild(el("h4", { text: "Techniques it uses (" + corpus.techniques_used.length + ")" }));
      var list = el("ul", { class: "works", id: "techniques-used" });
      corpus.techniques_used.forEach(function (t) {
        list.appendChild(el("li", { "data-id": t.id }, [nameButton(t.id, t.name), el("span", { class: "sub", text: " " + t.relation + " \u00b7 " + t.origins.length + " origins" })]));
      });
      panel.appendChild(list);
    }
  }

  function renderPath(panel, path) {
    var names = {};
    (path.named || []).forEach(function (n) { names[n.id] = n.name; });
    panel.setAttribute("data-root", path.source);
    panel.setAttribute("data-mode", "path");
    panel.appendChild(el("h3", { text: "From " + (names[path.source] || path.source) + " to " + (names[path.target] || path.target) }));
    panel.appendChild(el("p", { class: "hint", text: path.length + " fact(s)" + (path.directed ? ", each an origin of the next" : ", ignoring direction (no chain follows the lineage)") }));
    var list = el("ol", { class: "lineage-list", id: "path-steps" });
    path.steps.forEach(function (step) {
      var item = el("li", null, [factLine(step, names)]);
      if (step.note) item.appendChild(el("div", { class: "note", text: step.note }));
      item.appendChild(el("div", { class: "prov", text: "source: " + step.provenance }));
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  // ------------------------------------------------------------------
  // Drawers: below about 1,200 px the two side panels slide over the graph
  // ------------------------------------------------------------------

  function narrow() { return window.matchMedia("(max-width: 1199px)").matches; }

  function openDrawer(which) {
    if (!narrow()) return;
    var other = which === "details" ? "controls" : "details";
    document.getElementById(other).classList.remove("open");
    document.getElementById(which).classList.add("open");
  }

  function toggleDrawer(which) {
    var box = document.getElementById(which);
    if (box.classList.contains("open")) box.classList.remove("open");
    else { document.getElementById(which === "details" ? "controls" : "details").classList.remove("open"); box.classList.add("open"); }
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
      box.appendChild(el("label", { "data-kind": value }, [input, value, el("span", { class: "n", text: String(counts[value] || 0) })]));
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
    var constraints = (page.data.meta && page.data.meta.constraints) || nodes.filter(function (n) { return n.kind === "constraint"; });
    constraints.forEach(function (n) {
      select.appendChild(el("option", { value: n.id, text: n.name + " (" + (n.binding || "constraint") + ")" }));
    });
    select.addEventListener("change", function () {
      state.constraint = select.value;
      update();
    });
    document.getElementById("focus-clear").addEventListener("click", function () {
      state.focus = "";
      state.path = "";
      update();
    });
    document.getElementById("reset").addEventListener("click", function () {
      state = defaultState();
      update();
    });
    document.getElementById("export-png").addEventListener("click", exportPng);
    document.getElementById("export-svg").addEventListener("click", exportSvg);
    document.getElementById("toggle-controls").addEventListener("click", function () { toggleDrawer("controls"); });
    document.getElementById("toggle-details").addEventListener("click", function () { toggleDrawer("details"); });
    document.querySelectorAll(".drawer-close").forEach(function (button) {
      button.addEventListener("click", function () { button.closest(".sidebar").classList.remove("open"); });
    });
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
          el("span", { class: "sub", text: node.kind + (node.year ? " · " + node.year : "") + (node.remote ? " · not drawn yet" : "") })
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

    // The drawing holds only part of a large store: the server's full-text
    // search finds the rest, listed after what is drawn; a late answer to an
    // older query is dropped.
    var asked = 0;
    var timer = null;
    function askServer(text) {
      if (!page.source.search || !page.serverMode || text.trim().length < 2) return;
      var ticket = ++asked;
      clearTimeout(timer);
      timer = setTimeout(function () {
        page.source.search(text.trim()).then(function (answer) {
          if (ticket !== asked) return;
          var have = new Set(matches.map(function (m) { return m.id; }));
          answer.hits.forEach(function (hit) {
            if (!have.has(hit.id) && matches.length < 20) { hit.remote = !page.nodes.get(hit.id); matches.push(hit); }
          });
          render();
        }).catch(function () { /* the local matches stay */ });
      }, 120);
    }

    input.addEventListener("input", function () { asked += 1; matches = find(input.value); active = 0; render(); askServer(input.value); });
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
    var width = Math.max(box.clientWidth || 800, 520);
    var left = 190, right = 12, rowH = 24, bottom = 42;
    // Narrative labels sit in lanes above the rows, each joined to its line.
    var lanes = [];
    var colW = (width - left - right) / periods.length;
    var first = periods[0].start;
    var span = periods[periods.length - 1].end + 1 - first;
    function xOfYear(year) { return left + (year - first) / span * (width - left - right); }
    var marks = timeline.narratives.filter(function (n) { return n.year !== null && n.year !== undefined; }).map(function (n) {
      var x = xOfYear(n.year + 0.5);
      var label = "\u2605 " + n.name + " (" + n.year + ")";
      var textWidth = label.length * 6.2;
      var anchorEnd = x + 4 + textWidth > width - right;
      var from = anchorEnd ? x - 4 - textWidth : x + 4;
      var lane = 0;
      while (lane < lanes.length && lanes[lane] > from) lane += 1;
      lanes[lane] = from + textWidth + 8;
      return { n: n, x: x, label: label, anchorEnd: anchorEnd, lane: lane };
    });
    var laneH = 15;
    var top = 14 + Math.max(lanes.length, 1) * laneH + 8;
    var height = top + rows.length * rowH + bottom;
    var max = 1;
    rows.forEach(function (row) { row.counts.forEach(function (c) { if (c > max) max = c; }); });
    function radius(count) { return 4 + 7 * Math.sqrt(count / max); }

    var chart = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "Relaxes edges per constraint per period" });
    chart.appendChild(svg("rect", { class: "selection", x: 0, y: top - 6, width: 0, height: rows.length * rowH + 6, fill: "rgba(45,108,223,.12)", stroke: "#2d6cdf", "stroke-width": 1, visibility: "hidden" }));
    // Periods: columns that filter the graph to their years when clicked.
    periods.forEach(function (p, j) {
      var group = svg("g", { class: "period", "data-start": p.start, "data-end": p.end });
      group.appendChild(svg("rect", { class: "hit", x: left + j * colW, y: top - 6, width: colW, height: rows.length * rowH + 6, fill: j % 2 ? "#fafbfc" : "#ffffff", "fill-opacity": 0.6 }));
      group.appendChild(svg("text", { x: left + j * colW + colW / 2, y: top + rows.length * rowH + 14, "text-anchor": "middle", "font-size": 11, fill: "#5b6470" }, String(p.start)));
      group.appendChild(svg("title", {}, p.start + "–" + p.end + ": click to show these years"));
      group.addEventListener("click", function () { filterPeriod(p, null); });
      chart.appendChild(group);
    });
    // Rows: one per constraint, a bubble per period sized by the count, the count written in it.
    rows.forEach(function (row, i) {
      var y = top + i * rowH + rowH / 2;
      var hard = row.binding === "hard";
      chart.appendChild(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", "font-size": 12, fill: hard ? "#7b241c" : "#6e2c00", "font-weight": hard ? "600" : "400" }, row.name));
      chart.appendChild(svg("line", { x1: left, y1: y, x2: width - right, y2: y, stroke: "#eef0f3" }));
      row.counts.forEach(function (count, j) {
        if (!count) return;
        var p = periods[j];
        var inFocus = (p.focus || []).indexOf(row.id) !== -1;
        var cell = svg("g", { class: "cell" + (inFocus ? " in-focus" : ""), "data-constraint": row.id, "data-start": p.start, "data-count": count });
        var r = radius(count);
        var cx = left + j * colW + colW / 2;
        if (inFocus) cell.appendChild(svg("circle", { class: "focus-ring", cx: cx, cy: y, r: r + 3, fill: "none", stroke: "#1f2328", "stroke-width": 2 }));
        cell.appendChild(svg("circle", { cx: cx, cy: y, r: r, fill: hard ? "#c0392b" : "#e67e22", "fill-opacity": 0.85, stroke: hard ? "#7b241c" : "#d35400", "stroke-width": 1 }));
        cell.appendChild(svg("text", { class: "count", x: cx, y: y + 3.5, "text-anchor": "middle", "font-size": r >= 7 ? 10 : 8, fill: hard ? "#ffffff" : "#4a1d00", "font-weight": "600", "pointer-events": "none" }, String(count)));
        cell.appendChild(svg("title", {}, row.name + ", " + p.start + "–" + p.end + ": " + count + " advance(s) relaxed it" + (inFocus ? " (a constraint the narratives of this period focus on, as recorded)" : "")));
        cell.addEventListener("click", function (event) { event.stopPropagation(); filterPeriod(p, row.id); });
        chart.appendChild(cell);
      });
    });
    // Narratives: each label joined to its own line by a short leader.
    marks.forEach(function (m) {
      var labelY = 14 + m.lane * laneH;
      var mark = svg("g", { class: "narrative", "data-id": m.n.id });
      mark.appendChild(svg("line", { x1: m.x, y1: labelY - 4, x2: m.x, y2: top + rows.length * rowH, stroke: "#b07aa1", "stroke-width": 2, "stroke-dasharray": "5 3" }));
      mark.appendChild(svg("circle", { cx: m.x, cy: labelY - 4, r: 3, fill: "#7d3c98" }));
      mark.appendChild(svg("text", { x: m.anchorEnd ? m.x - 6 : m.x + 6, y: labelY, "text-anchor": m.anchorEnd ? "end" : "start", "font-size": 11, fill: "#7d3c98", "font-weight": "600" }, m.label));
      mark.appendChild(svg("title", {}, "Narrative: " + m.n.name + " (" + m.n.year + ")"));
      chart.appendChild(mark);
    });
    // The key: bubble sizes, the ring, the selection.
    var key = svg("g", { class: "size-key" });
    var keyY = height - 12;
    var x = left;
    key.appendChild(svg("text", { x: x, y: keyY + 4, "font-size": 11, fill: "#5b6470" }, "advances per period:"));
    x += 128;
    [1, Math.max(1, Math.round(max / 2)), max].filter(function (v, k, all) { return all.indexOf(v) === k; }).forEach(function (v) {
      var r = radius(v);
      key.appendChild(svg("circle", { cx: x + r, cy: keyY, r: r, fill: "#c0392b", "fill-opacity": 0.5, stroke: "#7b241c" }));
      key.appendChild(svg("text", { x: x + 2 * r + 4, y: keyY + 4, "font-size": 11, fill: "#5b6470" }, String(v)));
      x += 2 * r + 24;
    });
    key.appendChild(svg("circle", { cx: x + 8, cy: keyY, r: 7, fill: "none", stroke: "#1f2328", "stroke-width": 2 }));
    key.appendChild(svg("text", { x: x + 20, y: keyY + 4, "font-size": 11, fill: "#5b6470" }, "ring: the recorded focus of the narratives in force"));
    chart.appendChild(key);
    page.chart = chart;
    page.chartScale = { xOfYear: xOfYear, first: first, last: periods[periods.length - 1].end, left: left, right: width - right };
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
    // The selected year range, whatever it is, shaded across the rows.
    var band = page.chart.querySelector("rect.selection");
    var scale = page.chartScale;
    if (state.from === null && state.to === null) { band.setAttribute("visibility", "hidden"); return; }
    var from = Math.max(state.from === null ? scale.first : state.from, scale.first);
    var to = Math.min(state.to === null ? scale.last : state.to, scale.last);
    if (to < from) { band.setAttribute("visibility", "hidden"); return; }
    band.setAttribute("x", scale.xOfYear(from));
    band.setAttribute("width", Math.max(2, scale.xOfYear(to + 1) - scale.xOfYear(from)));
    band.setAttribute("visibility", "visible");
  }

  var ADOPTION_MIN_PAPERS = 20;

  function drawAdoption(adoption) {
    // With a linked corpus: per year, the share of its papers using the
    // techniques that relax each constraint (graph.answers.adoption_by_constraint).
    var box = document.getElementById("adoption");
    var chartBox = document.getElementById("adoption-chart");
    clear(chartBox);
    // A year with a handful of papers gives shares of 0 or 100%: noise, not a trend.
    var years = adoption && adoption.years ? adoption.years.filter(function (y) { return y.papers >= ADOPTION_MIN_PAPERS; }) : [];
    if (!adoption || !adoption.linked || years.length < 2) { box.hidden = true; return; }
    box.hidden = false;
    var width = Math.max(chartBox.clientWidth || 800, 520);
    var left = 44, right = 150, top = 10, h = 150, bottom = 22;
    var height = top + h + bottom;
    var y0 = years[0].year, y1 = years[years.length - 1].year;
    function x(year) { return left + (year - y0) / Math.max(1, y1 - y0) * (width - left - right); }
    var maxShare = 0.01;
    years.forEach(function (y) { Object.keys(y.shares).forEach(function (c) { maxShare = Math.max(maxShare, y.shares[c]); }); });
    function yOf(share) { return top + h - share / maxShare * h; }
    var chart = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "Share of papers per year using each constraint's techniques" });
    [0, maxShare / 2, maxShare].forEach(function (v) {
      chart.appendChild(svg("line", { x1: left, x2: width - right, y1: yOf(v), y2: yOf(v), stroke: "#eef0f3" }));
      chart.appendChild(svg("text", { x: left - 4, y: yOf(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6470" }, Math.round(v * 100) + "%"));
    });
    var palette = ["#c0392b", "#2d6cdf", "#27ae60", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d", "#d35400"];
    var labelsY = [];
    adoption.constraints.forEach(function (c, k) {
      var colour = palette[k % palette.length];
      var points = years.map(function (y) { return x(y.year) + "," + yOf(y.shares[c.id] || 0); }).join(" ");
      var line = svg("g", { class: "adoption-line", "data-constraint": c.id });
      line.appendChild(svg("polyline", { points: points, fill: "none", stroke: colour, "stroke-width": 2 }));
      years.forEach(function (y) {
        var dot = svg("circle", { cx: x(y.year), cy: yOf(y.shares[c.id] || 0), r: 2.5, fill: colour });
        dot.appendChild(svg("title", {}, c.name + ", " + y.year + ": " + (y.counts[c.id] || 0) + " of " + y.papers + " papers (" + Math.round((y.shares[c.id] || 0) * 1000) / 10 + "%)"));
        line.appendChild(dot);
      });
      var last = years[years.length - 1];
      labelsY.push({ y: yOf(last.shares[c.id] || 0), line: line, name: c.name, colour: colour });
      chart.appendChild(line);
    });
    // Each line's name at its end, spread apart so that none overlaps another.
    labelsY.sort(function (a, b) { return a.y - b.y; });
    labelsY.forEach(function (label, k) { if (k && label.y < labelsY[k - 1].y + 12) label.y = labelsY[k - 1].y + 12; });
    var overflow = labelsY.length ? labelsY[labelsY.length - 1].y - (top + h + 4) : 0;
    labelsY.forEach(function (label) {
      var y = overflow > 0 ? label.y - overflow : label.y;
      label.line.appendChild(svg("text", { x: width - right + 6, y: y + 4, "font-size": 11, fill: label.colour }, label.name));
    });
    [y0, Math.round((y0 + y1) / 2), y1].forEach(function (year) {
      chart.appendChild(svg("text", { x: x(year), y: height - 6, "text-anchor": "middle", "font-size": 11, fill: "#5b6470" }, String(year)));
    });
    chartBox.appendChild(chart);
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

  function download(href, name) {
    var link = el("a", { href: href, download: name });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
  }

  function exportPng() {
    var source = document.querySelector("#graph canvas");
    var canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    download(canvas.toDataURL("image/png"), "aiprogress-view.png");
  }

  function colourOf(value, fallback) {
    if (!value) return fallback;
    if (typeof value === "string") return value;
    return value.background || value.color || fallback;
  }

  function svgDocument() {
    // The nodes and edges drawn now, at their positions, as a scalable
    // picture: every node labelled, since an SVG is zoomed by its reader.
    var ids = visibleIds();
    var positions = page.network.getPositions(ids);
    var shown = new Set(ids);
    var xs = ids.map(function (id) { return positions[id].x; });
    var ys = ids.map(function (id) { return positions[id].y; });
    var pad = 120;
    var minX = Math.min.apply(null, xs) - pad, minY = Math.min.apply(null, ys) - pad;
    var width = Math.max.apply(null, xs) - minX + pad, height = Math.max.apply(null, ys) - minY + pad;
    var doc = svg("svg", { xmlns: SVG_NS, width: Math.round(width), height: Math.round(height), viewBox: [minX, minY, width, height].map(Math.round).join(" "), "font-family": "system-ui, sans-serif" });
    doc.appendChild(svg("rect", { x: minX, y: minY, width: width, height: height, fill: "#ffffff" }));
    doc.appendChild(svg("title", {}, "aiprogress: " + (document.getElementById("counts").textContent || "")));
    var edges = svg("g", { class: "edges" });
    page.edges.forEach(function (edge) {
      if (edge.hidden || !shown.has(edge.from) || !shown.has(edge.to)) return;
      var a = positions[edge.from], b = positions[edge.to];
      var line = { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: colourOf(edge.color, "#999999"), "stroke-width": edge.width || 1, "stroke-opacity": 0.8, "data-relation": edge.relation };
      if (edge.dashes && edge.dashes.join) line["stroke-dasharray"] = edge.dashes.join(" ");
      edges.appendChild(svg("line", line));
    });
    doc.appendChild(edges);
    var nodes = svg("g", { class: "nodes" });
    ids.forEach(function (id) {
      var node = page.nodes.get(id);
      var p = positions[id];
      var group = svg("g", { "data-id": id });
      var fill = colourOf(node.color, "#777777");
      var label = String(node.label || node.name);
      if (node.kind === "constraint") {
        var w = label.length * 12 + 24;
        group.appendChild(svg("rect", { x: p.x - w / 2, y: p.y - 18, width: w, height: 36, rx: 6, fill: fill, stroke: (node.color && node.color.border) || "#7b241c", "stroke-width": 3 }));
        group.appendChild(svg("text", { x: p.x, y: p.y + 7, "text-anchor": "middle", "font-size": 20, fill: (node.font && node.font.color) || "#ffffff" }, label));
      } else {
        var r = node.size || 10;
        group.appendChild(svg("circle", { cx: p.x, cy: p.y, r: r, fill: fill, stroke: "#ffffff", "stroke-width": 1 }));
        group.appendChild(svg("text", { x: p.x, y: p.y + r + 12, "text-anchor": "middle", "font-size": 11, fill: "#222222", stroke: "#ffffff", "stroke-width": 3, "paint-order": "stroke" }, label));
      }
      group.appendChild(svg("title", {}, node.name + (node.year ? " (" + node.year + ")" : "")));
      nodes.appendChild(group);
    });
    doc.appendChild(nodes);
    // XMLSerializer escapes every text: a title holding markup stays text.
    return new XMLSerializer().serializeToString(doc);
  }

  function exportSvg() {
    var text = svgDocument();
    var url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    download(url, "aiprogress-view.svg");
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
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
    var adoptionPromise = page.source.adoption().catch(function () { return null; });
    return loadView(page.source.embedded ? null : initial.toString()).then(function (data) {
      page.timings.data = performance.now();
      page.timings.script = SCRIPT_START;
      page.legend = data.legend;
      // Decided once, from the size of the store against the page's limit:
      // a narrowed answer must not make the page forget the store is large.
      var meta = data.meta || {};
      page.serverMode = !page.source.embedded && Boolean(meta.server_mode === undefined ? meta.total_nodes > meta.limit : meta.server_mode);
      buildControls();
      var drawn = createNetwork();
      page.visible = null;
      return refreshPath().then(function () { return refreshFocus(); }).then(function () {
        if (page.serverMode && page.path) return loadView(viewParams());
      }).then(function () {
        applyFilters();
        arrange();
        showSidePanel();
        return drawn;
      });
    }).then(function () {
      document.getElementById("loading").hidden = true;
      fitVisible();
      page.timings.stable = performance.now();
      var deepLink = null;
      if (state.node) {
        var node = state.node;
        if (page.nodes.get(node)) {
          page.network.selectNodes([node]);
          showDetails(node);
        } else {
          deepLink = selectNode(node, { center: true });
        }
      }
      window.addEventListener("hashchange", function () {
        var next = readHash();
        if (stateParams(true).toString() === new URLSearchParams(location.hash.replace(/^#/, "")).toString()) return;
        state = next;
        update().then(function () { if (state.node) selectNode(state.node, { center: true }); });
      });
      return Promise.all([timelinePromise, adoptionPromise, deepLink]);
    }).then(function (answers) {
      drawChart(answers[0]);
      drawAdoption(answers[1]);
      window.addEventListener("resize", function () {
        if (page.timeline) drawChart(page.timeline);
      });
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
    selectNode: function (id) { return selectNode(id, { center: true }); },
    svg: function () { return svgDocument(); },
    labelsDrawn: function () { return (page.labelsDrawn || []).slice(); }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
