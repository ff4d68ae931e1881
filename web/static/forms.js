/* Nothing typed is lost: every POST form keeps a draft in localStorage until the server has saved it.
   - saved on each keystroke/change and on submit; restored when the form is shown again (after an expired
     session and a new login, a failed upload, a closed tab); the server marks a saved form (body
     data-saved-form = the path it was posted to) and its draft is dropped; logging out drops all drafts.
   - file inputs: the size limit (data-max-bytes) is checked before the upload starts.
   Forms with a password field or data-draft="off" keep no draft (the task report keeps its own, with
   photos, in IndexedDB: report.js). No framework, no dependencies. */
(function () {
  "use strict";
  var PREFIX = "spmp-draft|";
  var SKIP = { hidden: 1, password: 1, file: 1, submit: 1, button: 1, reset: 1, image: 1 };
  var body = document.body;
  var user = body.getAttribute("data-user");

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function actionPath(form) {
    return new URL(form.action || location.href, location.href).pathname;
  }
  function keyOf(form) {
    return PREFIX + user + "|" + actionPath(form) + "|" + (form.id || "");
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.type] && el.name !== "csrf_token" && !el.disabled;
    });
  }
  function draftable(form) {
    return (form.method || "").toLowerCase() === "post" && form.getAttribute("data-draft") !== "off" &&
      !form.querySelector("input[type=password]") && fields(form).length > 0;
  }
  function snapshot(form) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else if (el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        (data[el.name] = data[el.name] || []).push(el.value);  // a repeated name (table rows): in order
      }
    });
    return data;
  }
  function differs(form, data) {
    return JSON.stringify(snapshot(form)) !== JSON.stringify(data);
  }
  function save(form) {
    var s = store();
    if (!s) { return; }
    var now = snapshot(form), key = keyOf(form);
    if (!form.__initial || JSON.stringify(now) !== form.__initial) {
      try { s.setItem(key, JSON.stringify({ at: Date.now(), data: now })); } catch (e) { /* full: ignore */ }
    } else {
      s.removeItem(key);
    }
  }
  function fill(form, data) {
    var nth = {};
    fields(form).forEach(function (el) {
      var values = data[el.name], index = nth[el.name] = (nth[el.name] || 0) + 1;
      if (!values) {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = false; }
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else {
        el.value = values[index - 1] === undefined ? "" : values[index - 1];  // the n-th field of that name
      }
    });
  }
  function notice(form) {
    var box = document.createElement("div");
    box.className = "notice draft-notice";
    box.setAttribute("role", "status");
    box.textContent = "Isian yang belum terkirim dipulihkan dari perangkat ini. Periksa, lalu kirim. ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = "Buang draf";
    discard.addEventListener("click", function () {
      store().removeItem(keyOf(form));
      form.reset();
      box.parentNode.removeChild(box);
    });
    box.appendChild(discard);
    form.insertBefore(box, form.firstChild);
  }
  function dropSaved() {
    var s = store(), path = body.getAttribute("data-saved-form");
    if (!s || !path) { return; }
    var prefix = PREFIX + user + "|" + path + "|";
    for (var i = s.length - 1; i >= 0; i--) {
      var k = s.key(i);
      if (k && k.indexOf(prefix) === 0) { s.removeItem(k); }
    }
  }
  function dropAll() {
    var s = store();
    if (!s) { return; }
    for (var i = s.length - 1; i >= 0; i--) {
      var k = s.key(i);
      if (k && k.indexOf(PREFIX) === 0) { s.removeItem(k); }
    }
  }
  function setUp(form) {
    form.__initial = JSON.stringify(snapshot(form));
    var raw = store().getItem(keyOf(form));
    if (raw) {
      try {
        var draft = JSON.parse(raw);
        if (differs(form, draft.data)) { fill(form, draft.data); notice(form); }
      } catch (e) { store().removeItem(keyOf(form)); }
    }
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function () { save(form); });
  }

  /* --- upload limits, checked before the upload starts --- */
  function sizeText(bytes) {
    return (bytes / 1048576).toFixed(1).replace(".", ",") + " MB";
  }
  function checkFiles(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10), problem = "";
    Array.prototype.forEach.call(input.files || [], function (f) {
      if (limit && f.size > limit) {
        problem = "Berkas \u201c" + f.name + "\u201d terlalu besar (" + sizeText(f.size) + "); batasnya " +
          sizeText(limit) + ". Perkecil atau pilih berkas lain.";
      }
    });
    var box = document.getElementById(input.id + "-size-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "error";
      box.id = input.id + "-size-error";
      box.setAttribute("role", "alert");
      input.parentNode.appendChild(box);
    }
    box.textContent = problem;
    input.setCustomValidity ? input.setCustomValidity(problem) : null;
    return !problem;
  }
  function guardUploads(form) {
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    if (!inputs.length) { return; }
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () { checkFiles(input); });
    });
    form.addEventListener("submit", function (event) {
      var ok = true;
      Array.prototype.forEach.call(inputs, function (input) { ok = checkFiles(input) && ok; });
      if (!ok) { event.preventDefault(); inputs[0].focus(); }
    });
  }

  // Shared with report.js (the offline report keeps its draft in IndexedDB, with the same field snapshot).
  window.spmpForms = { snapshot: snapshot, fill: fill };
  var logout = document.getElementById("logout");
  if (logout && logout.form) {
    logout.form.addEventListener("submit", dropAll);
    // The report pages kept for offline use hold this user's data: not for whoever logs in next.
    if (window.caches) { logout.form.addEventListener("submit", function () { caches.delete("spmp-laporan"); }); }
  }
  Array.prototype.forEach.call(document.forms, guardUploads);
  if (!user || !store()) { return; }
  dropSaved();
  Array.prototype.forEach.call(document.forms, function (form) {
    if (draftable(form)) { setUp(form); }
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
