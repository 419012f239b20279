// The storyline's zoomable timeline: one mark per dated event, sized by independent sources,
// coloured by verdict. Data comes from the app's own /api/v1/timeline (same filters as the
// page). Text is set with textContent only, so event titles can never become markup.
"use strict";
(function () {
  var box = document.getElementById("timeline");
  if (!box) { return; }
  var note = document.getElementById("timeline-note");
  var NS = "http://www.w3.org/2000/svg";
  var DAY = 864e5, H = 300, AXIS = 26, LANE = 15;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var marks = [], full = null, view = null;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function period(iso) {  // a partial ISO date -> [start, end) in ms
    var p = iso.split("-").map(Number);
    var start = Date.UTC(p[0], p.length > 1 ? p[1] - 1 : 0, p.length > 2 ? p[2] : 1);
    var end = p.length === 3 ? start + DAY : (p.length === 2 ? Date.UTC(p[0], p[1], 1) : Date.UTC(p[0] + 1, 0, 1));
    return [start, end];
  }

  function ticks(lo, hi) {
    var span = (hi - lo) / DAY, out = [], d = new Date(lo), t;
    if (span > 3 * 365) {
      for (var y = d.getUTCFullYear(); (t = Date.UTC(y, 0, 1)) <= hi; y++) { if (t >= lo) { out.push([t, String(y)]); } }
    } else if (span > 100) {
      for (var m = 0; (t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1)) <= hi; m++) {
        var dm = new Date(t);
        if (t >= lo) { out.push([t, MONTHS[dm.getUTCMonth()] + " " + dm.getUTCFullYear()]); }
      }
    } else {
      var step = span > 21 ? 7 : 1, first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      for (t = first; t <= hi; t += step * DAY) {
        var dd = new Date(t);
        if (t >= lo) { out.push([t, dd.getUTCDate() + " " + MONTHS[dd.getUTCMonth()] + " " + dd.getUTCFullYear()]); }
      }
    }
    return out;
  }

  function render() {
    box.textContent = "";
    var W = box.clientWidth || 800;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "timeline of events" }, box);
    var x = function (t) { return (t - view[0]) / (view[1] - view[0]) * W; };
    var axis = el("g", { "class": "axis" }, svg);
    el("line", { x1: 0, x2: W, y1: H - AXIS, y2: H - AXIS }, axis);
    ticks(view[0], view[1]).forEach(function (tk) {
      var tx = x(tk[0]);
      el("line", { x1: tx, x2: tx, y1: H - AXIS, y2: H - AXIS + 5 }, axis);
      el("line", { x1: tx, x2: tx, y1: 0, y2: H - AXIS, "stroke-dasharray": "2 4", opacity: 0.5 }, axis);
      el("text", { x: tx + 3, y: H - 8 }, axis).textContent = tk[1];
    });
    var lanes = [], maxLanes = Math.floor((H - AXIS - 12) / LANE), layer = el("g", {}, svg);
    marks.forEach(function (m) {
      var cx = x(m.mid), r = 4 + 3 * Math.sqrt(Math.max(m.n_sources, 1));
      if (cx < -r || cx > W + r) { return; }
      var lane = 0;
      while (lane < lanes.length && lanes[lane] > cx - r) { lane++; }
      if (lane >= maxLanes) { lane = lane % maxLanes; }
      lanes[lane] = cx + r + 1;
      var cy = H - AXIS - 10 - lane * LANE;
      if (m.precision !== "day") {
        el("line", { x1: x(m.start), x2: x(m.end), y1: cy, y2: cy, stroke: "#c9b27c", "stroke-width": 2, opacity: 0.6 }, layer);
      }
      var c = el("circle", { cx: cx, cy: cy, r: r, "class": "mark " + m.verdict, tabindex: 0, "data-id": m.id }, layer);
      el("title", {}, c).textContent = m.date + " · " + m.title + " (" + m.n_sources + " source" + (m.n_sources === 1 ? "" : "s") + ", " + m.verdict + ")";
    });
  }

  function zoom(factor, at) {
    var t = view[0] + (view[1] - view[0]) * at, span = Math.max((view[1] - view[0]) * factor, DAY);
    view = [t - span * at, t + span * (1 - at)];
    render();
  }

  function open(target) {
    var id = target && target.getAttribute && target.getAttribute("data-id");
    if (id) { window.location.href = "/events/" + encodeURIComponent(id); }
  }

  function wire() {
    box.addEventListener("wheel", function (e) {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 1 / 1.25 : 1.25, e.offsetX / (box.clientWidth || 1));
    }, { passive: false });
    var drag = null;
    box.addEventListener("mousedown", function (e) { drag = { x: e.clientX, view: view.slice(), moved: false }; });
    window.addEventListener("mousemove", function (e) {
      if (!drag) { return; }
      var dt = (e.clientX - drag.x) / (box.clientWidth || 1) * (drag.view[1] - drag.view[0]);
      if (Math.abs(e.clientX - drag.x) > 3) { drag.moved = true; }
      view = [drag.view[0] - dt, drag.view[1] - dt];
      render();
    });
    window.addEventListener("mouseup", function (e) {
      var was = drag;
      drag = null;
      if (was && !was.moved) { open(e.target); }
    });
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { open(e.target); } });
    document.getElementById("tl-zoom-in").addEventListener("click", function () { zoom(1 / 1.5, 0.5); });
    document.getElementById("tl-zoom-out").addEventListener("click", function () { zoom(1.5, 0.5); });
    document.getElementById("tl-reset").addEventListener("click", function () { view = full.slice(); render(); });
    window.addEventListener("resize", render);
  }

  function focus(whole) {
    // Start on the central 90% of the events when a few outliers stretch the axis far.
    var mids = marks.map(function (m) { return m.mid; });
    var a = mids[Math.floor(mids.length * 0.05)], b = mids[Math.min(mids.length - 1, Math.ceil(mids.length * 0.95) - 1)];
    if (mids.length < 10 || (b - a) * 4 > whole[1] - whole[0]) { return whole.slice(); }
    var pad = Math.max((b - a) * 0.08, 3 * DAY);
    return [a - pad, b + pad];
  }

  function show(data) {
    marks = data.marks.map(function (m) {
      var p = period(m.date);
      return Object.assign({}, m, { start: p[0], end: p[1], mid: (p[0] + p[1]) / 2 });
    }).sort(function (a, b) { return a.mid - b.mid; });
    var text = data.total + " dated event" + (data.total === 1 ? "" : "s");
    if (data.truncated) { text += " (the " + marks.length + " best sourced are drawn)"; }
    if (data.undated) { text += "; " + data.undated + " undated event" + (data.undated === 1 ? " is" : "s are") + " only listed below"; }
    note.textContent = text + ".";
    if (!marks.length) { box.textContent = "No dated events match these filters."; return; }
    var lo = Math.min.apply(null, marks.map(function (m) { return m.start; }));
    var hi = Math.max.apply(null, marks.map(function (m) { return m.end; }));
    var pad = Math.max((hi - lo) * 0.03, DAY);
    full = [lo - pad, hi + pad];
    view = focus(full);
    if (view[0] !== full[0] || view[1] !== full[1]) { note.textContent += " Zoomed to where most events are; reset shows all."; }
    render();
    wire();
    box.setAttribute("data-ready", "1");
  }

  fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(show)
    .catch(function (err) { note.textContent = "Could not load the timeline: " + err.message; });
})();
