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

// Anti-spam proof of work (ALTCHA v1): find n with SHA-256(salt + n) = challenge, in the
// background while the person fills the form. Costs a phone well under a second.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !form.dataset.challengeUrl || !window.crypto || !window.crypto.subtle) { return; }
  var field = form.querySelector("input[name=altcha]");
  var button = document.getElementById("send");
  if (field.value) { return; }
  button.disabled = true;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  async function solve(c) {
    var encoder = new TextEncoder();
    var started = Date.now();
    for (var n = 0; n <= c.maxNumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n));
      if (hex(digest) === c.challenge) {
        return btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: n,
          salt: c.salt, signature: c.signature, took: Date.now() - started }));
      }
    }
    throw new Error("no solution");
  }

  fetch(form.dataset.challengeUrl, { credentials: "same-origin", cache: "no-store" })
    .then(function (r) { return r.json(); })
    .then(solve)
    .then(function (payload) { field.value = payload; })
    .catch(function () { /* without it the server applies its stricter no-JavaScript limit */ })
    .then(function () { button.disabled = false; });
})();
