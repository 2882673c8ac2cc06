// The what-if scene map (run and compare pages): each place a disc whose area is the run's share
// of its true uses there, each room a square, in the colours of the picture it replaces (run A a
// filled blue disc, run B a dashed red outline), on the site's one map base
// (web/static/web/basemap.js: tiles, the city's PMTiles archive, or place and quartier names with
// the quartier outlines). The layer is in the page (json_script, simulation.core.scene_layer); the
// legend and the table below say the same in words, and the picture in <noscript> stands in
// without JavaScript.
(function () {
  "use strict";
  var el = document.getElementById("scene-map-leaflet");
  if (!el || !window.L) { return; }
  var source = document.getElementById(el.dataset.layer);
  if (!source) { return; }
  var layer = JSON.parse(source.textContent);
  el.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false });

  function tag(leafletLayer, attrs) {
    // Leaflet creates the element when the layer is added: mark it then, for tests and styling.
    var node = leafletLayer.getElement && leafletLayer.getElement();
    if (!node) { return; }
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  }

  function latlng(f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; }

  var drawn = L.featureGroup();
  var bounds = L.latLngBounds([]);
  // Run A first (filled, below), run B over it (dashed outline); rooms over both.
  var order = layer.features.slice().sort(function (a, b) {
    var ka = (a.properties.kind === "room" ? 10 : 0) + a.properties.run;
    var kb = (b.properties.kind === "room" ? 10 : 0) + b.properties.run;
    return ka - kb;
  });
  order.forEach(function (f) {
    var p = f.properties;
    var at = latlng(f);
    bounds.extend(at);
    var marker;
    if (p.kind === "place") {
      marker = L.circleMarker(at, {
        radius: p.radius,
        color: p.colour,
        weight: 2,
        opacity: 1,
        dashArray: p.dashed ? "6 4" : null,
        fill: !p.dashed,
        fillColor: p.colour,
        fillOpacity: 0.45,
      });
      if (p.run === 0) {
        marker.bindTooltip(p.name, { permanent: true, direction: "right", offset: [6, -6], className: "scene-place-name" });
      }
    } else {
      var icon = L.divIcon({
        className: "scene-room",
        html: '<span aria-hidden="true" style="border-color: ' + p.colour + '"></span>',
        iconSize: [12, 12],
        iconAnchor: [6, 6],
      });
      marker = L.marker(at, { icon: icon, keyboard: false, title: p.name });
    }
    marker.bindPopup(p.text);
    marker.on("add", function () { tag(marker, { "data-kind": p.kind, "data-run": String(p.run) }); });
    drawn.addLayer(marker);
  });

  // Fit before the base so its names and outlines load for the view the reader sees.
  if (bounds.isValid()) {
    map.fitBounds(bounds.pad(0.25), { maxZoom: 16 });
  }
  if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }
  drawn.addTo(map);

  // Places close together (the colline and the Porte d'Aubervilliers) or a narrow phone map: names
  // that would cover one another are hidden, the larger disc's kept (ties by name); every name
  // stays in its disc's popup and in the table under the map. Checked again after each zoom, with
  // the base's rule (basemap.js), which then fits the quartier names around these.
  function declutter() {
    if (!window.ObservatoryBasemap || !window.ObservatoryBasemap.declutter) { return; }
    var labels = [];
    drawn.eachLayer(function (m) {
      var tip = m.getTooltip && m.getTooltip();
      var node = tip && tip.getElement && tip.getElement();
      if (node) { labels.push({ tip: tip, node: node, radius: m.getRadius ? m.getRadius() : 0, name: String(tip.getContent()) }); }
    });
    function side(tip, direction) {
      // Right of the disc, or left of it when the name would run off the map's right edge.
      return function () {
        tip.options.direction = direction;
        tip.options.offset = direction === "left" ? [-6, -6] : [6, -6];
        tip.update();
      };
    }
    labels.sort(function (a, b) { return (b.radius - a.radius) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    window.ObservatoryBasemap.declutter(el, labels.map(function (label) {
      return { node: label.node, positions: [side(label.tip, "right"), side(label.tip, "left")] };
    }));
  }
  declutter();
  map.on("zoomend moveend resize", declutter);
  el.dataset.places = String(layer.features.filter(function (f) { return f.properties.kind === "place"; }).length);
  el.dataset.ready = "1";
})();
