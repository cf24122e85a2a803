// The dashboard's charts, drawn with Chart.js from the JSON the page carries
// (#dashboard-charts). Without this script, or without Chart.js, the tables under each
// chart show the same numbers. Values arrive in their units: fen, counts, basis points.
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") { return; }
  var specs = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "zh-CN";
  var colors = ["#d9332b", "#1463d6", "#1a7f37", "#9a6700", "#6f42c1"];
  var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function number(value, digits) {
    return value.toLocaleString(lang, { maximumFractionDigits: digits });
  }

  function format(unit, value) {
    if (unit === "fen") { return "¥" + number(value / 100, 2); }
    if (unit === "bp") { return number(value / 100, 2) + "%"; }
    return number(value, 0);
  }

  function draw(canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) { return; }
    var valueAxis = spec.horizontal ? "x" : "y";
    // Values are whole fen, counts or basis points: ticks between them mean nothing.
    var ticks = { precision: 0, callback: function (value) { return format(spec.unit, value); } };
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: spec.stacked, ticks: ticks };
    scales[valueAxis === "y" ? "x" : "y"] = { stacked: spec.stacked };
    var datasets = spec.datasets.map(function (set, i) {
      var color = colors[i % colors.length];
      var dataset = {
        label: set.label,
        type: set.type,
        data: set.data,
        backgroundColor: set.type === "line" ? color : color + "cc",
        borderColor: color,
        borderWidth: set.type === "line" ? 2 : 0,
        pointRadius: spec.labels.length > 31 ? 0 : 2,
        maxBarThickness: 36,
        tension: 0.2,
        order: set.type === "line" ? 0 : 1
      };
      if (set.right) {
        dataset.yAxisID = "right";
        scales.right = {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: ticks
        };
      }
      return dataset;
    });
    var box = canvas.parentElement;
    box.hidden = false;
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + format(spec.unit, item.raw);
              }
            }
          }
        }
      }
    });
    // The chart shows the numbers now; their table stays one click away.
    var details = box.parentElement.querySelector("details.chart-data");
    if (details) { details.open = false; }
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
