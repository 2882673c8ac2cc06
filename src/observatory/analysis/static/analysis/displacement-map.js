/* The displacement panel's interactive map: the target area, the ring around it (buffer) and the
 * control area, as polygons on the site's base map, in the colours of the server's SVG.
 *
 * The map element ([data-displacement-map]) names a JSON payload embedded in the page (json_script,
 * figures.displacement_layer): {opacity, areas: [{key, colour, label, geometry}]}, the geometries
 * in GeoJSON (lon, lat), outermost first so that no area hides another (the control ring, then
 * the buffer ring, then the target). The legend naming each area is HTML under the map; without
 * JavaScript the page shows the server's SVG instead (noscript).
 */
(function () {
  "use strict";
  var hover = !window.matchMedia || window.matchMedia("(hover: hover)").matches;

  function draw(el) {
    var source = document.getElementById(el.dataset.areas);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);

    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');  // text, no flag image
    // Scrolling the page over the map scrolls the page; once the map is clicked or focused, it zooms.
    map.once("focus click", function () { map.scrollWheelZoom.enable(); });
    if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }

    var all = L.featureGroup();
    data.areas.forEach(function (area) {
      var layer = L.geoJSON(area.geometry, {
        style: {
          color: area.colour, weight: 1.5, opacity: 0.9,
          fillColor: area.colour, fillOpacity: data.opacity,
        },
      });
      if (hover) { layer.bindTooltip(area.label, { sticky: true }); }
      layer.bindPopup(area.label);
      layer.eachLayer(function (shape) {
        shape.on("add", function () {
          var path = shape.getElement && shape.getElement();
          if (path) { path.setAttribute("data-area", area.key); }
        });
      });
      all.addLayer(layer);
    });
    all.addTo(map);
    el.dataset.areaCount = String(data.areas.length);
    map.fitBounds(all.getBounds(), { padding: [12, 12], maxZoom: 17 });
    el.dataset.ready = "1";
  }

  ObservatoryBasemap.drawEach("[data-displacement-map]", draw);
})();
