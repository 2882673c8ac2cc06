// Evidence maps: each candidate site, its 500 m circle and the sensitive places inside it.
// Everything comes from data- attributes (no inline script: the Content Security Policy).
(function () {
  "use strict";
  if (!window.L) { return; }
  document.querySelectorAll(".option-map").forEach(function (el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var radius = parseFloat(el.dataset.radius);
    var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], 15);
    if (window.ObservatoryBasemap) { window.ObservatoryBasemap.add(map, el); }
    var circle = L.circle([lat, lon], { radius: radius, color: "#b3340b", weight: 1, fillOpacity: 0.08 }).addTo(map);
    L.circleMarker([lat, lon], { radius: 7, color: "#b3340b", fillOpacity: 0.9 }).bindTooltip(el.dataset.name).addTo(map);
    (el.dataset.places || "").split(";").filter(Boolean).forEach(function (item) {
      var parts = item.split(",");
      L.circleMarker([parseFloat(parts[0]), parseFloat(parts[1])], { radius: 5, color: "#1f4e9b", fillOpacity: 0.8 })
        .bindTooltip(parts.slice(2).join(",")).addTo(map);
    });
    map.fitBounds(circle.getBounds());
    el.dataset.ready = "1";
  });
})();
