/* The programme dashboard's charts (ECharts, SVG renderer: crisp when printed). The data comes
   from the page (json_script #plan-chart-data); every chart has a table with the same figures
   for screen readers and printing. No inline script: the CSP forbids it. */
(function () {
  "use strict";

  function charts(data) {
    var progress = data.progress, trend = data.trend, towns = data.towns;
    return {
      progress: {
        animation: false,
        grid: { left: 8, right: 40, top: 10, bottom: 10, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", inverse: true, data: progress.labels, axisLabel: { width: 140, overflow: "truncate" } },
        series: [{
          type: "bar", data: progress.percent, label: { show: true, position: "right", formatter: "{c}%" },
          markLine: { silent: true, symbol: "none", data: [{ xAxis: 100 }], lineStyle: { type: "dashed" } }
        }]
      },
      trend: {
        animation: false,
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: trend.days },
        yAxis: { type: "value" },
        series: trend.series.map(function (s) { return { type: "line", name: s.name, data: s.data }; })
      },
      towns: {
        animation: false,
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: towns.labels, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value" },
        series: towns.series.map(function (s) { return { type: "bar", name: s.name, stack: "n", data: s.data }; })
      }
    };
  }

  function draw() {
    var source = document.getElementById("plan-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var options = charts(JSON.parse(source.textContent));
    var drawn = [];
    document.querySelectorAll(".echart[data-chart]").forEach(function (el) {
      var option = options[el.getAttribute("data-chart")];
      if (!option) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
