// The street round form. Without this script it is a plain form. With it:
// - what is typed is kept on the phone (localStorage) and restored if the page is reloaded;
// - a recorded round goes into an outbox on the phone, then to the JSON API; when there is no
//   connection it stays there and is sent as soon as the connection is back (or the page reopens);
// - each round carries a UUID made here, so the server stores it once even when it is sent twice
//   (for example when the answer to the first send was lost);
// - the route is drawn by tapping the places walked, in order.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("round-form");
  if (!form) { return; }
  var OUTBOX = "observatory.fieldwork.outbox";
  var DRAFT = "observatory.fieldwork.draft";
  var status = document.getElementById("round-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var idInput = form.querySelector("input[name=submission_id]");
  var routeInput = form.querySelector("input[name=route]");
  var msg = form.dataset;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, JSON.stringify(value)); }
  }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "button";
    });
  }

  // Drafts -------------------------------------------------------------------------------------
  function snapshot() {
    var draft = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {  // the quartiers: one box each, the ticked ones as a list
        if (!Array.isArray(draft[el.name])) { draft[el.name] = []; }
        if (el.checked) { draft[el.name].push(el.value); }
      } else if (el.multiple) {
        draft[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      } else { draft[el.name] = el.value; }
    });
    return draft;
  }
  function restore(draft) {
    fields().forEach(function (el) {
      if (!(el.name in draft)) { return; }
      if (el.type === "checkbox") {
        el.checked = [].concat(draft[el.name]).indexOf(el.value) >= 0;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = draft[el.name].indexOf(o.value) >= 0; });
      } else { el.value = draft[el.name]; }
    });
    route.load();
  }
  function saveDraft() { write(DRAFT, snapshot()); }

  // Route: tap the places walked ---------------------------------------------------------------
  var route = (function () {
    var points = [];
    var mapEl = document.getElementById("route-map");
    var counter = document.getElementById("route-count");
    var map = null, line = null, dots = null;
    function draw() {
      routeInput.value = points.length === 0 ? ""
        : JSON.stringify(points.length === 1 ? { type: "Point", coordinates: points[0] } : { type: "LineString", coordinates: points });
      if (counter) { counter.textContent = points.length + " " + counter.dataset.label; }
      if (!map) { return; }
      var latlngs = points.map(function (p) { return [p[1], p[0]]; });
      line.setLatLngs(latlngs);
      dots.clearLayers();
      latlngs.forEach(function (ll) { L.circleMarker(ll, { radius: 6, color: "#b3340b" }).addTo(dots); });
    }
    if (mapEl && window.L) {
      map = L.map(mapEl).setView([parseFloat(mapEl.dataset.centerLat), parseFloat(mapEl.dataset.centerLon)], parseInt(mapEl.dataset.zoom, 10));
      // The site's one base (tiles, the city's PMTiles archive, or place and quartier names:
      // web/static/web/basemap.js). Offline, remote tiles do not load; the names are kept by sw.js.
      if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, mapEl); }
      fetch(mapEl.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
        L.geoJSON(gj, { style: { color: "#555", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
      }).catch(function () { /* offline: the map works without the outlines */ });
      line = L.polyline([], { color: "#b3340b" }).addTo(map);
      dots = L.layerGroup().addTo(map);
      map.on("click", function (e) {
        points.push([+e.latlng.lng.toFixed(6), +e.latlng.lat.toFixed(6)]);
        draw(); saveDraft();
      });
    }
    var undo = document.getElementById("route-undo");
    if (undo) { undo.addEventListener("click", function () { points.pop(); draw(); saveDraft(); }); }
    return {
      load: function () {
        points = [];
        try {
          var g = routeInput.value ? JSON.parse(routeInput.value) : null;
          if (g && g.type === "Point") { points = [g.coordinates]; }
          if (g && g.type === "LineString") { points = g.coordinates.slice(); }
        } catch (e) { points = []; }
        draw();
      }
    };
  })();

  // Sending ------------------------------------------------------------------------------------
  function localIso(value) {
    var d = new Date(value);  // a datetime-local value is the phone's local time
    return isNaN(d.getTime()) ? value : d.toISOString();
  }
  function number(value) {
    var n = Number(value);
    return value !== "" && Number.isInteger(n) ? n : value;  // a bad value goes as is: the server names it
  }
  function payload(draft) {
    var body = { id: draft.submission_id, organisation: number(draft.organisation), kits: {},
      started_at: localIso(draft.started_at), ended_at: localIso(draft.ended_at),
      route: draft.route ? JSON.parse(draft.route) : null, quartiers: draft.quartiers || [], notes: draft.notes || "" };
    Object.keys(draft).forEach(function (name) {
      if (name.indexOf("kit_") === 0) { body.kits[name.slice(4)] = number(draft[name]); }
      else if (["people_met", "new_contacts", "meals"].indexOf(name) >= 0 || name.indexOf("referrals_") === 0) {
        body[name] = number(draft[name]);
      }
    });
    return body;
  }
  function clearErrors() {
    form.querySelectorAll(".js-error").forEach(function (e) { e.remove(); });
  }
  function showErrors(detail) {
    clearErrors();
    var unplaced = [];
    (Array.isArray(detail) ? detail : [{ loc: [], msg: String(detail) }]).forEach(function (d) {
      var loc = (d.loc || []).filter(function (p) { return p !== "body" && p !== "payload"; });
      var name = String(loc[0] || "");
      if (name === "kits" && loc.length > 1) { name = "kit_" + loc[1]; }
      if (name.indexOf("kits.") === 0) { name = "kit_" + name.slice(5); }
      var el = name && form.querySelector('[name="' + name + '"]');
      if (name === "route") { el = document.getElementById("route-map") || el; }
      if (el && el.type === "checkbox") { el = el.closest(".area-boxes") || el; }  // under the list, not inside a box
      if (!el) { unplaced.push(d.msg); return; }
      var ul = document.createElement("ul");
      ul.className = "errorlist js-error";
      ul.setAttribute("data-field", name);
      var li = document.createElement("li");
      li.textContent = d.msg;
      ul.appendChild(li);
      el.insertAdjacentElement("afterend", ul);
    });
    status.textContent = msg.msgError + (unplaced.length ? " " + unplaced.join(" ") : "");
  }
  function showPending() {
    var n = read(OUTBOX, []).length;
    form.dataset.pending = String(n);
    return n;
  }

  var flushing = false;
  function flush() {
    var outbox = read(OUTBOX, []);
    if (flushing || outbox.length === 0) { showPending(); return Promise.resolve(); }
    flushing = true;
    var item = outbox[0];
    status.textContent = msg.msgSending;
    return fetch(form.dataset.apiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload(item))
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status >= 500) { throw new Error("server " + response.status); }
        // Accepted (201) or already there (200), or refused: either way it leaves the outbox.
        write(OUTBOX, read(OUTBOX, []).filter(function (o) { return o.submission_id !== item.submission_id; }));
        if (response.ok) {
          status.textContent = msg.msgSent;
          form.dataset.lastSent = item.submission_id;
        } else {
          restore(item);  // back into the form, to be corrected
          saveDraft();
          showErrors(body.detail || response.statusText);
        }
      });
    }).then(function () { return true; }, function () { return false; }).then(function (delivered) {
      flushing = false;
      var n = showPending();
      if (n === 0) { return; }
      if (delivered) { return flush(); }  // the next round in the outbox
      status.textContent = msg.msgSaved + " " + msg.msgPending + " " + n;
      // Online but the send failed (a lost answer, a server restart): try again soon.
      if (navigator.onLine) { setTimeout(flush, 3000); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var draft = snapshot();
    var outbox = read(OUTBOX, []);
    if (!outbox.some(function (o) { return o.submission_id === draft.submission_id; })) { outbox.push(draft); }
    write(OUTBOX, outbox);
    // A fresh form for the next round; the one just recorded is safe in the outbox.
    form.reset();
    idInput.value = uuid();
    routeInput.value = "";
    route.load();
    write(DRAFT, null);
    flush();
  });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine && read(OUTBOX, []).length) { flush(); } }, 15000);

  var draft = read(DRAFT, null);
  if (draft && draft.submission_id) { restore(draft); status.textContent = msg.msgDraft; } else {
    // The page may come from the phone's copy (opened offline): a fresh id for each new round,
    // never the one written in a page that was kept.
    idInput.value = uuid();
    route.load();
  }
  flush();

  // Offline: a service worker keeps this page and its assets on the phone (fieldwork/sw.js).
  if ("serviceWorker" in navigator && form.dataset.swUrl) {
    navigator.serviceWorker.register(form.dataset.swUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      form.dataset.offlineReady = "1";
      if (!status.textContent) { status.textContent = msg.msgOfflineReady; }
    }).catch(function () { /* without it the form still keeps rounds while the page is open */ });
  }
})();
