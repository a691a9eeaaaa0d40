/* Frontline live map. Hand-written, no framework, no request leaving the origin.
 *
 * Reads: /api/geo/{theatre} (precomputed SVG paths: Afghanistan's districts, or the country
 * outlines around any ISO3 country, or the world), /api/geo-names, /api/control (?as_of=),
 * /api/control/{key}, /api/withdrawals, /api/claims, /api/activity, /api/status (polled).
 *
 * A theatre is a country (its ISO3 code) or the world overview; the selector offers the
 * countries the control table has rows in. Places with coordinates are points (circles;
 * squares for whole countries; dashed rings for reports about parts of a country or
 * province), filled like the polygons: solid controlled, hatched claimed, cross-hatched
 * contested. A state resting on an event dated only by ingestion time has a dotted outline.
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var POLL_MS = 3000;
  var PAGE_LIMIT = 500;
  var MAX_PAGES = 40;
  var TIMELINE_START = "2001-01-01";
  var DAY_MS = 86400000;

  // Okabe–Ito, colour-blind safe. Fixed colours for the actors that matter most, the rest
  // drawn from what is left, in a stable order.
  var OKABE_ITO = ["#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#0072B2", "#D55E00", "#000000"];
  // Theatres with more sides than Okabe–Ito has colours draw on Paul Tol's muted scheme.
  var TOL_MUTED = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255"];
  var PALETTE = OKABE_ITO.concat(TOL_MUTED);
  var FIXED_COLOURS = {
    "AFG-FORCES": "#0072B2",
    "TALIBAN": "#D55E00",
    "ISKP": "#CC79A7",
    "ISIS": "#CC79A7",
    "IS-K": "#CC79A7",
    "NATO": "#56B4E9",
    "ISAF": "#56B4E9",
    "USA": "#009E73",
    "NRF": "#E69F00",
    "RUS": "#D55E00",
    "UKR-FORCES": "#0072B2"
  };
  var UNKNOWN_FILL = "#dcdcdc";

  var WORLD = "world";
  var POINT_R = 8;

  var state = {
    theatre: document.body.getAttribute("data-theatre") || "afghanistan",
    geo: null,
    allRows: {},        // every control row (all theatres), place_key -> row
    names: {},          // ISO3 -> country name
    points: {},         // place_key -> point element
    rows: {},           // place_key -> ControlRow as shown (live or as of)
    actors: {           // code -> Actor (for names and the legend)
      "AFG-FORCES": { code: "AFG-FORCES", name: "Afghan security forces" },
      "TALIBAN": { code: "TALIBAN", name: "Taliban" }
    },
    colourOf: {},
    asOf: null,         // "YYYY-MM-DD" or null for live
    selected: null,
    seq: 0,
    refreshing: false,
    lastHeard: null,
    lastStatus: null,
    lastBodies: {},
    playing: null,
    paths: {}           // pcode -> path element
  };

  // ------------------------------------------------------------------ helpers

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "onclick") node.addEventListener("click", v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
  }

  function append(node, children) {
    if (children === null || children === undefined) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      if (Array.isArray(c)) { append(node, c); return; }
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    });
  }

  function mark(name) {
    try { if (window.performance && performance.mark) performance.mark(name); } catch (e) { /* ignore */ }
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function fetchJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" }).then(function (r) {
      if (r.status === 404) return { __missing: true, __status: 404 };
      if (!r.ok) throw new Error(url + " → HTTP " + r.status);
      return r.text().then(function (t) {
        var body = t ? JSON.parse(t) : null;
        if (body && typeof body === "object") body.__text = t;
        return body;
      });
    });
  }

  function qs(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined && params[k] !== "") {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  // All pages of a list endpoint ({items,total,limit,offset,next_cursor}).
  function fetchAll(path, params) {
    var items = [];
    var text = "";
    function page(n, offset, cursor) {
      var p = Object.assign({}, params, { limit: PAGE_LIMIT });
      if (cursor) p.cursor = cursor; else p.offset = offset;
      return fetchJSON(path + qs(p)).then(function (body) {
        if (!body || body.__missing) return { items: items, missing: true, text: "" };
        var got = Array.isArray(body) ? body : (body.items || []);
        items = items.concat(got);
        text += body.__text || "";
        var total = typeof body.total === "number" ? body.total : null;
        var more = got.length > 0 && n + 1 < MAX_PAGES &&
          (body.next_cursor ? true : (total !== null && items.length < total));
        if (more) return page(n + 1, items.length, body.next_cursor || null);
        return { items: items, missing: false, text: text };
      });
    }
    return page(0, 0, null);
  }

  function isoDay(d) { return d.toISOString().slice(0, 10); }
  function parseDay(s) { return new Date(s + "T00:00:00Z"); }
  function dayIndex(s) { return Math.round((parseDay(s) - parseDay(TIMELINE_START)) / DAY_MS); }
  function dayOf(i) { return isoDay(new Date(parseDay(TIMELINE_START).getTime() + i * DAY_MS)); }
  function todayISO() { return isoDay(new Date()); }

  function fmtTime(iso) {
    if (!iso) return "never";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function fmtNum(n) {
    if (n === null || n === undefined) return "—";
    return Number(n).toLocaleString("en-US");
  }

  function actorName(actor) {
    if (!actor) return "—";
    if (typeof actor === "string") return (state.actors[actor] && state.actors[actor].name) || actor;
    return actor.name || actor.code;
  }

  function code(actor) {
    if (!actor) return null;
    return typeof actor === "string" ? actor : actor.code;
  }

  function noteActor(actor) {
    if (actor && typeof actor === "object" && actor.code) state.actors[actor.code] = actor;
  }

  function colourFor(actorCode) {
    if (!actorCode) return UNKNOWN_FILL;
    if (state.colourOf[actorCode]) return state.colourOf[actorCode];
    var colour = FIXED_COLOURS[actorCode];
    if (!colour) {
      var used = {};
      Object.keys(state.colourOf).forEach(function (k) { used[state.colourOf[k]] = true; });
      var free = PALETTE.filter(function (c) { return !used[c] && !isFixedFor(c); });
      if (!free.length) free = PALETTE;
      var h = 0;
      for (var i = 0; i < actorCode.length; i++) h = (h * 31 + actorCode.charCodeAt(i)) >>> 0;
      colour = free[h % free.length];
    }
    state.colourOf[actorCode] = colour;
    return colour;
  }

  function isFixedFor(c) {
    return Object.keys(FIXED_COLOURS).some(function (k) { return FIXED_COLOURS[k] === c; });
  }

  function safeId(s) { return String(s || "none").replace(/[^A-Za-z0-9_-]/g, "_"); }

  // ------------------------------------------------------------------ state of a place

  // The shown state of a row: live, or as of state.asOf. The server answers ?as_of= itself;
  // when the row still carries its transition history we fold it here too, so the page gives
  // the same answer either way.
  function shownState(row) {
    if (!row) return null;
    var s = {
      status: row.status || null,
      controller: code(row.controller),
      contender: code(row.contender),
      claim_status: row.claim_status || null,
      since: row.since || null,
      date_basis: row.date_basis || null
    };
    if (state.asOf && Array.isArray(row.history) && row.history.length) {
      var last = null;
      row.history.forEach(function (t) { if (t.event_date <= state.asOf) last = t; });
      if (!last) return null;  // nothing known yet on that day
      {
        s = { status: last.status, controller: last.controller || null, contender: last.contender || null,
          claim_status: last.claim_status || null, since: last.event_date, date_basis: last.date_basis || null };
      }
    } else if (state.asOf && row.first_event_date && row.first_event_date > state.asOf) {
      return null;
    }
    if (!s.status) return null;
    return s;
  }

  function fillFor(s) {
    if (!s) return UNKNOWN_FILL;
    var a = s.controller || s.contender;
    if (s.status === "controlled") return colourFor(a);
    if (s.status === "contested") return "url(#" + ensurePattern("contested", s.controller, s.contender) + ")";
    if (s.status === "claimed") return "url(#" + ensurePattern("claimed", a, null) + ")";
    return UNKNOWN_FILL;
  }

  var defs = null;
  var patterns = {};

  // contested: cross-hatch, one direction per side; claimed: single-direction hatching on white.
  function ensurePattern(kind, a, b, target) {
    var id = "pat-" + kind + "-" + safeId(a) + "-" + safeId(b);
    var holder = target || defs;
    if (!holder) return id;
    if (!target && patterns[id]) return id;
    var ca = colourFor(a);
    var cb = b ? colourFor(b) : ca;
    var p = svg("pattern", { id: id, patternUnits: "userSpaceOnUse", width: kind === "claimed" ? 6 : 7,
      height: kind === "claimed" ? 6 : 7, patternTransform: "rotate(45)" });
    if (kind === "contested") {
      p.appendChild(svg("rect", { width: 7, height: 7, fill: "#f7f7f7" }));
      p.appendChild(svg("rect", { x: 0, y: 0, width: 2.6, height: 7, fill: ca }));
      p.appendChild(svg("rect", { x: 0, y: 0, width: 7, height: 2.6, fill: cb }));
    } else {
      p.appendChild(svg("rect", { width: 6, height: 6, fill: "#ffffff" }));
      p.appendChild(svg("rect", { x: 0, y: 0, width: 2.2, height: 6, fill: ca }));
    }
    holder.appendChild(p);
    if (!target) patterns[id] = true;
    return id;
  }

  // ------------------------------------------------------------------ map

  function drawMap(geo) {
    var host = $("map");
    clear(host);
    state.paths = {};
    state.points = {};
    provinceNames = null;
    patterns = {};
    var root = svg("svg", { viewBox: geo.viewBox, role: "group", "aria-label": "Map of " + geo.name,
      "data-theatre": geo.theatre, "data-country": geo.country || "", "data-kind": geo.kind || "boundaries",
      preserveAspectRatio: "xMidYMid meet" });
    defs = svg("defs");
    root.appendChild(defs);
    if (geo.kind === "world" || geo.kind === "country") {
      drawOutlines(root, geo);
    } else {
      drawBoundaries(root, geo);
    }
    state.pointLayer = svg("g", { "class": "points", "data-layer": "points" });
    root.appendChild(state.pointLayer);
    host.appendChild(root);
    host.setAttribute("data-ready", "true");
    host.setAttribute("data-theatre", theatreCountry(geo));
    mark("frontline-map-drawn");
    $("attribution").textContent = geo.attribution || "";
    $("offmap-h").textContent = geo.kind === "world" ? "Places without coordinates" : "Places not on the map";
  }

  // Natural Earth outlines: background shapes, the theatre's country picked out; in the
  // world overview a country with reports opens its theatre when clicked.
  function drawOutlines(root, geo) {
    var g = svg("g", { "class": "countries", "data-layer": "countries" });
    geo.layers.countries.forEach(function (f) {
      var own = geo.country && f.pcode === geo.country;
      var p = svg("path", { d: f.d, "class": "country" + (own ? " theatre" : ""), "data-iso3": f.pcode,
        "data-name": f.name });
      p.appendChild(svg("title", { text: f.name }));
      if (geo.kind === "world") {
        p.addEventListener("click", function () { if (hasRows(f.pcode)) setTheatre(f.pcode); });
      }
      g.appendChild(p);
    });
    root.appendChild(g);
    if (geo.kind === "country") {
      var labels = svg("g", { "class": "labels", "aria-hidden": "true" });
      geo.layers.countries.forEach(function (f) {
        if (f.cx !== undefined && f.pcode === geo.country) labels.appendChild(svg("text", { x: f.cx, y: f.cy + 3, text: f.name }));
      });
      root.appendChild(labels);
    }
  }

  function drawBoundaries(root, geo) {
    var layerNames = Object.keys(geo.layers);
    var top = layerNames[0];
    layerNames.forEach(function (name, i) {
      var g = svg("g", { "class": "layer " + name, "data-layer": name });
      geo.layers[name].forEach(function (f) {
        var label = f.name + (f.parent ? " (" + provinceName(f.parent) + ")" : "") + ", " + f.pcode;
        var p = svg("path", {
          d: f.d,
          "class": "place " + (i === 0 ? "province" : "district"),
          "data-pcode": f.pcode,
          "data-name": f.name,
          "data-level": geo.levels[name] || name,
          "data-parent": f.parent || null,
          "data-status": "unknown",
          "data-controller": "",
          "data-fill": UNKNOWN_FILL,
          fill: UNKNOWN_FILL,
          tabindex: i === 0 ? "0" : "-1",
          role: "button",
          "aria-label": label + ": no reports"
        });
        p.addEventListener("click", function () { select(f.pcode); });
        p.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(f.pcode); }
        });
        p.appendChild(svg("title", { text: label }));
        state.paths[f.pcode] = p;
        g.appendChild(p);
      });
      root.appendChild(g);
    });
    // Province borders over the districts, and labels.
    var outlines = svg("g", { "class": "outlines", "aria-hidden": "true" });
    var labels = svg("g", { "class": "labels", "aria-hidden": "true" });
    geo.layers[top].forEach(function (f) {
      outlines.appendChild(svg("path", { d: f.d }));
      if (f.cx !== undefined) labels.appendChild(svg("text", { x: f.cx, y: f.cy + 3, text: f.name }));
    });
    root.appendChild(outlines);
    root.appendChild(labels);
  }

  function theatreCountry(geo) { return geo ? (geo.country || (geo.kind === "world" ? WORLD : geo.theatre)) : ""; }

  function hasRows(iso3) {
    return Object.keys(state.allRows).some(function (k) { return state.allRows[k].country === iso3; });
  }

  // lon/lat -> SVG user units of the drawn map; null outside the view.
  function project(place) {
    var pr = state.geo && state.geo.projection;
    if (!pr || !place || place.lat === null || place.lat === undefined || place.lon === null || place.lon === undefined) return null;
    var x = (place.lon - pr.min_lon) * pr.kx * pr.scale;
    var y = (pr.max_lat - place.lat) * pr.scale;
    if (x < 0 || y < 0 || x > state.geo.width || y > state.geo.height) return null;
    return { x: x, y: y };
  }

  // The rows of the theatre shown: its country's (every row in the world overview).
  function inTheatre(row) {
    var c = theatreCountry(state.geo);
    return c === WORLD || !c || row.country === c;
  }

  var provinceNames = null;
  function provinceName(pcode) {
    if (!provinceNames) {
      provinceNames = {};
      if (state.geo) {
        var first = Object.keys(state.geo.layers)[0];
        state.geo.layers[first].forEach(function (f) { provinceNames[f.pcode] = f.name; });
      }
    }
    return provinceNames[pcode] || pcode;
  }

  function placeLabel(key) {
    var p = state.paths[key];
    if (p) return p.getAttribute("data-name");
    var row = state.rows[key];
    return row && row.place ? row.place.name : key;
  }

  function describe(s) {
    if (!s) return "no reports";
    if (s.status === "controlled") return "controlled by " + actorName(s.controller) + (s.since ? " since " + s.since : "");
    if (s.status === "contested") {
      return "contested" + (s.controller ? " (" + actorName(s.controller) : "") +
        (s.contender ? (s.controller ? " vs " : " (") + actorName(s.contender) : "") +
        (s.controller || s.contender ? ")" : "") + (s.since ? " since " + s.since : "");
    }
    if (s.status === "claimed") return "claimed by " + actorName(s.controller || s.contender) + " (claim only)" + (s.since ? " since " + s.since : "");
    return s.status;
  }

  function paint() {
    if (!state.geo) return;
    Object.keys(state.paths).forEach(function (pcode) {
      var p = state.paths[pcode];
      var row = state.rows[pcode];
      var s = shownState(row);
      var fill = fillFor(s);
      var isDistrict = p.classList.contains("district");
      p.setAttribute("fill", isDistrict && !s ? "none" : fill);
      p.setAttribute("data-fill", fill);
      p.setAttribute("data-status", s ? s.status : "unknown");
      p.setAttribute("data-controller", s && s.controller ? s.controller : "");
      p.setAttribute("data-contender", s && s.contender ? s.contender : "");
      p.setAttribute("data-claim-status", s && s.claim_status ? s.claim_status : "");
      p.setAttribute("data-since", s && s.since ? s.since : "");
      if (isDistrict) p.setAttribute("tabindex", s ? "0" : "-1");
      var base = p.getAttribute("data-name") + ", " + pcode;
      p.setAttribute("aria-label", base + ": " + describe(s));
      p.classList.toggle("selected", state.selected === pcode);
    });
    paintPoints();
    drawLegend();
    drawOffMap();
    explainEmpty(state.asOf);
    $("map").setAttribute("data-rows", String(Object.keys(state.rows).length));
  }

  // Places at their coordinates, in the view, not already drawn as a polygon.
  function paintPoints() {
    var layer = state.pointLayer;
    if (!layer) return;
    var world = state.geo && state.geo.kind === "world";
    var seen = {};
    // Reports about parts of a unit first, so the unit's own mark stays on top.
    Object.keys(state.rows).sort(function (a, b) {
      var pa = state.rows[a].part_of ? 0 : 1, pb = state.rows[b].part_of ? 0 : 1;
      return pa - pb || (a < b ? -1 : a > b ? 1 : 0);
    }).forEach(function (key) {
      if (state.paths[key]) return;
      var row = state.rows[key];
      var at = project(row.place);
      if (!at) return;
      seen[key] = true;
      var s = shownState(row);
      var kind = row.place ? row.place.kind : "";
      var shape = kind === "country" ? "square" : row.part_of ? "part" : "point";
      var r = (world ? 0.55 : 1) * (shape === "part" ? POINT_R * 1.5 : POINT_R);
      var node = state.points[key];
      if (!node || node.getAttribute("data-shape") !== shape) {
        if (node) node.parentNode.removeChild(node);
        node = shape === "square"
          ? svg("rect", { width: 2 * r, height: 2 * r })
          : svg("circle", { r: r });
        node.setAttribute("class", "place point " + shape);
        node.setAttribute("data-place-key", key);
        node.setAttribute("data-shape", shape);
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.appendChild(svg("title", { text: row.place ? row.place.name : key }));
        node.addEventListener("click", function () { select(key); });
        node.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(key); }
        });
        layer.appendChild(node);
        state.points[key] = node;
      }
      if (shape === "square") { node.setAttribute("x", (at.x - r).toFixed(1)); node.setAttribute("y", (at.y - r).toFixed(1)); }
      else { node.setAttribute("cx", at.x.toFixed(1)); node.setAttribute("cy", at.y.toFixed(1)); }
      var fill = s ? fillFor(s) : "#ffffff";
      node.setAttribute("fill", fill);
      node.setAttribute("data-fill", fill);
      node.setAttribute("data-kind", kind);
      node.setAttribute("data-country", row.country || "");
      node.setAttribute("data-status", s ? s.status : "unknown");
      node.setAttribute("data-controller", s && s.controller ? s.controller : "");
      node.setAttribute("data-contender", s && s.contender ? s.contender : "");
      node.setAttribute("data-claim-status", s && s.claim_status ? s.claim_status : "");
      node.setAttribute("data-date-basis", s && s.date_basis ? s.date_basis : "");
      node.setAttribute("aria-label", (row.place ? row.place.name : key) + ", " + key + ": " + describe(s) + basisNote(s));
      node.classList.toggle("ingestion", !!(s && s.date_basis === "ingestion"));
      node.classList.toggle("unknown", !s);
      node.classList.toggle("selected", state.selected === key);
    });
    Object.keys(state.points).forEach(function (key) {
      if (seen[key]) return;
      var node = state.points[key];
      if (node.parentNode) node.parentNode.removeChild(node);
      delete state.points[key];
    });
    $("map").setAttribute("data-points", String(Object.keys(state.points).length));
  }

  function basisNote(s) {
    return s && s.date_basis === "ingestion" ? " (dated only by when the article was read)" : "";
  }

  // No rows: say why the map is grey (no events at all yet, or none up to the chosen day).
  function explainEmpty(asOf) {
    var box = $("empty-state");
    var none = Object.keys(state.rows).length === 0;
    box.hidden = !none;
    box.setAttribute("data-kind", asOf ? "as-of" : "no-events");
    $("empty-live").hidden = !!asOf;
    $("empty-asof").hidden = !asOf;
    if (asOf) $("empty-asof-day").textContent = asOf;
  }

  function drawLegend() {
    var host = $("legend");
    clear(host);
    var present = {};
    Object.keys(state.rows).forEach(function (k) {
      if (!state.paths[k] && !state.points[k]) return;
      var s = shownState(state.rows[k]);
      if (s && s.controller) present[s.controller] = true;
      if (s && s.contender) present[s.contender] = true;
    });
    if (theatreCountry(state.geo) === "AFG") ["AFG-FORCES", "TALIBAN"].forEach(function (c) { present[c] = true; });
    append(host, el("span", { "class": "group", text: "Controller:" }));
    Object.keys(present).sort().forEach(function (c) {
      append(host, el("span", { "class": "item", "data-actor": c }, [swatch("controlled", c), actorName(c)]));
    });
    append(host, el("span", { "class": "group", text: "Status:" }));
    append(host, el("span", { "class": "item" }, [swatch("controlled", "TALIBAN"), "controlled (solid)"]));
    append(host, el("span", { "class": "item" }, [swatch("contested", "AFG-FORCES", "TALIBAN"), "contested (cross-hatch)"]));
    append(host, el("span", { "class": "item" }, [swatch("claimed", "TALIBAN"), "claimed only (hatching)"]));
    append(host, el("span", { "class": "item" }, [swatch(null), "no knowledge"]));
    append(host, el("span", { "class": "item", text: "● place · ■ whole country · ◌ parts of a country or province · dotted outline: dated only by ingestion time" }));
  }

  function swatch(kind, a, b) {
    var s = svg("svg", { viewBox: "0 0 22 14", "aria-hidden": "true" });
    var d = svg("defs");
    s.appendChild(d);
    var fill = UNKNOWN_FILL;
    if (kind === "controlled") fill = colourFor(a);
    else if (kind) fill = "url(#" + ensurePattern(kind, a, b, d) + ")";
    // Pattern ids inside swatches repeat the map's; give them their own namespace.
    if (kind && kind !== "controlled") {
      var pat = d.firstChild;
      var id = "lg-" + pat.getAttribute("id");
      pat.setAttribute("id", id);
      fill = "url(#" + id + ")";
    }
    s.appendChild(svg("rect", { width: 22, height: 14, fill: fill }));
    return s;
  }

  function drawOffMap() {
    var host = $("offmap-list");
    clear(host);
    var keys = Object.keys(state.rows).filter(function (k) {
      return !state.paths[k] && !state.points[k] && inTheatre(state.rows[k]);
    }).sort();
    if (!keys.length) { host.appendChild(el("li", { "class": "none", text: "None yet." })); return; }
    keys.forEach(function (k) {
      var row = state.rows[k];
      var s = shownState(row);
      var name = row.place ? row.place.name : k;
      host.appendChild(el("li", { "data-place-key": k, "data-status": s ? s.status : "unknown",
        "data-controller": s && s.controller ? s.controller : "" }, [
        el("button", { type: "button", text: name, onclick: function () { select(k); } }),
        " — " + (row.place ? row.place.kind.replace("_", " ") + ", " : ""),
        s ? describe(s) + " " : "no state on that day ",
        s && s.claim_status ? el("span", { "class": "badge " + s.claim_status, text: s.claim_status }) : null
      ]));
    });
  }

  // ------------------------------------------------------------------ place panel

  function select(key) {
    state.selected = key;
    Object.keys(state.paths).forEach(function (k) { state.paths[k].classList.toggle("selected", k === key); });
    Object.keys(state.points).forEach(function (k) { state.points[k].classList.toggle("selected", k === key); });
    renderPlace(key, state.rows[key] || null, true);
    fetchJSON("/api/control/" + encodeURIComponent(key)).then(function (row) {
      if (state.selected !== key) return;
      renderPlace(key, row && !row.__missing ? row : (state.rows[key] || null), false);
    }).catch(function () { /* keep the list row */ });
  }

  function renderPlace(key, row, provisional) {
    var body = $("place-body");
    clear(body);
    var path = state.paths[key];
    var name = path ? path.getAttribute("data-name") : (row && row.place ? row.place.name : key);
    var level = path ? path.getAttribute("data-level") : (row && row.place ? row.place.kind : "");
    var parent = path ? path.getAttribute("data-parent") : null;
    $("place-h").textContent = name;
    body.setAttribute("data-place-key", key);
    append(body, el("p", { "class": "hint" }, [
      (level === "adm1" ? "Province" : level === "adm2" ? "District" : String(level || "").replace("_", " ")) + " · " + key +
      (parent ? " · " + provinceName(parent) + " province" : "") +
      (row && row.country ? " · " + countryName(row.country) : "")
    ]));
    if (row && row.part_of) {
      append(body, el("p", { "class": "hint", "data-testid": "part-of" }, "Reports about part of " +
        (row.part_of.indexOf("iso3166:") === 0 ? countryName(row.country) : row.part_of) +
        " (large parts, several towns): they never make a controller of the whole."));
    }
    if (!row) {
      var provRow = parent ? state.rows[parent] : null;
      append(body, el("p", { text: "No reports about this place" + (state.asOf ? " up to " + state.asOf : "") + "." }));
      if (provRow) {
        append(body, el("p", {}, ["Its province: ", describe(shownState(provRow)), " ",
          el("button", { type: "button", text: "Show " + provinceName(parent), onclick: function () { select(parent); } })]));
      }
      return;
    }
    noteActor(row.controller); noteActor(row.contender);
    var s = shownState(row);
    var live = { status: row.status, controller: code(row.controller), contender: code(row.contender),
      claim_status: row.claim_status, since: row.since };
    var facts = el("dl", { "class": "facts", "data-testid": "place-facts" });
    function fact(k, v) { append(facts, [el("dt", { text: k }), el("dd", {}, v)]); }
    if (state.asOf) fact("As of " + state.asOf, s ? describe(s) : "no reports yet");
    fact("Status", [el("span", { "class": "badge " + live.status, "data-testid": "place-status", text: live.status }),
      live.claim_status ? [" ", el("span", { "class": "badge " + live.claim_status, text: live.claim_status })] : null]);
    fact("Controller", live.controller ? [el("span", { "class": "swatch", style: "background:" + colourFor(live.controller) }),
      " " + actorName(row.controller)] : "—");
    if (live.contender) fact("Contender", [el("span", { "class": "swatch", style: "background:" + colourFor(live.contender) }), " " + actorName(row.contender)]);
    fact("Since", live.since || "—");
    fact("Dated by", row.date_basis === "ingestion"
      ? el("span", { "class": "badge ingestion", "data-testid": "date-basis", text: "ingestion time only" })
      : el("span", { "data-testid": "date-basis", text: row.date_basis === "dateline" ? "the article's dateline" : "the article's date" }));
    fact("Last report", row.last_event_date || "—");
    fact("Reports", fmtNum(row.reports) + (row.events ? " (" + fmtNum(row.events) + " distinct events)" : ""));
    if (row.sources && row.sources.names && row.sources.names.length) {
      fact("Sources", row.sources.names.join(", ") + (row.sources.overflow ? " +" + row.sources.overflow : ""));
    }
    if (row.pending_claim) {
      var pc = row.pending_claim;
      fact("Pending claim", [actorName(pc.actor) + " " + pc.change + " (" + pc.event_date + ") ",
        el("span", { "class": "badge claim", text: pc.claim_status })]);
    }
    append(body, facts);

    if (row.evidence) {
      append(body, el("h3", { "class": "sub", text: "Evidence" }));
      append(body, evidenceBlock(row.evidence.text, row.evidence, "evidence"));
    }
    var others = (row.observations || []).filter(function (o) {
      return o.evidence_text && (!row.evidence || o.event_id !== row.evidence.event_id);
    }).slice(-8).reverse();
    if (others.length) {
      append(body, el("h3", { "class": "sub", text: "Other reports" }));
      others.forEach(function (o) {
        append(body, evidenceBlock(o.evidence_text, {
          source: o.source, published_at: o.published_at, event_date: o.event_date, date_basis: o.date_basis,
          article_id: o.article_id, claim_status: o.claim_status,
          prefix: actorName(o.actor) + " " + o.change
        }, "other-evidence"));
      });
    }
    var hist = row.history || [];
    append(body, el("h3", { "class": "sub", text: "History" }));
    if (!hist.length) {
      append(body, el("p", { "class": "none", text: provisional ? "Loading…" : "No transitions recorded." }));
    } else {
      var tb = el("tbody");
      hist.slice().reverse().forEach(function (t) {
        var future = state.asOf && t.event_date > state.asOf;
        append(tb, el("tr", { style: future ? "opacity:.45" : null }, [
          el("td", { text: t.event_date }),
          el("td", {}, [el("span", { "class": "badge " + t.status, text: t.status })]),
          el("td", { text: t.controller ? actorName(t.controller) : "—" }),
          el("td", { text: (t.change || "") + (t.contender ? " vs " + actorName(t.contender) : "") +
            (t.claim_status ? " (" + t.claim_status + ")" : "") })
        ]));
      });
      append(body, el("table", { "class": "hist", "data-testid": "history" }, [
        el("thead", {}, el("tr", {}, ["Date", "Status", "Controller", "Change (basis)"].map(function (h) { return el("th", { text: h }); }))),
        tb
      ]));
    }
    append(body, el("p", { "class": "evidence-meta" }, [el("a", { href: "/api/control/" + encodeURIComponent(key), text: "JSON of this row" })]));
  }

  function evidenceBlock(text, ref, testid) {
    var meta = [];
    if (ref.prefix) meta.push(ref.prefix);
    if (ref.source) meta.push(ref.source);
    if (ref.published_at) meta.push("published " + String(ref.published_at).slice(0, 10));
    if (ref.event_date) meta.push("event " + ref.event_date + (ref.date_basis === "ingestion" ? " (ingestion time, the article had no date)" : ""));
    var art = ref.article_id ? (/^https?:\/\//.test(ref.article_id)
      ? el("a", { href: ref.article_id, rel: "noopener noreferrer", text: ref.article_id })
      : el("span", { "class": "article-id", title: "article id", text: "article " + ref.article_id })) : null;
    return el("div", { "class": "evidence-item", "data-testid": testid }, [
      el("blockquote", { "class": "evidence", text: "“" + text + "”" }),
      el("div", { "class": "evidence-meta" }, [meta.join(" · "), meta.length ? " · " : "", art,
        ref.claim_status ? [" ", el("span", { "class": "badge " + ref.claim_status, text: ref.claim_status })] : null])
    ]);
  }

  // ------------------------------------------------------------------ side panels

  function drawClaims(items) {
    var host = $("claims-list");
    clear(host);
    var theatre = theatreCountry(state.geo);
    if (theatre && theatre !== WORLD) items = items.filter(function (c) { return !c.country || c.country === theatre; });
    if (!items.length) { host.appendChild(el("li", { "class": "none", text: "No claims yet." })); return; }
    items.slice().sort(function (a, b) { return (b.event_date || "").localeCompare(a.event_date || ""); }).forEach(function (c) {
      noteActor(c.actor); noteActor(c.claimant);
      var who = c.claimant ? actorName(c.claimant) : actorName(c.actor);
      var pct = Math.round(Number(c.territory_share_percent) * 10) / 10;
      var whose = c.claimant && code(c.claimant) !== code(c.actor) ? " for " + actorName(c.actor) : "";
      var text = who + " claim" + (c.claimant ? "" : "ed") + " " + pct + "%" + whose + " of " +
        (c.country ? countryName(c.country) + "'s" : "the") + " territory";
      host.appendChild(el("li", { "data-actor": code(c.actor), "data-percent": String(pct),
        "data-claim-status": c.claim_status, "data-testid": "claim" }, [
        el("span", { "class": "swatch", style: "background:" + colourFor(code(c.actor)) }), " ",
        el("strong", { text: text }), " — ",
        el("span", { "class": "badge claim", text: "claim" }), " ",
        el("span", { "class": "hint", text: (c.claim_status || "") + (c.event_date ? ", " + c.event_date : "") +
          (c.history && c.history.length > 1 ? " · " + c.history.length + " claims on record" : "") +
          " · not a confirmed share; the map colours only places reported individually" })
      ]));
    });
  }

  function drawWithdrawals(items) {
    var host = $("withdrawals");
    clear(host);
    var c = theatreCountry(state.geo);
    if (c && c !== WORLD) items = items.filter(function (w) { return w.country === c; });
    if (!items.length) { host.appendChild(el("p", { "class": "none", text: "No withdrawals reported yet." })); return; }
    var list = el("ul", { "class": "claims wd-list" });
    items.slice().sort(function (a, b) { return (b.last_event_date || "").localeCompare(a.last_event_date || ""); }).forEach(function (w) {
      noteActor(w.actor);
      var pct = w.percent_complete === null || w.percent_complete === undefined ? null : Number(w.percent_complete);
      var facts = [];
      facts.push(pct === null ? "— % complete" : pct + "% complete");
      facts.push("withdrawn " + fmtNum(w.troops));
      facts.push("remaining " + fmtNum(w.remaining_troops));
      facts.push("deadline " + (w.deadline ? fmtDeadline(w.deadline, w.deadline_precision) : "—"));
      var from = w.country && w.country !== "XXX" ? countryName(w.country) : "a place not named";
      append(list, el("li", { "data-actor": w.actor_code, "data-country": w.country || "", "data-key": w.key || "",
        "data-status": w.status, "data-date-basis": w.date_basis || "", "data-testid": "withdrawal" }, [
        el("span", { "class": "swatch", style: "background:" + colourFor(w.actor_code) }), " ",
        el("strong", { text: actorName(w.actor) + " from " + from }), " ",
        el("span", { "class": "badge", text: w.status }),
        el("span", { "class": "hint", text: " since " + (w.status_date || "—") }),
        w.date_basis === "ingestion" ? [" ", el("span", { "class": "badge ingestion", text: "ingestion-dated" })] : null,
        el("div", { "class": "wd-bar", role: "img", "aria-label": pct === null ? "percent complete unknown" : pct + "% complete" },
          el("span", { style: "width:" + (pct === null ? 0 : Math.max(0, Math.min(100, pct))) + "%" })),
        el("div", { "class": "hint", text: facts.join(" · ") })
      ]));
    });
    append(host, list);
  }

  function fmtDeadline(d, precision) {
    if (precision === "year") return d.slice(0, 4);
    if (precision === "month") return d.slice(0, 7);
    return d;
  }

  function drawActivity(items) {
    var host = $("activity");
    clear(host);
    var groups = {};
    var seen = {};
    var theatre = theatreCountry(state.geo);
    items.forEach(function (w) {
      if (!w || !w.group || !w.window_start) return;
      if (theatre !== WORLD && w.country && w.country !== theatre) return;  // this theatre's groups
      var id = w.group + "|" + w.window_start;
      if (seen[id]) { if ((w.count || 0) > (seen[id].count || 0)) seen[id].count = w.count; return; }
      seen[id] = { group: w.group, window_start: w.window_start, count: w.count || 0, reports: w.reports || 0 };
      (groups[w.group] = groups[w.group] || []).push(seen[id]);
    });
    var keys = Object.keys(groups);
    if (!keys.length) { host.appendChild(el("p", { "class": "none", text: "No activity yet." })); return; }
    var lo = null, hi = null;
    keys.forEach(function (k) {
      groups[k].forEach(function (w) {
        if (!lo || w.window_start < lo) lo = w.window_start;
        if (!hi || w.window_start > hi) hi = w.window_start;
      });
    });
    var span = Math.max(1, dayIndex(hi) - dayIndex(lo) + 1);
    keys.sort(function (a, b) { return maxCount(groups[b]) - maxCount(groups[a]) || a.localeCompare(b); });
    keys.slice(0, 12).forEach(function (k) {
      var ws = groups[k];
      var mx = Math.max(1, maxCount(ws));
      var chart = svg("svg", { viewBox: "0 0 200 22", preserveAspectRatio: "none", role: "img",
        "aria-label": groupName(k) + ": up to " + mx + " reports in a 30-day window between " + lo + " and " + hi });
      chart.appendChild(svg("rect", { width: 200, height: 22, fill: "#f3f3f3" }));
      var bw = Math.max(2, 200 / span);
      ws.forEach(function (w) {
        var x = (dayIndex(w.window_start) - dayIndex(lo)) * 200 / span;
        var h = 20 * (w.count || w.reports || 0) / mx;
        chart.appendChild(svg("rect", { x: x.toFixed(1), y: (22 - h).toFixed(1), width: bw.toFixed(2), height: h.toFixed(1), fill: "#0072B2" }));
      });
      append(host, el("div", { "class": "act-row", "data-group": k }, [
        el("span", { text: groupName(k), title: k }), chart, el("span", { "class": "max", text: String(maxCount(ws)) })
      ]));
    });
    append(host, el("p", { "class": "hint", text: lo + " → " + hi + (keys.length > 12 ? " · top 12 of " + keys.length : "") }));
  }

  // An activity group: an admin-1 unit (Afghan P-code or ISO 3166-2 code) or a place key.
  function groupName(k) {
    if (state.paths[k]) return provinceName(k);
    var row = state.allRows[k];
    if (row && row.place) return row.place.name;
    if (k.indexOf("iso3166:") === 0) return countryName(k.slice(8));
    var named = null;
    Object.keys(state.allRows).some(function (key) {
      var r = state.allRows[key];
      if (r.adm1 === k && r.place) { named = k; return true; }
      return false;
    });
    return named || k;
  }

  function countryName(iso3) { return state.names[iso3] || iso3; }

  function maxCount(ws) {
    return ws.reduce(function (m, w) { return Math.max(m, w.count || w.reports || 0); }, 0);
  }

  // ------------------------------------------------------------------ data refresh

  function refresh(force) {
    if (state.refreshing && !force) return Promise.resolve();
    state.refreshing = true;
    var seq = ++state.seq;
    var asOf = state.asOf;
    var params = asOf ? { as_of: asOf } : {};
    var jobs = [
      fetchAll("/api/control", params),
      fetchAll("/api/withdrawals", {}),
      fetchAll("/api/claims", {}),
      fetchAll("/api/activity", { spec: "control-30d" })
    ];
    return Promise.all(jobs.map(function (p) { return p.catch(function (e) { return { error: e, items: [] }; }); }))
      .then(function (res) {
        if (seq !== state.seq) return;  // a newer query (e.g. another date) won
        var control = res[0];
        if (!control.error) {
          if (control.text !== state.lastBodies.control || asOf !== state.lastBodies.asOf) {
            var rows = {};
            control.items.forEach(function (r) {
              var k = r.place_key || (r.place && r.place.key);
              if (!k) return;
              rows[k] = r;
              noteActor(r.controller); noteActor(r.contender);
            });
            state.allRows = rows;
            state.rows = theatreRows(rows);
            updateTheatres();
            state.lastBodies.control = control.text;
            state.lastBodies.asOf = asOf;
            paint();
            if (state.selected && !state.lastBodies.selectedFresh) {
              renderPlaceFromCache();
            }
          }
        }
        if (!res[2].error && res[2].text !== state.lastBodies.claims) { state.lastBodies.claims = res[2].text; drawClaims(res[2].items); }
        if (!res[1].error && res[1].text !== state.lastBodies.wd) { state.lastBodies.wd = res[1].text; drawWithdrawals(res[1].items); }
        if (!res[3].error && res[3].text !== state.lastBodies.act) { state.lastBodies.act = res[3].text; drawActivity(res[3].items); }
        explainEmpty(asOf);
        if (document.body.getAttribute("data-loaded") !== "true") mark("frontline-data-painted");
        document.body.setAttribute("data-loaded", "true");
        document.body.setAttribute("data-as-of", asOf || "");
      })
      .finally(function () { if (seq === state.seq) state.refreshing = false; });
  }

  function theatreRows(rows) {
    var out = {};
    var world = state.geo && state.geo.kind === "world";
    Object.keys(rows).forEach(function (k) {
      if (world || inTheatre(rows[k]) || state.paths[k] || project(rows[k].place)) out[k] = rows[k];
    });
    return out;
  }

  // ------------------------------------------------------------------ theatres

  // The selector: the world overview, then every country the control table has rows in.
  function updateTheatres() {
    var select = $("theatre-select");
    var counts = {};
    Object.keys(state.allRows).forEach(function (k) {
      var c = state.allRows[k].country;
      if (c) counts[c] = (counts[c] || 0) + 1;
    });
    var current = theatreCountry(state.geo);
    if (current && current !== WORLD && !counts[current]) counts[current] = 0;
    var codes = Object.keys(counts).sort(function (a, b) { return countryName(a).localeCompare(countryName(b)); });
    var signature = codes.map(function (c) { return c + ":" + counts[c]; }).join(",") + "|" + current;
    if (select.getAttribute("data-signature") === signature) return;
    select.setAttribute("data-signature", signature);
    clear(select);
    select.appendChild(el("option", { value: WORLD, text: "World overview" }));
    codes.forEach(function (c) {
      select.appendChild(el("option", { value: c, text: countryName(c) + " (" + counts[c] + ")" }));
    });
    select.value = current || WORLD;
    select.setAttribute("data-theatres", codes.join(","));
  }

  function setTheatre(theatre) {
    if (!theatre) return;
    state.theatre = theatre;
    if (location.hash !== "#" + theatre) history.replaceState(null, "", "#" + theatre);
    return loadTheatre(theatre).then(function () {
      state.lastBodies = {};
      return refresh(true);
    });
  }

  function loadTheatre(theatre) {
    $("map").setAttribute("data-ready", "false");
    return fetchJSON("/api/geo/" + encodeURIComponent(theatre)).then(function (geo) {
      if (!geo || geo.__missing) throw new Error("no geometry for theatre " + theatre);
      state.geo = geo;
      state.selected = null;
      state.colourOf = {};  // colours are handed out per theatre, to the sides drawn there
      drawMap(geo);
      state.rows = theatreRows(state.allRows);
      paint();
      updateTheatres();
      document.body.setAttribute("data-theatre", theatreCountry(geo));
    });
  }

  function renderPlaceFromCache() {
    var key = state.selected;
    if (!key) return;
    // Re-fetch the full row (history, evidence) so the panel follows live updates.
    fetchJSON("/api/control/" + encodeURIComponent(key)).then(function (row) {
      if (state.selected !== key) return;
      renderPlace(key, row && !row.__missing ? row : (state.rows[key] || null), false);
    }).catch(function () { renderPlace(key, state.rows[key] || null, false); });
  }

  function pollStatus() {
    return fetchJSON("/api/status").then(function (st) {
      if (!st || st.__missing) return fetchJSON("/health").then(function (h) { return { health: h }; });
      return st;
    }).then(function (st) {
      state.lastHeard = new Date();
      var line;
      if (st.health) {
        line = "Last heard from the pipeline: " + fmtTime(state.lastHeard.toISOString()) + " (worker up; status endpoint not available)";
      } else {
        line = "Last heard from the pipeline: " + fmtTime(st.now || state.lastHeard.toISOString()) +
          " · last event " + fmtTime(st.last_event_at) +
          " · tables updated " + fmtTime(st.last_table_update_at);
      }
      var node = $("pipeline-status");
      node.textContent = line;
      node.classList.remove("down");
      node.setAttribute("data-last-heard", state.lastHeard.toISOString());
      state.lastStatus = st;
    }).catch(function () {
      var node = $("pipeline-status");
      node.classList.add("down");
      node.textContent = "The pipeline is not answering. Last heard: " +
        (state.lastHeard ? fmtTime(state.lastHeard.toISOString()) : "never") + ". Retrying…";
    });
  }

  function tick() {
    Promise.all([pollStatus(), state.playing ? Promise.resolve() : refresh(false)])
      .finally(function () { setTimeout(tick, POLL_MS); });
  }

  // ------------------------------------------------------------------ timeline

  function setupTimeline() {
    var slider = $("date-slider");
    var input = $("date-input");
    var maxI = dayIndex(todayISO());
    slider.max = String(maxI);
    slider.value = String(maxI);
    input.min = TIMELINE_START;
    input.max = todayISO();
    input.value = todayISO();
    slider.addEventListener("input", function () { showDate(dayOf(Number(slider.value)), "slider"); });
    input.addEventListener("change", function () {
      if (/^\d{4}-\d{2}-\d{2}$/.test(input.value)) showDate(input.value, "input");
    });
    $("live-btn").addEventListener("click", function () { stopPlay(); showDate(null, "live"); });
    $("play-btn").addEventListener("click", function () { if (state.playing) stopPlay(); else startPlay(); });
  }

  var dateTimer = null;
  function showDate(day, from) {
    if (day && day >= todayISO()) day = null;
    state.asOf = day;
    var slider = $("date-slider");
    var input = $("date-input");
    if (from !== "slider") slider.value = String(dayIndex(day || todayISO()));
    if (from !== "input") input.value = day || todayISO();
    var shown = $("date-shown");
    shown.textContent = day ? "Showing control as of " + day : "Showing the latest state";
    shown.classList.toggle("asof", !!day);
    clearTimeout(dateTimer);
    dateTimer = setTimeout(function () {
      refresh(true).then(function () { if (state.selected) renderPlaceFromCache(); });
    }, from === "slider" ? 120 : 0);
  }

  function startPlay() {
    var btn = $("play-btn");
    btn.setAttribute("aria-pressed", "true");
    btn.textContent = "❚❚ Pause";
    var start = state.asOf || firstEventDay() || "2021-01-01";
    var i = dayIndex(start);
    state.playing = setInterval(function () {
      i += 7;
      if (i >= dayIndex(todayISO())) { stopPlay(); showDate(null, "live"); return; }
      showDate(dayOf(i), "play");
    }, 500);
  }

  function stopPlay() {
    if (state.playing) clearInterval(state.playing);
    state.playing = null;
    var btn = $("play-btn");
    btn.setAttribute("aria-pressed", "false");
    btn.textContent = "▶ Replay";
  }

  function firstEventDay() {
    var first = null;
    Object.keys(state.rows).forEach(function (k) {
      var d = state.rows[k].first_event_date;
      if (d && (!first || d < first)) first = d;
    });
    return first;
  }

  // ------------------------------------------------------------------ start

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && state.selected) {
      state.selected = null;
      Object.keys(state.paths).forEach(function (k) { state.paths[k].classList.remove("selected"); });
    }
  });

  setupTimeline();
  $("theatre-select").addEventListener("change", function (ev) { setTheatre(ev.target.value); });
  var wanted = /^#([A-Za-z]{3}|world)$/.test(location.hash) ? location.hash.slice(1) : state.theatre;
  fetchJSON("/api/geo-names").then(function (names) {
    if (!names || names.__missing) return;
    delete names.__text;
    state.names = names;
    $("theatre-select").removeAttribute("data-signature");
    updateTheatres();
    state.lastBodies = {};  // panels name countries: redraw them on the next refresh
  }).catch(function () { /* codes stand in for names */ });
  loadTheatre(wanted).then(function () {
    tick();
  }).catch(function (e) {
    $("map").textContent = "The map could not be loaded: " + e.message;
  });
})();
