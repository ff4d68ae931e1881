/* Service worker of the task report form, served at /widyaprada/tugas/sw.js (so its scope is the task
   pages, nothing else). It keeps the report pages and the static files they use in one cache:
   - a report page (/widyaprada/tugas/<id>/laporan): from the network when there is one (and the copy kept
     is refreshed), else the kept copy, so the form opens and reloads with no signal;
   - /static/ files: their URLs carry a hash of their content, so a kept copy is always the right one.
   The draft itself lives in IndexedDB (report.js); this worker never sees it. */
"use strict";
var CACHE = "spmp-laporan";
var REPORT_PAGE = /^\/widyaprada\/tugas\/\d+\/laporan$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function offlinePage() {
  var html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>Tidak ada sambungan</title><p>Tidak ada sambungan, dan halaman laporan ini belum tersimpan " +
    "di perangkat. Buka halaman laporan sekali saat ada sinyal agar dapat dipakai tanpa sinyal.</p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function reportPage(request, path) {
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
  if (REPORT_PAGE.test(url.pathname)) {
    event.respondWith(reportPage(request, url.pathname));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (kept) { return kept || staticFile(request); }));
  }
});
