/* Service worker of the pages that work with no signal. One script, served by each feature's route so that
   its scope is that feature's pages only (web/offline.py::service_worker):
   - /widyaprada/tugas/sw.js (scope /widyaprada/tugas/): the task report pages;
   - /revitalisasi/sw.js (scope /revitalisasi/): the facilitator's caseload and visit report pages.
   It keeps those pages and the static files they use in one cache:
   - a kept page (PAGES, without a query string): from the network when there is one (and the copy kept is refreshed), else the
     kept copy, so the form opens and reloads with no signal; every other page is left to the network;
   - /static/ files: their URLs carry a hash of their content, so a kept copy is always the right one.
   The drafts themselves live in IndexedDB (report.js); this worker never sees them. */
"use strict";
var CACHE = "spmp-laporan";
var PAGES = [
  /^\/widyaprada\/tugas\/\d+\/laporan$/,
  /^\/revitalisasi\/binaan$/,
  /^\/revitalisasi\/usulan\/\d+\/kunjungan$/
];

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function offlinePage() {
  var html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>Tidak ada sambungan</title><p>Tidak ada sambungan, dan halaman ini belum tersimpan " +
    "di perangkat. Buka halaman ini sekali saat ada sinyal agar dapat dipakai tanpa sinyal.</p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function keptPage(request, path) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (kept) { return kept || offlinePage(); });
  });
}

function staticFile(request) {
  return fetch(request).then(function (response) {
    if (response.ok && new URL(request.url).searchParams.get("v")) {  // only hashed URLs: never stale
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (!url.search && PAGES.some(function (page) { return page.test(url.pathname); })) {  // not ?format=xlsx
    event.respondWith(keptPage(request, url.pathname));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (kept) { return kept || staticFile(request); }));
  }
});
