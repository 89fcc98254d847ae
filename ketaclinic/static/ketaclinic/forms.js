// Form pages: the error summary takes the focus on load and each of its links moves the focus to
// its field; the rows of a list ([data-formset], a Django formset) are added and removed in the
// page. Without JavaScript the page works as before: the summary is announced as an alert, a
// row's Delete box removes it on save, and a saved draft brings a new blank row.
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  }

  document.querySelectorAll("[data-formset]").forEach(function (list) {
    var total = list.querySelector("input[name$='-TOTAL_FORMS']");
    var rows = list.querySelector("[data-formset-rows]");
    var template = list.querySelector("template[data-formset-template]");
    var add = list.querySelector("[data-formset-add]");
    var most = parseInt(list.getAttribute("data-formset-max"), 10) || 1000;
    if (!total || !rows || !template || !add) {
      return;
    }

    function shown() {
      return rows.querySelectorAll("[data-formset-row]:not([hidden])").length;
    }

    function refresh() {
      // The formset refuses more rows than its maximum; the button stops there too.
      add.disabled = Number(total.value) >= most;
    }

    function wire(row) {
      var remove = row.querySelector("[data-formset-remove]");
      var deleted = row.querySelector("input[type='checkbox'][name$='-DELETE']");
      if (!remove || !deleted) {
        return;
      }
      // "Remove" stands in for the Delete box: it ticks it (the server leaves the row out,
      // stored or new) and hides the row.
      deleted.closest(".form-check").hidden = true;
      remove.hidden = false;
      if (deleted.checked) {
        row.hidden = true;
      }
      remove.addEventListener("click", function () {
        deleted.checked = true;
        row.hidden = true;
        if (shown() === 0) {
          addRow();
        } else {
          add.focus();
        }
      });
    }

    function addRow() {
      var index = Number(total.value);
      if (index >= most) {
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index)).trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      wire(row);
      refresh();
      var first = row.querySelector("input:not([type='hidden']), select, textarea");
      if (first) {
        first.focus();
      }
    }

    rows.querySelectorAll("[data-formset-row]").forEach(wire);
    add.hidden = false;
    add.addEventListener("click", addRow);
    list.querySelectorAll("[data-formset-no-script]").forEach(function (note) {
      note.hidden = true;
    });
    refresh();
  });
})();
