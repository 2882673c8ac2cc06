// Public page: the map of released (noisy, whole-period) cell counts, and filters that refresh the
// page's server-rendered figures without a reload. Without JavaScript the page is complete: the
// form submits, and the table stands in for the map. No exact point ever reaches the browser: the
// API only returns cell polygons and released counts.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var form = document.getElementById("filters");
  if (!el || !form || !window.L || !window.fetch) { return; }
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  // With a map on screen, the table folds away (it stays one click away).
  el.hidden = false;
  var table = document.getElementById("map-table");
  if (table) { table.open = false; }

  var map = L.map(el, { zoomControl: true }).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], parseInt(el.dataset.zoom, 10));
  // The base: tiles, the city's PMTiles archive, or quartier and landmark names (basemap.js).
  if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }
  fetch(el.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
    L.geoJSON(gj, {
      style: { color: "#555", weight: 1, fill: false },
      interactive: false
    }).addTo(map);
  });
  var cells = L.layerGroup().addTo(map);
  var status = document.getElementById("map-status");

  function colourOf(count, breaks, colours) {
    var k = 0;
    for (var i = 0; i < breaks.length; i++) { if (count >= breaks[i]) { k = i; } }
    return colours[k] || colours[colours.length - 1];
  }

  function drawCells() {
    var legend = document.getElementById("map-legend");
    var breaks = (legend.dataset.breaks || "").split(",").filter(Boolean).map(Number);
    var colours = (legend.dataset.colours || "").split(",");
    el.removeAttribute("data-cell-count");
    return fetch(legend.dataset.cellsUrl).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (gj) {
      cells.clearLayers();
      L.geoJSON(gj, {
        style: function (f) {
          return { color: "#7a1f00", weight: 1, fillOpacity: 0.75, fillColor: colourOf(f.properties.count, breaks, colours) };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(numbers.format(f.properties.count) + " " + el.dataset.labelReports);
          layer.on("add", function () {
            var path = layer.getElement && layer.getElement();
            if (path) { path.setAttribute("data-cell", f.properties.cell); path.setAttribute("data-count", f.properties.count); }
          });
        }
      }).eachLayer(function (l) { cells.addLayer(l); });
      el.dataset.cellCount = String(gj.features.length);
    }).catch(function () { status.textContent = el.dataset.labelError; });
  }

  // The filters: ask the server for the same page with the new choice, and take its figures.
  var pending = null;
  function refresh() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.getAttribute("action") + (query ? "?" + query : "");
    var mine = pending = fetch(url, { headers: { "Accept": "text/html" } }).then(function (r) {
      return r.text();
    }).then(function (html) {
      if (mine !== pending) { return; }  // a later choice was made meanwhile
      var doc = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-swap]").forEach(function (old) {
        var fresh = doc.getElementById(old.id);
        if (!fresh) { return; }
        if (old.id === "map-table") { fresh.open = old.open; }
        old.replaceWith(document.importNode(fresh, true));
      });
      history.replaceState(null, "", url);
      return drawCells();
    }).catch(function () { status.textContent = el.dataset.labelError; });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  form.addEventListener("change", refresh);
  drawCells();
})();
