/* The session day in the browser, progressive enhancement over plain forms:
   - parts marked data-refresh-url reload themselves (the day board, the live chart and alarms);
   - elapsed times tick;
   - forms marked data-offline="retry" are sent in the background: if the connection drops, what
     was typed stays in the form and is sent again every few seconds with the same idempotency
     key, so the server stores it once however many times it arrives. */
(function () {
  "use strict";

  function minutesText(since) {
    var minutes = Math.max(0, Math.floor((Date.now() - since.getTime()) / 60000));
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
      if (container.contains(document.activeElement) && document.activeElement.tagName === "INPUT") { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null) { container.innerHTML = html; tickElapsed(container); }
        })
        .catch(function () { /* offline: keep what is shown; the next tick tries again */ });
    }, seconds * 1000);
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
    tickElapsed(document);
    setInterval(function () { tickElapsed(document); }, 30000);
    document.querySelectorAll("[data-refresh-url]").forEach(refreshable);
    document.querySelectorAll("form[data-offline='retry']").forEach(retrying);
    document.querySelectorAll("form.confirm:not([data-offline])").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
