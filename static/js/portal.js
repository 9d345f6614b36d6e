/* K-AI Portal: the little JavaScript the pages use. The CSP forbids inline scripts, so pages pass data
   in <script type="application/json"> blocks (Django's json_script) and this file reads them.
   - <canvas data-chart="ID"> draws the chart described by the JSON block #ID with Chart.js
     ({type, labels, datasets: [{label, data}], y_title?, unit?, stacked?}); the page keeps a table with
     the same numbers. unit "krw" writes whole-won values the reader's way (1,576억원 / ₩157.6bn),
     "points" keeps decimals, anything else counts whole numbers.
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

  function isKorean() {
    return (document.documentElement.lang || "ko").slice(0, 2) === "ko";
  }

  function grouped(number, decimals) {
    return number.toLocaleString(isKorean() ? "ko-KR" : "en-US", { maximumFractionDigits: decimals });
  }

  // Same units as the krw_short template filter (common/templatetags/kai_format.py).
  var KO_UNITS = [[1e12, "조원"], [1e8, "억원"], [1e4, "만원"]];
  var EN_UNITS = [[1e12, "tn"], [1e9, "bn"], [1e6, "m"]];

  function krwShort(value) {
    if (value === null || value === undefined) { return ""; }
    var sign = value < 0 ? "-" : "", magnitude = Math.abs(value), korean = isKorean();
    var units = korean ? KO_UNITS : EN_UNITS;
    for (var i = 0; i < units.length; i++) {
      if (magnitude >= units[i][0]) {
        var amount = grouped(magnitude / units[i][0], 2);
        return korean ? sign + amount + units[i][1] : sign + "₩" + amount + units[i][1];
      }
    }
    return korean ? sign + grouped(magnitude, 0) + "원" : sign + "₩" + grouped(magnitude, 0);
  }

  function formatter(unit) {
    if (unit === "krw") { return krwShort; }
    if (unit === "points") { return function (value) { return grouped(value, 2); }; }
    return function (value) { return grouped(value, 0); };
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
    var categoryAxis = narrow ? "y" : "x";
    var format = formatter(spec.unit);
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: !!spec.stacked,
                          ticks: { precision: spec.unit === "points" ? undefined : 0,
                                   callback: function (value) { return format(value); } },
                          title: { display: !!spec.y_title, text: spec.y_title || "" } };
    scales[categoryAxis] = { stacked: !!spec.stacked };
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
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (context) {
            return context.dataset.label + ": " + format(context.parsed[valueAxis]);
          } } }
        }
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
  // Content swapped in by htmx gets the same treatment; charts about to be replaced let go of their canvas.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.Chart || !event.detail.target) { return; }
    event.detail.target.querySelectorAll("canvas[data-chart-ready]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) { chart.destroy(); }
    });
  });
})();
