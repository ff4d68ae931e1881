/* Reports written with no signal: the Widyaprada's task report at the school, the university facilitator's
   visit report at the building site. One script for every such form, driven by data attributes.
   - Pages: an element with data-service-worker registers that worker (report-sw.js, served by the
     feature's route so its scope is the feature's pages), which keeps this page and its static files, so
     it opens and reloads offline. Links marked data-offline-page (the caseload's visit forms) are kept too.
   - The form (form[data-offline-report]): its draft, photos included, is kept in this browser (IndexedDB,
     one draft per user and data-draft-id) on every keystroke. The submit button queues it ("Belum
     terkirim") with a key of its own; it is sent as soon as there is a connection (now, when the browser
     comes back online, every 30 s, at the next visit), and shown "Terkirim" when the server has it. The
     server receives one key once (a resend after a lost answer is "sudah diterima"); a refusal (JSON
     ok:false) keeps the draft and says why.
   Attributes of the form: data-draft-id (required), data-report-version (a saved report's version, sent
   back; a newer one on the server answers 409 "stale"), data-required (field names) with
   data-required-message (a required file input means at least one photo), data-keep-photos (send photos
   as taken: made smaller on the device they would lose their GPS position), data-photos-need-gps (a JPEG
   without its GPS position is not attached, and the user is told at once), data-reset-after-send (each
   send is a new report), data-back and data-back-text (the link shown once sent).
   No framework: IndexedDB, fetch and FormData. Without them the form posts as a plain form. */
