// Progressive enhancement only: every task works without this file.
// Character counters for fields marked data-counter, counting characters (not bytes),
// so "最多 80 个字" means what a Chinese reader expects.
(function () {
  "use strict";
  function chars(s) { return Array.from(s).length; }
  document.querySelectorAll("[data-counter][maxlength]").forEach(function (field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    var out = document.createElement("span");
    out.className = "counter";
    out.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", out);
    function update() {
      var n = chars(field.value);
      out.textContent = n + " / " + max;
      out.classList.toggle("over", n > max);
    }
    field.addEventListener("input", update);
    update();
  });
  // Category suggestions while the resident describes the problem: the likeliest
  // categories go first in the list (the form's "suggest" button does the same without
  // script); the full list stays below them and the choice stays the resident's.
  var box = document.getElementById("category-suggestions");
  var select = document.getElementById("category");
  var description = document.getElementById("description");
  var title = document.getElementById("title");
  if (box && select && description) {
    var timer = null, asked = "";
    function show(list) {
      var old = document.getElementById("suggested-group");
      if (old) { old.remove(); }
      box.textContent = "";
      if (!list.length) { return; }
      var group = document.createElement("optgroup");
      group.id = "suggested-group";
      group.label = box.getAttribute("data-group");
      list.forEach(function (c) {
        var o = document.createElement("option");
        o.value = c.code;
        // The full list's option says whether the category is urgent or a report.
        var same = select.querySelector("optgroup:not(#suggested-group) option[value=\"" + c.code + "\"]");
        ["data-urgent", "data-report"].forEach(function (a) { if (same && same.hasAttribute(a)) { o.setAttribute(a, ""); } });
        o.textContent = c.name + "（" + Math.round(c.score * 100) + "%）";
        group.appendChild(o);
      });
      select.insertBefore(group, select.options[0] ? select.options[0].nextSibling : null);
      var sep = document.documentElement.lang === "en" ? ", " : "、";
      box.textContent = box.getAttribute("data-lead") + list.map(function (c) { return c.name; }).join(sep);
    }
    function ask() {
      var text = (title ? title.value + "\n" : "") + description.value;
      if (chars(description.value.trim()) < 8 || text === asked) { return; }
      asked = text;
      fetch("/api/v1/routing/suggest?text=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { categories: [] }; })
        .then(function (s) { if (text === asked) { show(s.categories || []); } })
        .catch(function () {});
    }
    [description, title].forEach(function (f) {
      if (f) { f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 500); }); }
    });
  }
  // Copy and print buttons (hidden without script, where the browser's own do the job).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var from = document.getElementById(button.getAttribute("data-copy"));
    if (!from || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(from.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-done");
      });
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Long area lists (400 villages and more): a box above the list keeps only the
  // options whose name contains what is typed, and the groups that still have one.
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.id = select.id + "-filter";
    box.placeholder = select.getAttribute("data-filter");
    box.setAttribute("aria-label", select.getAttribute("data-filter"));
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim();
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (o) {
          var hit = !needle || o.textContent.indexOf(needle) >= 0 || group.label.indexOf(needle) >= 0;
          o.hidden = !hit;
          o.disabled = !hit;
          if (hit) { shown += 1; if (!first) { first = o; } }
        });
        group.hidden = shown === 0;
      });
      if (needle && first && (select.selectedOptions.length === 0 || select.selectedOptions[0].hidden)) {
        select.value = first.value;
      }
    });
  });
  // Bring the error summary into view after a rejected submission.
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
