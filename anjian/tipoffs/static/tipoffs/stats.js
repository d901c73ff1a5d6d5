// Statistics charts (ECharts, served locally).
(function () {
  "use strict";
  var dataEl = document.getElementById("tip-stats");
  if (!dataEl || typeof echarts === "undefined") return;
  var d = JSON.parse(dataEl.textContent);
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }
  var grid = { left: 40, right: 16, top: 36, bottom: 28, containLabel: true };
  make("chart-months", {
    tooltip: { trigger: "axis" },
    legend: { data: ["接收", "办结"], top: 0 },
    grid: grid,
    xAxis: { type: "category", data: d.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "接收", type: "bar", data: d.received_by_month, itemStyle: { color: "#0b5ed7" } },
      { name: "办结", type: "line", smooth: true, data: d.closed_by_month, itemStyle: { color: "#198754" } }
    ]
  });
  var cats = d.by_category.slice().reverse();
  make("chart-categories", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 36, top: 16, bottom: 28, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: cats.map(function (x) { return x.name; }), axisLabel: { fontSize: 11 } },
    series: [{ type: "bar", data: cats.map(function (x) { return x.value; }), itemStyle: { color: "#d63343" }, label: { show: true, position: "right" } }]
  });
  make("chart-communities", {
    tooltip: { trigger: "axis" },
    grid: grid,
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: d.by_community.map(function (x) { return x.name; }).reverse() },
    series: [{ type: "bar", data: d.by_community.map(function (x) { return x.value; }).reverse(), itemStyle: { color: "#5b7fb5" } }]
  });
  make("chart-rewards", {
    tooltip: { trigger: "axis" },
    grid: grid,
    xAxis: { type: "category", data: d.months },
    yAxis: { type: "value" },
    series: [{ type: "bar", data: d.paid_by_month, itemStyle: { color: "#f08c00" } }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