(function () {
  "use strict";
  var CACHE = "spmp-laporan";  // logging out deletes it (forms.js)
  var holder = document.querySelector("[data-service-worker]");
  var form = document.querySelector("form[data-offline-report]");

  /* --- the pages, kept for offline use by the service worker --- */
  function offlineReady() { holder.setAttribute("data-offline-ready", "1"); }
  function pathOf(url) { return new URL(url, location.href).pathname; }
  function cacheThisPage() {
    // The first visit is not yet under the service worker: keep this page and its files now.
    var assets = Array.prototype.map.call(document.querySelectorAll("link[rel=stylesheet], script[src]"),
      function (el) { return el.href || el.src; });
    return caches.open(CACHE).then(function (cache) { return cache.addAll([location.pathname].concat(assets)); });
  }
  function cacheLinkedPages() {
    // Pages one may need at the school (a caseload's visit forms): kept once, refreshed at each visit.
    var links = document.querySelectorAll("a[data-offline-page]");
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(Array.prototype.map.call(links, function (link) {
        var path = pathOf(link.href);
        return cache.match(path).then(function (kept) { return kept || cache.add(path); })
          .catch(function () { /* that one is not kept: the others are */ });
      }));
    });
  }
  if (holder && "serviceWorker" in navigator && window.caches) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(holder.getAttribute("data-service-worker"))
      .then(function () {
        if (!navigator.onLine) { return null; }
        return (controlled ? Promise.resolve() : cacheThisPage()).then(cacheLinkedPages);
      })
      .then(offlineReady, function () { /* no offline copy: the pages still work online */ });
  }

  var user = document.body.getAttribute("data-user");
  if (!form || !user || !window.indexedDB || !window.fetch || !window.FormData || !window.spmpForms) { return; }
  var RETRY_MS = 30000, MAX_SIDE = 1600, PHOTO_QUALITY = 0.8;
  var DRAFT_ID = user + "|" + form.getAttribute("data-draft-id");
  var statusBox = form.querySelector(".report-status");
  var photoInput = form.querySelector("input[type=file]");
  var photoList = form.querySelector(".photo-list");
  var submitButton = form.querySelector("button[type=submit]");
  var SUBMIT = "\u201c" + (submitButton ? submitButton.textContent.trim() : "Simpan") + "\u201d";
  var hasVersion = form.hasAttribute("data-report-version");
  var draft = null, sending = false;
  form.noValidate = true;  // checked here: the photos are in the draft, no longer in the file input

  /* --- the draft in IndexedDB --- */
  var opened = null;
  function database() {
    opened = opened || new Promise(function (resolve, reject) {
      var request = indexedDB.open("spmp-laporan", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("drafts", { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opened;
  }
  function withStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("drafts", mode), request = work(tx.objectStore("drafts"));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function keep() { draft.savedAt = Date.now(); return withStore("readwrite", function (s) { return s.put(draft); }); }
  function forget() { return withStore("readwrite", function (s) { return s.delete(DRAFT_ID); }); }
  function newDraft(base) {
    return { id: DRAFT_ID, key: null, base: base, fields: spmpForms.snapshot(form), photos: [], state: "draft" };
  }
  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function setToday() {
    // A page kept for days offline still starts a new report today (the device's date).
    var now = new Date(), local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
    Array.prototype.forEach.call(form.querySelectorAll("input[type=date][data-today]"), function (input) {
      input.value = local.toISOString().slice(0, 10);
    });
  }

  /* --- what the user sees --- */
  var TEXT = {
    draft: "Draf tersimpan di perangkat ini. Tekan " + SUBMIT + " untuk mengirimnya.",
    pending: "Belum terkirim. Laporan tersimpan di perangkat ini dan dikirim otomatis saat ada sinyal.",
    sending: "Mengirim laporan\u2026",
    refused: "Belum terkirim: ",
    sent: "Terkirim. "
  };
  function show(state, detail) {
    statusBox.hidden = false;
    statusBox.className = "report-status state-" + state;
    statusBox.setAttribute("data-state", state);
    statusBox.textContent = TEXT[state] + (detail || "");
    if (state === "sent" && form.getAttribute("data-back")) {
      var back = document.createElement("a");
      back.href = form.getAttribute("data-back");
      back.textContent = " " + form.getAttribute("data-back-text");
      statusBox.appendChild(back);
    }
  }
  function showPhotos() {
    Array.prototype.forEach.call(photoList.querySelectorAll("img"), function (img) { URL.revokeObjectURL(img.src); });
    photoList.textContent = "";
    draft.photos.forEach(function (photo, index) {
      var item = document.createElement("li"), img = document.createElement("img"), remove = document.createElement("button");
      img.src = URL.createObjectURL(photo.blob);
      img.alt = photo.name;
      remove.type = "button";
      remove.className = "link";
      remove.textContent = "Hapus";
      remove.addEventListener("click", function () {
        draft.photos.splice(index, 1);
        keep().then(showPhotos);
      });
      item.appendChild(img);
      item.appendChild(document.createTextNode(photo.name + " (" + Math.ceil(photo.blob.size / 1024) + " KB) "));
      item.appendChild(remove);
      photoList.appendChild(item);
    });
  }

  /* --- photos: made smaller on the device (a phone photo of 4 MB is sent as ~300 KB), unless kept as taken --- */
  function shrink(file) {
    if (!window.createImageBitmap || form.hasAttribute("data-keep-photos")) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (image) {
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      if (scale === 1 && file.size < 500 * 1024) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob && blob.size < file.size ? new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg",
            { type: "image/jpeg" }) : file);
        }, "image/jpeg", PHOTO_QUALITY);
      });
    }).catch(function () { return file; });
  }
  /* --- photos that must show where they were taken (data-photos-need-gps): told on the device, while
     one can still take another at the school, instead of by the server later --- */
  function gpsInTiff(view, tiff) {
    var little = view.getUint16(tiff) === 0x4949;
    function u16(at) { return view.getUint16(tiff + at, little); }
    function u32(at) { return view.getUint32(tiff + at, little); }
    function tags(ifd) {
      var found = {}, count = u16(ifd);
      for (var i = 0; i < count; i++) { found[u16(ifd + 2 + i * 12)] = u32(ifd + 10 + i * 12); }
      return found;
    }
    var gps = tags(u32(4))[0x8825];  // IFD0's pointer to the GPS tags
    if (!gps) { return false; }
    var position = tags(gps);
    return position[2] !== undefined && position[4] !== undefined;  // latitude and longitude
  }
  function hasPosition(file) {
    if (!form.hasAttribute("data-photos-need-gps") || file.type !== "image/jpeg" || !file.arrayBuffer) {
      return Promise.resolve(true);  // a PNG, an old browser: the server decides
    }
    return file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
      var view = new DataView(buffer), offset = 2;
      while (offset + 10 <= view.byteLength) {
        var marker = view.getUint16(offset);
        if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) { return gpsInTiff(view, offset + 10); }
        if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) { break; }  // the image data: no Exif before it
        offset += 2 + view.getUint16(offset + 2);
      }
      return false;
    }).catch(function () { return true; });  // not read to the end: the server decides
  }
  function addPhotos() {
    var files = Array.prototype.filter.call(photoInput.files || [], function (f) { return /^image\/(jpeg|png)$/.test(f.type); });
    if (files.length < (photoInput.files || []).length) { show("refused", "hanya foto JPEG atau PNG yang dapat dilampirkan."); }
    Promise.all(files.map(hasPosition)).then(function (placed) {
      var without = files.filter(function (f, i) { return !placed[i]; }).map(function (f) { return f.name; });
      if (without.length) {
        show("refused", "foto " + without.join(", ") + " tanpa titik lokasi GPS, jadi tidak dilampirkan: " +
             "aktifkan lokasi pada kamera lalu ambil foto lagi di lokasi.");
      }
      return Promise.all(files.filter(function (f, i) { return placed[i]; }).map(shrink));
    }).then(function (photos) {
      photos.forEach(function (p) { draft.photos.push({ name: p.name, type: p.type, blob: p }); });
      photoInput.value = "";
      return keep();
    }).then(showPhotos);
  }

  /* --- sending --- */
  function Refused(message) { this.message = message; }
  function freshToken() {
    // The token of the page kept offline may be old: ask the server for the current one first.
    return fetch(form.action, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.redirected && /\/login/.test(response.url)) { throw new Error("login"); }
      if (response.status === 403 || response.status === 404) {  // no longer this user's form: say why, stop
        return response.text().then(function (html) {
          var why = new DOMParser().parseFromString(html, "text/html").getElementById("error-message");
          throw new Refused((why ? why.textContent.trim().replace(/\.$/, "") : "Akses ditolak") +
                            " (HTTP " + response.status + ")");
        });
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (html) {
      var input = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
      if (!input) { throw new Error("token"); }
      return input.value;
    });
  }
  function body(token) {
    var data = new FormData();
    data.append("csrf_token", token);
    if (hasVersion) { data.append("report_version", String(draft.base)); }
    data.append("draft_key", draft.key);
    Object.keys(draft.fields).forEach(function (name) {
      draft.fields[name].forEach(function (value) { data.append(name, value); });
    });
    draft.photos.forEach(function (photo) { data.append(photoInput.name, photo.blob, photo.name); });
    return data;
  }
  function received(answer, sentFields) {
    if (hasVersion) { form.setAttribute("data-report-version", answer.report_version); }
    var edited = JSON.stringify(draft.fields) !== sentFields;
    if (!edited && form.hasAttribute("data-reset-after-send")) { form.reset(); setToday(); }
    draft = newDraft(answer.report_version || 0);  // what is on the form now, over the version just saved
    if (window.caches) { caches.open(CACHE).then(function (cache) { cache.add(form.action); }); }
    showPhotos();
    if (edited) { return keep(); }  // typed while it was sending: that is a new draft
    return forget();
  }
  function refused(answer) {
    draft.state = "refused";
    draft.serverVersion = answer.report_version;
    draft.message = answer.message + ". Draf tetap tersimpan di perangkat ini; " + (answer.stale ?
      "tekan " + SUBMIT + " untuk mengirimnya menggantikan versi " + answer.report_version +
      ", atau buka halaman tugas untuk melihat versi itu." :
      "perbaiki lalu tekan " + SUBMIT + " untuk mengirim ulang.");
    return keep().then(function () { show("refused", draft.message); });
  }
  function send() {
    if (!draft || draft.state !== "pending" || sending) { return; }
    sending = true;
    show("sending");
    var sentFields = JSON.stringify(draft.fields);
    freshToken().then(function (token) {
      return fetch(form.action, { method: "POST", body: body(token), credentials: "same-origin",
                                  headers: { Accept: "application/json" } });
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json && response.status >= 400 && response.status < 500) {  // refused before the view answered
        return refused({ message: response.status === 413 ?
          "Kiriman terlalu besar (foto terlalu banyak atau terlalu besar); hapus sebagian foto" :
          "Server menolak kiriman (HTTP " + response.status + ")" });
      }
      if (!json) { throw new Error("HTTP " + response.status); }  // 5xx: tried again later
      return response.json().then(function (answer) {
        if (answer.ok) {
          return received(answer, sentFields).then(function () { show("sent", answer.message); });
        }
        return refused(answer);
      });
    }).catch(function (error) {
      if (error instanceof Refused) { return refused({ message: error.message }); }
      var why = error.message === "login" ? " Sesi Anda berakhir: masuk kembali, lalu buka halaman ini." :
        (/^HTTP/.test(error.message) ? " (server menjawab " + error.message + ")" : "");
      show("pending", why);
    }).then(function () { sending = false; });
  }

  /* --- the form --- */
  function missing() {
    var names = (form.getAttribute("data-required") || "").split(/\s+/).filter(function (name) {
      return name && !(draft.fields[name] && draft.fields[name][0].trim());
    });
    if (photoInput && photoInput.required && !draft.photos.length) { names.push(photoInput.name); }
    return names;
  }
  function queue(event) {
    event.preventDefault();
    draft.fields = spmpForms.snapshot(form);
    var names = missing();
    if (names.length) {
      show("refused", form.getAttribute("data-required-message"));
      form.elements[names[0]].focus();
      return;
    }
    if (draft.state === "refused" && draft.serverVersion !== undefined) {
      draft.base = draft.serverVersion;  // sent again after a refusal: the user chose this copy
      draft.key = null;
    }
    draft.key = draft.key || newKey();
    draft.state = "pending";
    keep().then(send);
  }
  function edited() {
    draft.fields = spmpForms.snapshot(form);
    keep().then(function () { if (draft.state === "draft") { show("draft"); } });
  }

  function start(saved) {
    if (!saved) { setToday(); }
    draft = saved || newDraft(parseInt(form.getAttribute("data-report-version"), 10) || 0);
    if (saved) {
      spmpForms.fill(form, saved.fields);
      showPhotos();
      show(saved.state, saved.state === "refused" ? saved.message : "");
    }
    if (!submitButton) { return; }
    photoInput.addEventListener("change", addPhotos);
    // The file input's own events are the photos' (addPhotos): "draft kept" must not cover what it says.
    function typed(event) { if (event.target !== photoInput) { edited(); } }
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", queue);
    window.addEventListener("online", send);
    setInterval(send, RETRY_MS);
    send();
  }
  withStore("readonly", function (s) { return s.get(DRAFT_ID); }).then(start, function () { start(null); });
})();
