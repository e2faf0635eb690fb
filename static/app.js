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
  // Bring the error summary into view after a rejected submission.
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
