/* The session day in the browser, progressive enhancement over plain forms:
   - parts marked data-refresh-url reload themselves (the day board, the live chart and alarms);
     a reply made of data-live-part pieces updates the page's pieces of the same name in place
     (the session page's alarms and next reading due in its header, its chart beside the forms);
   - elapsed times tick, counted on the server's clock when the page gives it (a tablet's own
     clock may be wrong);
   - the session page's Vitals button lands on the form ready to type; collapsible sections open
     when a link or a saved step points inside them, and stay as the nurse left them across the
     reloads that follow a save;
   - forms marked data-offline="retry" are sent in the background: if the connection drops, what
     was typed stays in the form and is sent again every few seconds with the same idempotency
     key, so the server stores it once however many times it arrives. */
(function () {
  "use strict";

  // Server time minus this device's time, from the page's data-server-now (0 where none is given).
  var clockOffsetMs = 0;

  function minutesText(since) {
    var minutes = Math.max(0, Math.floor((Date.now() + clockOffsetMs - since.getTime()) / 60000));
    if (minutes < 60) { return minutes + " min"; }
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function tickElapsed(root) {
    (root || document).querySelectorAll("[data-since]").forEach(function (element) {
      var since = new Date(element.getAttribute("data-since"));
      if (!isNaN(since.getTime())) { element.textContent = minutesText(since); }
    });
  }

  function refreshable(container) {
    var url = container.getAttribute("data-refresh-url");
    var seconds = parseInt(container.getAttribute("data-refresh-seconds") || "15", 10);
    if (!url) { return; }
    setInterval(function () {
      if (document.hidden) { return; }
      // Never replace what a nurse is typing into (an alarm acknowledgement, say).
      if (typingIn(container)) { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && !placeParts(html)) { container.innerHTML = html; tickElapsed(container); }
        })
        .catch(function () { /* offline: keep what is shown; the next tick tries again */ });
    }, seconds * 1000);
  }

  function typingIn(element) {
    var active = document.activeElement;
    return element.contains(active) && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
  }

  // A reply of data-live-part pieces: each replaces the page's piece of the same name, unless the
  // nurse is typing in it. Returns false for a reply without pieces (the caller replaces it whole).
  function placeParts(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var parts = template.content.querySelectorAll("[data-live-part]");
    if (!parts.length) { return false; }
    parts.forEach(function (part) {
      var target = document.querySelector("[data-live-part='" + part.getAttribute("data-live-part") + "']");
      if (target && !typingIn(target)) { target.innerHTML = part.innerHTML; tickElapsed(target); }
    });
    return true;
  }

  function sectionsKey() { return "session-sections:" + window.location.pathname; }

  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
  }

  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id ? document.getElementById(decodeURIComponent(id)) : null;
    if (target) { openAround(target); }
  }

  // Sections marked data-remember keep the nurse's open/closed choice across the reload after each
  // save (sessionStorage, this page only); a section showing a refused entry always stays open.
  function rememberSections() {
    var saved = {};
    try { saved = JSON.parse(window.sessionStorage.getItem(sectionsKey()) || "{}"); } catch (error) { saved = {}; }
    document.querySelectorAll("details[data-remember]").forEach(function (section) {
      var hasErrors = section.querySelector(".is-invalid, .invalid-feedback, .alert-danger");
      if (Object.prototype.hasOwnProperty.call(saved, section.id) && !hasErrors) { section.open = saved[section.id]; }
      var summary = section.querySelector(":scope > summary");
      if (!summary) { return; }
      // The nurse's own tap (or Enter) only: the click comes before the section opens or closes.
      summary.addEventListener("click", function () {
        saved[section.id] = !section.open;
        try { window.sessionStorage.setItem(sectionsKey(), JSON.stringify(saved)); } catch (error) { /* private mode */ }
      });
    });
  }

  function trackHeaderHeight(header) {
    function update() {
      document.documentElement.style.setProperty("--session-header-height", header.offsetHeight + "px");
    }
    update();
    if (window.ResizeObserver) { new window.ResizeObserver(update).observe(header); }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return String(Date.now()) + String(Math.random()).slice(2);
  }

  function status(form, text, kind) {
    var box = form.querySelector(".offline-status");
    if (!box) { return; }
    box.className = "offline-status" + (text ? " alert py-1 px-2 small alert-" + kind : "");
    box.textContent = text;
  }

  function showErrors(form, body) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll(".js-error").forEach(function (el) { el.remove(); });
    var fields = (body && body.fields) || {};
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector("[name$='-" + name + "'], [name='" + name + "']");
      if (!input) { return; }
      input.classList.add("is-invalid");
      var messages = fields[name].map(function (m) { return typeof m === "string" ? m : m.message; });
      var feedback = document.createElement("div");
      feedback.className = "invalid-feedback d-block js-error";
      feedback.textContent = messages.join(" ");
      input.insertAdjacentElement("afterend", feedback);
    });
    status(form, (body && body.message) || "Not saved.", "danger");
  }

  function retrying(form) {
    var confirmText = form.getAttribute("data-confirm");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.dataset.sending === "1") { return; }
      if (confirmText && !window.confirm(confirmText)) { return; }
      var data = new FormData(form);
      var button = form.querySelector("[type=submit]");
      form.dataset.sending = "1";
      if (button) { button.disabled = true; }
      function send() {
        fetch(form.getAttribute("action") || window.location.pathname, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; },
            function () { return { ok: response.ok, body: null }; }).then(function (result) {
            if (result.ok) {
              status(form, result.body.message || "Saved.", "success");
              // Saved once: the next entry gets a new key. Reload to show it in the chart.
              var key = form.querySelector("[name$='idempotency_key']");
              if (key) { key.value = newKey(); }
              window.location.reload();
              return;
            }
            form.dataset.sending = "";
            if (button) { button.disabled = false; }
            if (response.status === 403) { status(form, "You are not allowed to do this.", "danger"); return; }
            showErrors(form, result.body);
          });
        }).catch(function () {
          // The connection dropped: keep everything typed and try again with the same key.
          status(form, "Not sent: no connection. Your entry is kept and will be sent again automatically…", "warning");
          setTimeout(send, 5000);
        });
      }
      send();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var clock = document.querySelector("[data-server-now]");
    var serverNow = clock ? new Date(clock.getAttribute("data-server-now")) : null;
    if (serverNow && !isNaN(serverNow.getTime())) { clockOffsetMs = serverNow.getTime() - Date.now(); }
    tickElapsed(document);
    setInterval(function () { tickElapsed(document); }, 15000);
    var header = document.getElementById("session-header");
    if (header) { trackHeaderHeight(header); }
    rememberSections();
    openTarget();
    window.addEventListener("hashchange", openTarget);
    document.querySelectorAll("a[data-focus]").forEach(function (link) {
      link.addEventListener("click", function () {
        var field = document.getElementById(link.getAttribute("data-focus"));
        if (!field) { return; }
        openAround(field);
        // After the jump to the anchor: the first field takes the typing (the tablet's keyboard opens).
        window.setTimeout(function () { field.focus({ preventScroll: true }); }, 0);
      });
    });
    document.querySelectorAll("[data-refresh-url]").forEach(refreshable);
    document.querySelectorAll("form[data-offline='retry']").forEach(retrying);
    document.querySelectorAll("form.confirm:not([data-offline])").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
