// Score sheet: a running total of the points typed so far (display only; the server checks every value).
(function () {
  "use strict";
  function update(form, output) {
    let total = 0;
    let any = false;
    form.querySelectorAll("input.points").forEach(function (input) {
      const value = parseFloat(input.value);
      if (!Number.isNaN(value)) {
        total += value;
        any = true;
      }
    });
    output.textContent = any ? String(Math.round(total * 100) / 100) : "—";
  }
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form.score-sheet");
    const output = form && form.querySelector("[data-sheet-total]");
    if (!output) {
      return;
    }
    form.addEventListener("input", function () { update(form, output); });
    update(form, output);
  });
})();
