// Report form helpers: tap the map (or use the device's location) to fill the coordinates,
// and show the categories that fit who is reporting. The form works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var el = document.getElementById("pick-map");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var status = document.getElementById("pick-status");
  var marker = null;
  var map = null;

  function place(latlng, zoom) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    if (!map) { return; }
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 9, color: "#b30000" }).addTo(map); }
    if (zoom) { map.setView(latlng, zoom); }
    status.textContent = lat.value + ", " + lon.value;
  }

  if (el && window.L) {
    map = L.map(el).setView([parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], parseInt(el.dataset.zoom, 10));
    if (el.dataset.tileUrl) { L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map); }
    fetch(el.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, { style: { color: "#555", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    });
    map.on("click", function (e) { place(e.latlng); });
    if (lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
  }

  var locate = document.getElementById("locate");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(L.latLng(pos.coords.latitude, pos.coords.longitude), 17);
      }, function (err) { status.textContent = err.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  // People who use drugs see their own two categories first; residents do not see them.
  var field = document.getElementById("category-field");
  if (field) {
    var pwud = (field.dataset.pwudCodes || "").split(",");
    var kinds = document.querySelectorAll("input[name=reporter_kind]");
    var sync = function () {
      var checked = document.querySelector("input[name=reporter_kind]:checked");
      var isPwud = checked && checked.value === "pwud";
      field.querySelectorAll("input[name=category]").forEach(function (input) {
        var row = input.closest("div") || input.parentNode;
        var forPwud = pwud.indexOf(input.value) >= 0;
        row.hidden = forPwud && !isPwud;
        if (row.hidden && input.checked) { input.checked = false; }
      });
    };
    kinds.forEach(function (k) { k.addEventListener("change", sync); });
    sync();
  }
})();
