/* The base of every map: raster tiles, the city's PMTiles archive, or area and landmark names.
 *
 * The map element carries the server's choice (templatetags/maps.py):
 *   data-base="tiles" | "pmtiles" | "labels", data-tile-url, data-pmtiles-url, data-labels-url,
 *   data-outlines-url (quartier outlines, drawn without a base unless the page draws its own).
 * ObservatoryBasemap.add(map, element) adds it to a Leaflet map and returns the base layer;
 * ObservatoryBasemap.declutter(container, items, avoid) hides the names that would cover one
 * another or run off the map (the labels here, and the pages' own names);
 * ObservatoryBasemap.drawEach(selector, draw) draws a page's maps; where one fails it says so and
 * shows the page's static figure instead.
 * Labels are text for the eye only (aria-hidden, not focusable): the pages give the same places
 * in words and tables for screen readers.
 */
(function () {
  "use strict";

  // One rule for names on a map, shared by the base's labels and the pages' own names
  // (simulation/scene_map.js): a name is shown only if it stays inside the map's box and covers
  // no name already shown; the items come in priority order, the first ones kept first.
  // items: [{node, positions}], node the element whose box counts (hidden with visibility, so
  // Leaflet keeps moving it), positions optional functions that move it, tried in turn until one
  // fits (e.g. right of a disc, then left of it). avoid: boxes already taken (DOMRects or
  // {left, top, right, bottom}). Returns the boxes kept, avoid's included.
  var GAP = 2;  // px of air between two names
  function declutter(container, items, avoid) {
    var box = container.getBoundingClientRect();
    var kept = (avoid || []).slice();
    if (box.width === 0 || box.height === 0) { return kept; }  // not laid out: nothing to judge
    function fits(r) {
      if (r.width === 0 && r.height === 0) { return false; }
      var inside = r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
      return inside && !kept.some(function (k) {
        return r.left < k.right + GAP && k.left < r.right + GAP && r.top < k.bottom + GAP && k.top < r.bottom + GAP;
      });
    }
    items.forEach(function (item) {
      var node = item.node;
      node.style.visibility = "";
      var positions = item.positions && item.positions.length ? item.positions : [null];
      var rect = null;
      for (var i = 0; i < positions.length; i++) {
        if (positions[i]) { positions[i](); }
        var r = node.getBoundingClientRect();
        if (fits(r)) { rect = r; break; }
      }
      if (rect) {
        node.removeAttribute("data-hidden");
        kept.push(rect);
      } else {
        node.style.visibility = "hidden";
        node.setAttribute("data-hidden", "1");
      }
    });
    return kept;
  }

  // Which names win when two would touch: the coarser areas, then the finer ones, the landmarks
  // last (shown where they find room); within a kind the one nearer the map's centre, then by name.
  var RANK = { arrondissement: 0, district: 0, quartier: 1, neighbourhood: 1, place: 2 };

  function labelsLayer(map, url, container) {
    var group = L.layerGroup();
    var entries = [];
    var pending = false;
    var loaded = false;  // the names have come (data-labels-ready says so to tests)
    function pass() {
      pending = false;
      if (!loaded || !map._loaded || !map.hasLayer(group)) { return; }
      var zoom = map.getZoom();
      var centre = map.getCenter();
      var shown = [];
      entries.forEach(function (e) {
        var show = zoom >= e.minZoom && (e.maxZoom === null || zoom <= e.maxZoom);
        if (show && !group.hasLayer(e.marker)) group.addLayer(e.marker);
        if (!show && group.hasLayer(e.marker)) group.removeLayer(e.marker);
        if (show) { shown.push(e); }
      });
      var distance = {};
      shown.forEach(function (e) { distance[e.key] = map.distance(centre, e.marker.getLatLng()); });
      shown.sort(function (a, b) {
        return (a.rank - b.rank) || (distance[a.key] - distance[b.key]) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      });
      // The page's own names (permanent tooltips: the what-if places) are kept before the base's.
      var avoid = [];
      container.querySelectorAll(".leaflet-tooltip-pane .leaflet-tooltip").forEach(function (t) {
        if (t.style.visibility !== "hidden" && t.getAttribute("data-hidden") !== "1") {
          avoid.push(t.getBoundingClientRect());
        }
      });
      var items = [];
      shown.forEach(function (e) {
        var wrap = e.marker.getElement();
        var span = wrap && wrap.firstElementChild;
        if (!span) { return; }
        wrap.style.visibility = "";  // the box is measured on the span; hidden on the marker
        items.push({ node: span, wrap: wrap });
      });
      declutter(container, items, avoid);
      items.forEach(function (item) {
        var hidden = item.node.getAttribute("data-hidden") === "1";
        item.node.style.visibility = "";
        item.wrap.style.visibility = hidden ? "hidden" : "";
        if (hidden) { item.wrap.setAttribute("data-hidden", "1"); } else { item.wrap.removeAttribute("data-hidden"); }
      });
      container.dataset.labelsReady = "1";
    }
    // After the page's own handlers of the same event (their names are placed first), once a frame.
    function refresh() {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(pass);
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { labels: [] }; })
      .then(function (data) {
        (data.labels || []).forEach(function (l, i) {
          var span = document.createElement("span");
          span.textContent = l.name;
          span.setAttribute("aria-hidden", "true");
          var icon = L.divIcon({
            className: "map-label map-label-" + l.kind,
            html: span.outerHTML,
            iconSize: null,
          });
          var marker = L.marker([l.lat, l.lon], { icon: icon, interactive: false, keyboard: false });
          entries.push({
            marker: marker,
            minZoom: l.min_zoom,
            maxZoom: l.max_zoom === undefined ? null : l.max_zoom,
            rank: RANK[l.kind] === undefined ? 1 : RANK[l.kind],
            key: l.name + "\u0000" + i,
          });
        });
        loaded = true;
        map.whenReady(refresh);
      })
      .catch(function () { /* labels are a help, never a failure of the map */ });
    map.on("zoomend moveend resize", refresh);
    group.on("add", refresh);
    if (window.ResizeObserver) { new ResizeObserver(refresh).observe(container); }  // a map shown late
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
      labelsLayer(map, data.labelsUrl, map.getContainer()).addTo(map);
    }
    return base;
  }

  // Draws every map element matching the selector with draw(element). One that cannot be drawn
  // (Leaflet blocked or failed to load, bad data) is hidden; its data-label-error is said in its
  // place, as a status, followed by the server's static figure that the page keeps for visitors
  // without JavaScript (the element's <noscript> sibling), so the map is still seen.
  function drawEach(selector, draw) {
    document.querySelectorAll(selector).forEach(function (el) {
      try {
        if (!window.L) { throw new Error("Leaflet did not load"); }
        draw(el);
      } catch (e) {
        el.hidden = true;
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = el.dataset.labelError || "";
        el.parentNode.insertBefore(note, el);
        var fallback = el.parentNode.querySelector("noscript");
        if (fallback) {
          // With scripting on, a noscript's content is the page's own markup as text.
          var template = document.createElement("template");
          template.innerHTML = fallback.textContent;
          el.parentNode.insertBefore(template.content, el);
        }
      }
    });
  }

  window.ObservatoryBasemap = { add: add, declutter: declutter, drawEach: drawEach };
})();
