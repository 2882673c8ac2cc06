/* The dashboard's interactive maps (hot spots, density, trends): Leaflet over the site's base map.
 *
 * Each map element ([data-analysis-map]) names a JSON payload embedded in the page (json_script):
 *   transform: [lat0, lat_i, lat_j, lon0, lon_i, lon_j], a cell corner (i, j) counted in cells from
 *              the grid's lower-left corner is at lat0 + lat_i * i + lat_j * j (and lon alike);
 *   size: [nx, ny]; opacity; classes: [{colour, label}]; unit: {one, other} with %(n)s;
 *   cells: [[i, j, class, value], ...], only the cells that carry information.
 * The legend and the table of the cells are HTML in the page; without JavaScript the page shows
 * the server's SVG instead of this map (noscript), with the same legend and table.
 */
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  // Hover tooltips for a mouse; on a touch screen a tap opens the popup, and a tooltip would repeat it.
  var hover = !window.matchMedia || window.matchMedia("(hover: hover)").matches;

  function valueText(value, unit, decimals) {
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: decimals, minimumFractionDigits: 0 }).format(value);
    var form = plural ? plural.select(value) : (value === 1 ? "one" : "other");
    return (form === "one" ? unit.one : unit.other).replace("%(n)s", number);
  }

  function decimalsOf(cells) {
    for (var k = 0; k < cells.length; k++) {
      if (Math.round(cells[k][3]) !== cells[k][3]) { return 1; }
    }
    return 0;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.cells);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var t = data.transform;
    function corner(i, j) { return [t[0] + t[1] * i + t[2] * j, t[3] + t[4] * i + t[5] * j]; }

    el.hidden = false;
    var many = data.cells.length > 3000;  // thousands of squares: one canvas, not one SVG path each
    var map = L.map(el, { scrollWheelZoom: false, preferCanvas: many });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');  // text, no flag image
    // Scrolling the page over the map scrolls the page; once the map is clicked or focused, it zooms.
    map.once("focus click", function () { map.scrollWheelZoom.enable(); });
    if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }

    var decimals = decimalsOf(data.cells);
    var popupWidth = Math.max(160, Math.min(300, el.clientWidth - 60));  // inside the map on a phone
    var layer = L.featureGroup();
    data.cells.forEach(function (c) {
      var i = c[0], j = c[1], cls = data.classes[c[2]];
      var square = L.polygon([corner(i, j), corner(i + 1, j), corner(i + 1, j + 1), corner(i, j + 1)], {
        stroke: true, weight: 0.4, color: "#555", opacity: 0.35,
        fillColor: cls.colour, fillOpacity: data.opacity,
      });
      var text = valueText(c[3], data.unit, decimals) + " · " + cls.label;
      var box = document.createElement("p");
      box.className = "cell-popup";
      var strong = document.createElement("strong");
      strong.textContent = valueText(c[3], data.unit, decimals);
      box.appendChild(strong);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(cls.label));
      if (hover) { square.bindTooltip(text, { sticky: true }); }
      square.bindPopup(box, { maxWidth: popupWidth, autoPanPadding: [8, 8] });
      square.on("add", function () {
        var path = square.getElement && square.getElement();
        if (path) { path.setAttribute("data-class", String(c[2])); path.setAttribute("data-value", String(c[3])); }
      });
      layer.addLayer(square);
    });
    layer.addTo(map);
    el.dataset.cellCount = String(data.cells.length);

    var bounds = data.cells.length ? layer.getBounds() : L.latLngBounds([corner(0, 0), corner(data.size[0], data.size[1])]);
    map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 });
    el.dataset.ready = "1";
  }

  ObservatoryBasemap.drawEach("[data-analysis-map]", draw);
})();
