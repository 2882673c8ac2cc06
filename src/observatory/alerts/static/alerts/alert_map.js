// The alert page's map (members only): the alert's cells in the colours of the e-mailed picture and
// the centre of the cluster, on the site's one map base (web/static/web/basemap.js: tiles, the
// city's PMTiles archive, or the place and quartier names; the quartier outlines are drawn here).
// The layer is in the page (json_script, alerts.core.area_map); the legend and the table beside
// the map say the same in words, and the picture in <noscript> stands in without JavaScript.
(function () {
  "use strict";
  var el = document.getElementById("alert-map");
  if (!el || !window.L) { return; }
  var source = document.getElementById(el.dataset.layer);
  if (!source) { return; }
  var layer = JSON.parse(source.textContent);
  el.hidden = false;
  var map = L.map(el, { zoomControl: true, scrollWheelZoom: false });

  function tag(leafletLayer, attrs) {
    // Leaflet creates the SVG path when the layer is added: mark it then, for tests and styling.
    var path = leafletLayer.getElement && leafletLayer.getElement();
    if (!path) { return; }
    Object.keys(attrs).forEach(function (k) { path.setAttribute(k, attrs[k]); });
  }

  var cells = L.geoJSON(layer, {
    filter: function (f) { return f.properties.kind === "cell"; },
    style: function (f) {
      var p = f.properties;
      return { color: p.edge, weight: 1.5, fillColor: p.fill, fillOpacity: p.opacity };
    },
    onEachFeature: function (f, l) {
      l.bindTooltip(el.dataset.labelCell);
      l.on("add", function () { tag(l, { "data-kind": "cell" }); });
    },
  });
  var centre = L.geoJSON(layer, {
    filter: function (f) { return f.properties.kind === "centre"; },
    pointToLayer: function (f, at) {
      var icon = L.divIcon({ className: "alert-centre", html: '<span aria-hidden="true" style="font: 700 22px/1 system-ui, sans-serif; color: ' + f.properties.colour + '; text-shadow: 0 0 3px #fff;">+</span>', iconSize: [22, 22], iconAnchor: [11, 11] });
      return L.marker(at, { icon: icon, keyboard: false, title: el.dataset.labelCentre });
    },
  });

  // Fit before the base so labels and outlines load for the view the reader sees.
  var bounds = cells.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds.pad(0.6), { maxZoom: 16 });
  } else {
    var c = layer.features.filter(function (f) { return f.properties.kind === "centre"; })[0];
    map.setView([c.geometry.coordinates[1], c.geometry.coordinates[0]], 15);
  }
  if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }
  if (el.dataset.areasUrl) {  // always, whatever the base: the legend names them
    fetch(el.dataset.areasUrl + "?level=quartier", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (gj) {
        if (!gj) { return; }
        var outlines = L.geoJSON(gj, { style: { color: "#777777", weight: 1, fill: false }, interactive: false });
        outlines.addTo(map);
        outlines.bringToBack();
        el.dataset.outlines = String(outlines.getLayers().length);
      })
      .catch(function () { /* outlines are a help, never a failure of the map */ });
  }
  cells.addTo(map);
  centre.addTo(map);
  el.dataset.cells = String(cells.getLayers().length);
})();
