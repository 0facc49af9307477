// Draws the indicator charts with ECharts (static/vendor/echarts) from the numbers the page's tables
// show (data-chart-values: [[label, value], …]; null is 暂无数据 and is left out of the line).
// Without JavaScript the tables beside the charts carry everything.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") return;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var values;
    try { values = JSON.parse(el.getAttribute("data-chart-values") || "[]"); } catch (e) { return; }
    if (!values.length) return;
    el.style.height = "260px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var kind = el.getAttribute("data-chart");
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: kind === "bar" ? 64 : 40 },
      xAxis: { type: "category", data: values.map(function (v) { return v[0]; }), axisLabel: { rotate: kind === "bar" ? 30 : 0 } },
      yAxis: { type: "value" },
      series: [{
        name: el.getAttribute("data-chart-title") || "",
        type: kind === "line" ? "line" : "bar",
        data: values.map(function (v) { return v[1]; }),
        connectNulls: false
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
