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
    if (status) status.textContent = lat.value + ", " + lon.value;
  }

  if (el && window.L) {
    map = L.map(el).setView([parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)], parseInt(el.dataset.zoom, 10));
    // The base (tiles, the city's PMTiles, or quartier and landmark names) is the site's one rule
    // (templatetags/maps.py, basemap.js); this page adds its outlines and the care places.
    var base = window.ObservatoryBasemap ? window.ObservatoryBasemap.add(map, el) : null;
    var tiles = !!base;
    var labels = L.layerGroup();
    fetch(el.dataset.areasUrl + "?level=quartier").then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, { style: { color: "#555", weight: 1, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    }).catch(function () { /* the map works without the outlines */ });
    var named = document.getElementById("named-places");
    if (named && !tiles) {
      JSON.parse(named.textContent).forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 4, color: "#1d1d1d", weight: 1, fillOpacity: 0.8, interactive: false }).addTo(labels);
        L.tooltip({ permanent: true, direction: "right", offset: [6, 0], className: "map-label place-label", interactive: false })
          .setLatLng([p.lat, p.lon]).setContent(p.name).addTo(labels);
      });
    }
    // Labels only from a zoom where they do not cover each other; then, as on every map, a name
    // that would cover another or run off the map goes to the left of its point, or is hidden
    // (basemap.js's rule, which then fits the quartier names around these).
    var declutter = function () {
      if (!window.ObservatoryBasemap || !window.ObservatoryBasemap.declutter || !map.hasLayer(labels)) { return; }
      var items = [];
      labels.eachLayer(function (layer) {
        var node = layer.getElement && layer.getElement();
        if (!(layer instanceof L.Tooltip) || !node) { return; }
        var side = function (direction) {
          return function () {
            layer.options.direction = direction;
            layer.options.offset = direction === "left" ? [-6, 0] : [6, 0];
            layer.update();
          };
        };
        items.push({ node: node, name: String(layer.getContent()), positions: [side("right"), side("left")] });
      });
      items.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      window.ObservatoryBasemap.declutter(el, items);
    };
    var showLabels = function () {
      if (map.getZoom() >= 13) { labels.addTo(map); } else { labels.remove(); }
      declutter();
    };
    map.on("zoomend", showLabels);
    map.on("moveend resize", declutter);
    showLabels();
    map.on("click", function (e) { place(e.latlng); });
    if (lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }

    // With the keyboard: Tab reaches the map, the arrow keys move it and + / - zoom (Leaflet's
    // own keys), and Enter or Space places the point under the cross drawn at its centre while
    // the map has the focus. (Styles set here: the site's CSS has no rule for this page's map.)
    var cross = document.createElement("div");
    cross.className = "pick-cross";
    cross.setAttribute("aria-hidden", "true");
    cross.hidden = true;
    var st = cross.style;
    st.position = "absolute"; st.left = "50%"; st.top = "50%"; st.width = "28px"; st.height = "28px";
    st.margin = "-14px 0 0 -14px"; st.zIndex = "650"; st.pointerEvents = "none";
    ["horizontal", "vertical"].forEach(function (way) {
      var bar = document.createElement("span");
      var b = bar.style;
      b.position = "absolute"; b.background = "#b30000"; b.boxShadow = "0 0 0 1px #fff";
      if (way === "horizontal") { b.left = "0"; b.right = "0"; b.top = "13px"; b.height = "2px"; }
      else { b.top = "0"; b.bottom = "0"; b.left = "13px"; b.width = "2px"; }
      cross.appendChild(bar);
    });
    el.appendChild(cross);
    el.addEventListener("focus", function () { cross.hidden = false; });
    el.addEventListener("blur", function () { cross.hidden = true; });
    el.addEventListener("keydown", function (e) {
      if (e.target !== el || e.altKey || e.ctrlKey || e.metaKey) { return; }  // not the zoom buttons
      if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
        e.preventDefault();  // Space would scroll the page
        place(map.getCenter());
      }
    });
  }

  // Address search (when an address file was loaded): the map moves to the address chosen.
  var box = document.getElementById("address-box");
  if (box) {
    var q = document.getElementById("address-q");
    var go = document.getElementById("address-go");
    var results = document.getElementById("address-results");
    var said = document.getElementById("address-status");
    var search = function () {
      var text = q.value.trim();
      results.textContent = "";
      if (text.length < 3) { return; }
      fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (body) {
          said.textContent = body.results.length ? "" : box.dataset.msgNone;
          body.results.forEach(function (a) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button";
            b.className = "address-choice";
            b.textContent = a.label;
            b.addEventListener("click", function () {
              place(L.latLng(a.lat, a.lon), 17);
              // The list goes away with the button that had the focus: the focus goes back to the
              // search field, not to the top of the page (a keyboard user would start over).
              q.value = a.label;
              q.focus();
              results.textContent = "";
              said.textContent = box.dataset.msgFound;
            });
            li.appendChild(b);
            results.appendChild(li);
          });
        })
        .catch(function () { said.textContent = box.dataset.msgError; });
    };
    go.addEventListener("click", search);
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); search(); }  // never sends the report
    });
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

