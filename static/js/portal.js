/* K-AI Portal: the little JavaScript the pages use. The CSP forbids inline scripts, so pages pass data
   in <script type="application/json"> blocks (Django's json_script) and this file reads them.
   - <canvas data-chart="ID"> draws the chart described by the JSON block #ID with Chart.js
     ({type, labels, datasets: [{label, data}], y_title?}); the page keeps a table with the same numbers.
   Forms submit with their buttons (no submit-on-change: WCAG 3.2.2). htmx enhances the filter forms. */
(function () {
  "use strict";

  var PALETTE = ["#0b5cad", "#e08a00", "#1e7b34", "#7a3db8", "#b3261e", "#00838f"];

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // Long labels become several lines (Chart.js draws an array label line by line).
  function wrapLabel(label, width) {
    var lines = [], line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function drawChart(canvas) {
    if (canvas.dataset.chartReady || typeof window.Chart === "undefined") { return; }
    var spec = readJson(canvas.dataset.chart);
    if (!spec) { return; }
    var datasets = (spec.datasets || []).map(function (set, i) {
      var colour = PALETTE[i % PALETTE.length];
      return { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour, borderWidth: 1 };
    });
    // On a phone, bars run sideways so that long phase names stay readable.
    var narrow = canvas.parentNode.clientWidth < 560;
    var valueAxis = narrow ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 },
                          title: { display: !!spec.y_title, text: spec.y_title || "" } };
    canvas.dataset.chartReady = "1";
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: (spec.labels || []).map(function (label) { return wrapLabel(label, narrow ? 12 : 24); }),
              datasets: datasets },
      options: {
        indexAxis: narrow ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function init(root) {
    if (window.Chart) {
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    }
    root.querySelectorAll("canvas[data-chart]").forEach(drawChart);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
