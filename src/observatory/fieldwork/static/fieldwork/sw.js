// The outreach round form's service worker: the form opens with no connection.
// Served by fieldwork.views.round_service_worker at /fieldwork/rounds/sw.js (its scope is
// /fieldwork/rounds/), which writes before this file: const OFFLINE = {version, page, assets}.
//  - the form's page: from the network when there is one (and kept), from the phone otherwise;
//  - its assets (styles, Leaflet, the form's script) and the quartier outlines: kept at install,
//    answered from the phone at once and refreshed in the background;
//  - everything else, and every POST (the rounds themselves), goes to the network untouched:
//    round_form.js keeps unsent rounds in its outbox and sends them when the connection is back.
/* global OFFLINE */
"use strict";
var CACHE = "observatory-rounds-" + OFFLINE.version;

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    // A redirect (to the login page) or an error is never kept in place of the form.
    if (response.ok && !response.redirected) { return cache.put(url, response.clone()).then(function () { return response; }); }
    return response;
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all([OFFLINE.page].concat(OFFLINE.assets).map(function (url) { return keep(cache, url); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("observatory-rounds-") === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  // Logging out on this phone: forget the kept page (it carries the person's organisations).
  if (event.data === "forget") { event.waitUntil(caches.delete(CACHE)); }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var path = url.pathname + url.search;
  if (request.mode === "navigate") {
    if (url.pathname !== OFFLINE.page) { return; }
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return fetch(request).then(function (response) {
        // A login redirect passes through as it is, and is never kept in place of the form.
        if (response.status === 200 && response.type === "basic") { cache.put(OFFLINE.page, response.clone()); }
        return response;
      }, function () {
        return cache.match(OFFLINE.page).then(function (kept) { return kept || Response.error(); });
      });
    }));
    return;
  }
  if (OFFLINE.assets.indexOf(path) < 0) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(path).then(function (kept) {
      var fresh = keep(cache, path);
      if (kept) { fresh.catch(function () { /* offline: the kept copy is enough */ }); return kept; }
      return fresh;
    });
  }));
});
