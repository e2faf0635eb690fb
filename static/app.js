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
  // Category suggestions while the resident describes the problem (the form's own
  // "suggest" button does the same without script).
  var box = document.getElementById("category-suggestions");
  var select = document.getElementById("category");
  var description = document.getElementById("description");
  var title = document.getElementById("title");
  function pick(code) {
    select.value = code;
    select.dispatchEvent(new Event("change"));
    select.focus();
  }
  if (box && select && description) {
    box.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-code], button[name=pick_category]");
      if (!b) { return; }
      e.preventDefault();
      pick(b.getAttribute("data-code") || b.value);
    });
    var timer = null, asked = "";
    function show(list) {
      box.textContent = "";
      if (!list.length) { return; }
      var lead = document.createElement("p");
      lead.textContent = box.getAttribute("data-lead");
      var ul = document.createElement("ul");
      list.forEach(function (c) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button secondary";
        b.setAttribute("data-code", c.code);
        b.textContent = c.name;
        var score = document.createElement("span");
        score.className = "muted";
        score.textContent = Math.round(c.score * 100) + "%";
        li.appendChild(b);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(score);
        ul.appendChild(li);
      });
      box.appendChild(lead);
      box.appendChild(ul);
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
  // Bring the error summary into view after a rejected submission.
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