// The photo: the limit is checked on the phone before anything is sent, and a photo larger than
// the server keeps (in bytes or in pixels) is made smaller here, so that it sends in seconds.
(function () {
  "use strict";
  var input = document.getElementById("id_photo");
  var said = document.getElementById("photo-status");
  if (!input || !said || !window.DataTransfer || !window.createImageBitmap) { return; }
  var maxBytes = parseInt(input.dataset.maxBytes, 10);
  var maxSide = parseInt(input.dataset.maxSide, 10);
  var accepted = (input.getAttribute("accept") || "").split(",");
  var form = input.form;

  function mb(n) { return (n / 1048576).toFixed(1).replace(".", document.documentElement.lang === "fr" ? "," : "."); }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }).replace("%%", "%");
  }
  function refuse(message) {
    input.value = "";
    said.textContent = message;
    said.classList.add("errors");
  }

  input.addEventListener("change", function () {
    said.textContent = "";
    said.classList.remove("errors");
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (accepted.indexOf(file.type) < 0) { refuse(said.dataset.msgFormat); return; }
    form.dataset.photoBusy = "1";
    createImageBitmap(file).then(function (bitmap) {
      var side = Math.max(bitmap.width, bitmap.height);
      if (file.size <= maxBytes && side <= maxSide) { return null; }
      var scale = Math.min(1, maxSide / side);
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }).then(function (blob) {
      if (blob === null) { return; }
      if (!blob || blob.size > maxBytes) { refuse(fill(said.dataset.msgTooLarge, { mb: String(Math.round(maxBytes / 1048576)) })); return; }
      var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      var smaller = new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
      var list = new DataTransfer();
      list.items.add(smaller);
      input.files = list.files;
      said.textContent = fill(said.dataset.msgResized, { from: mb(file.size), to: mb(smaller.size) });
      form.dataset.photoResized = String(smaller.size);
    }).catch(function () {
      // The browser cannot read it: the server decides (and says why if it refuses).
      if (file.size > maxBytes) { refuse(fill(said.dataset.msgTooLarge, { mb: String(Math.round(maxBytes / 1048576)) })); }
    }).then(function () { delete form.dataset.photoBusy; });
  });
})();

// Sending with a progress bar: the same POST as without JavaScript, through XMLHttpRequest so
// that the upload's progress shows. The answer replaces the page (the thank-you page, or the
// form with its errors), exactly as a normal send would.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var box = document.getElementById("send-box");
  var bar = document.getElementById("send-progress");
  var said = document.getElementById("send-status");
  var button = document.getElementById("send");
  if (!form || !box || !window.FormData || !window.XMLHttpRequest) { return; }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }).replace("%%", "%");
  }
  form.addEventListener("submit", function (event) {
    if (form.dataset.photoBusy) { event.preventDefault(); return; }  // the photo is being made smaller
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.pathname);
    box.hidden = false;
    bar.value = 0;
    button.disabled = true;
    said.textContent = fill(said.dataset.msgSending, { percent: "0" });
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round(100 * e.loaded / e.total);
      bar.value = percent;
      said.textContent = fill(said.dataset.msgSending, { percent: String(percent) });
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      said.textContent = said.dataset.msgProcessing;
    });
    xhr.addEventListener("load", function () {
      // The thank-you page is shown once (its tracking link is not shown again): the answer
      // already fetched is written in, not loaded a second time.
      var url = xhr.responseURL || "";
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (url && window.history && history.replaceState) { history.replaceState(null, "", url); }
    });
    xhr.addEventListener("error", function () {
      box.hidden = true;
      button.disabled = false;
      said.textContent = said.dataset.msgFailed;
    });
    xhr.send(new FormData(form));
  });
})();
