// Public map: quartier outlines and the released (noisy, whole-period) cell counts of the public API.
// No exact point ever reaches the browser: the API only returns cell polygons and counts.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var status = document.getElementById("map-status");
  var map = L.map(el, { zoomControl: true }).setView(
    [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], parseInt(el.dataset.zoom, 10));
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
  }
  fetch(el.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
    L.geoJSON(gj, {
      style: { color: "#555", weight: 1, fill: false },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, { sticky: true }); },
      interactive: false
    }).addTo(map);
  });
  var cells = L.layerGroup().addTo(map);
  var category = document.getElementById("filter-category");
  var period = document.getElementById("filter-period");

  function colour(count, max) {
    var t = Math.min(1, Math.log(count) / Math.log(Math.max(max, 6)));
    var light = Math.round(85 - 50 * t);
    return "hsl(12, 85%, " + light + "%)";
  }

  function load() {
    var choice = period.value.split(":");
    var params = new URLSearchParams({ grain: choice[0], periods: choice[1] });
    if (category.value) { params.set("category", category.value); }
    status.textContent = "…";
    fetch(el.dataset.cellsUrl + "?" + params.toString()).then(function (r) { return r.json(); }).then(function (gj) {
      cells.clearLayers();
      var max = 0;
      gj.features.forEach(function (f) { max = Math.max(max, f.properties.count); });
      L.geoJSON(gj, {
        style: function (f) {
          return { color: "#7a1f00", weight: 1, fillOpacity: 0.6, fillColor: colour(f.properties.count, max) };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.count + " " + el.dataset.labelReports);
          layer.getElement && layer.on("add", function () {
            var path = layer.getElement();
            if (path) { path.setAttribute("data-cell", f.properties.cell); path.setAttribute("data-count", f.properties.count); }
          });
        }
      }).eachLayer(function (l) { cells.addLayer(l); });
      var periods = (gj.release && gj.release.periods) || [];
      status.textContent = periods.length ? gj.features.length + " " + el.dataset.labelCells + " · " + periods.join(", ")
        : el.dataset.labelNone;
      el.dataset.cellCount = String(gj.features.length);
    }).catch(function () { status.textContent = "⚠"; });
  }
  category.addEventListener("change", load);
  period.addEventListener("change", load);
  load();
})();
