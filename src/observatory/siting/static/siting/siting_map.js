// Siting maps (observatory members only). Two maps, configured by data- attributes:
// #siting-pick-map   tapping adds a candidate site as a "lat,lon" line of the sites textarea;
// #siting-result-map draws the scenario's GeoJSON export: open sites with their coverage rings,
//                    demand cells joined to the site that serves them (legend in the page).
// The base (tiles, the city's PMTiles archive, or place and quartier names) is the site's one
// map component (web/static/web/basemap.js, templatetags/maps.py); these maps add the quartier
// outlines (data-areas-url: always, since coverage is read by quartier) and their own layers.
(function () {
  "use strict";
  if (!window.L) { return; }

  var lang = document.documentElement.lang || undefined;
  function number(value, decimals) {
    try {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: decimals, minimumFractionDigits: decimals }).format(value);
    } catch (e) { return value.toFixed(decimals); }
  }

  function baseMap(el) {
    var map = L.map(el, { zoomControl: true }).setView(
      [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], parseInt(el.dataset.zoom, 10));
    if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }
    fetch(el.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, { style: { color: "#555", weight: 1, fill: false }, interactive: false }).addTo(map);
    }).catch(function () { /* outlines are a help, never a failure of the map */ });
    return map;
  }

  function tag(layer, attrs) {
    // Leaflet creates the SVG path when the layer is added: mark it then, for tests and styling.
    layer.on("add", function () {
      var path = layer.getElement && layer.getElement();
      if (!path) { return; }
      Object.keys(attrs).forEach(function (k) { path.setAttribute(k, attrs[k]); });
    });
  }

  var pick = document.getElementById("siting-pick-map");
  if (pick) {
    var pickMap = baseMap(pick);
    var textarea = document.getElementById(pick.dataset.target);
    var markers = L.layerGroup().addTo(pickMap);
    var redraw = function () {
      markers.clearLayers();
      textarea.value.split("\n").forEach(function (line) {
        var parts = line.split(/[,;]/).map(function (s) { return s.trim(); });
        if (parts.length === 2) { parts.unshift(""); }
        var lat = parseFloat(parts[1]), lon = parseFloat(parts[2]);
        if (parts.length === 3 && isFinite(lat) && isFinite(lon)) {
          var m = L.circleMarker([lat, lon], { radius: 7, color: "#1f4e79", fillOpacity: 0.8 });
          if (parts[0]) { m.bindTooltip(parts[0]); }
          tag(m, { "data-candidate": parts[0] || "" });
          markers.addLayer(m);
        }
      });
    };
    pickMap.on("click", function (e) {
      var text = textarea.value.replace(/\s+$/, "");
      textarea.value = (text ? text + "\n" : "") + e.latlng.lat.toFixed(6) + "," + e.latlng.lng.toFixed(6);
      redraw();
    });
    textarea.addEventListener("change", redraw);
    redraw();
  }

  var result = document.getElementById("siting-result-map");
  if (result) {
    var map = baseMap(result);
    var status = document.getElementById("map-status");
    fetch(result.dataset.geojsonUrl).then(function (r) { return r.json(); }).then(function (gj) {
      var sites = {};
      gj.features.forEach(function (f) {
        if (f.properties.kind !== "demand") { sites[f.properties.id] = f; }
      });
      var maxWeight = 0;
      gj.features.forEach(function (f) {
        if (f.properties.kind === "demand") { maxWeight = Math.max(maxWeight, f.properties.weight); }
      });
      var lines = L.layerGroup().addTo(map);
      var demand = L.layerGroup().addTo(map);
      var open = L.layerGroup().addTo(map);
      var bounds = [];
      gj.features.forEach(function (f) {
        var p = f.properties;
        if (p.kind !== "demand") { return; }
        var at = [p.lat, p.lon];
        bounds.push(at);
        if (p.site && sites[p.site]) {
          var s = sites[p.site].geometry.coordinates;
          lines.addLayer(L.polyline([at, [s[1], s[0]]], { color: "#888", weight: 1, opacity: 0.6, interactive: false }));
        }
        var r = 2 + 8 * Math.sqrt(p.weight / Math.max(maxWeight, 1e-9));
        var dot = L.circleMarker(at, { radius: r, weight: 0, fillOpacity: 0.7, fillColor: p.covered ? "#2e7d32" : "#c62828" });
        dot.bindTooltip(result.dataset.labelDemand + " " + number(p.weight, 1) + (p.cost_m !== null ? " · " + number(p.cost_m, 0) + " m" : ""));
        demand.addLayer(dot);
      });
      var nOpen = 0;
      Object.keys(sites).forEach(function (id) {
        var f = sites[id], p = f.properties, c = f.geometry.coordinates, at = [c[1], c[0]];
        bounds.push(at);
        if (p.kind === "open_site") {
          nOpen += 1;
          if (p.ring_m) {
            var ring = L.circle(at, { radius: p.ring_m, color: "#1f4e79", weight: 2, fill: true, fillOpacity: 0.05, interactive: false });
            tag(ring, { "data-ring": id });
            open.addLayer(ring);
          }
          var m = L.circleMarker(at, { radius: 9, color: "#fff", weight: 2, fillColor: "#1f4e79", fillOpacity: 1 });
          m.bindTooltip(result.dataset.labelOpen + " · " + (p.label || id));
          tag(m, { "data-site-open": id });
          open.addLayer(m);
        } else {
          var cand = L.circleMarker(at, { radius: 4, color: "#1f4e79", weight: 1, fillOpacity: 0 });
          cand.bindTooltip(result.dataset.labelCandidate + " · " + (p.label || id));
          tag(cand, { "data-candidate": id });
          open.addLayer(cand);
        }
      });
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
      result.dataset.openSites = String(nOpen);
      status.textContent = "";
    }).catch(function () { status.textContent = "⚠"; });
  }
})();
