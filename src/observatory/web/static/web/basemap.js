/* The base of every map: raster tiles, the city's PMTiles archive, or area and landmark names.
 *
 * The map element carries the server's choice (templatetags/maps.py):
 *   data-base="tiles" | "pmtiles" | "labels", data-tile-url, data-pmtiles-url, data-labels-url,
 *   data-outlines-url (quartier outlines, drawn without a base unless the page draws its own).
 * ObservatoryBasemap.add(map, element) adds it to a Leaflet map and returns the base layer.
 * Labels are text for the eye only (aria-hidden, not focusable): the pages give the same places
 * in words and tables for screen readers.
 */
(function () {
  "use strict";

  function labelsLayer(map, url) {
    var group = L.layerGroup();
    var entries = [];
    function refresh() {
      var zoom = map.getZoom();
      entries.forEach(function (e) {
        var show = zoom >= e.minZoom && (e.maxZoom === null || zoom <= e.maxZoom);
        if (show && !group.hasLayer(e.marker)) group.addLayer(e.marker);
        if (!show && group.hasLayer(e.marker)) group.removeLayer(e.marker);
      });
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { labels: [] }; })
      .then(function (data) {
        (data.labels || []).forEach(function (l) {
          var span = document.createElement("span");
          span.textContent = l.name;
          span.setAttribute("aria-hidden", "true");
          var icon = L.divIcon({
            className: "map-label map-label-" + l.kind,
            html: span.outerHTML,
            iconSize: null,
          });
          var marker = L.marker([l.lat, l.lon], { icon: icon, interactive: false, keyboard: false });
          entries.push({ marker: marker, minZoom: l.min_zoom, maxZoom: l.max_zoom === undefined ? null : l.max_zoom });
        });
        refresh();
      })
      .catch(function () { /* labels are a help, never a failure of the map */ });
    map.on("zoomend", refresh);
    return group;
  }

  function outlinesLayer(url) {
    var layer = L.geoJSON(null, {
      interactive: false,
      style: { color: "#8a8a8a", weight: 1, fill: false },
    });
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (gj) { if (gj) layer.addData(gj); })
      .catch(function () { /* outlines are a help, never a failure of the map */ });
    return layer;
  }

  function add(map, element) {
    var data = element.dataset || {};
    var base = null;
    if (data.base === "tiles" && data.tileUrl) {
      base = L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.tileAttribution || "" });
    } else if (data.base === "pmtiles" && data.pmtilesUrl && window.protomapsL) {
      base = window.protomapsL.leafletLayer({ url: data.pmtilesUrl, flavor: "light", lang: data.pmtilesLang || "en" });
    }
    if (base) base.addTo(map);
    if (!base && data.outlinesUrl && !data.areasUrl) {  // pages with data-areas-url draw their own
      outlinesLayer(data.outlinesUrl).addTo(map);
    }
    if (!base && data.labelsUrl) {
      element.classList.add("map-without-tiles");
      labelsLayer(map, data.labelsUrl).addTo(map);
    }
    return base;
  }

  window.ObservatoryBasemap = { add: add };
})();
