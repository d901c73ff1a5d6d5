/* Ingest health: messages per minute (accepted / duplicate / rejected), stacked bars. */
(function () {
  "use strict";
  var dataEl = document.getElementById("health-data");
  var box = document.getElementById("health-chart");
  if (!dataEl || !box || !window.echarts) return;
  var rows = JSON.parse(dataEl.textContent).minutes;
  var chart = window.echarts.init(box);
  function series(name, key, colour) {
    return { name: name, type: "bar", stack: "n", data: rows.map(function (r) { return r[key]; }), itemStyle: { color: colour } };
  }
  chart.setOption({
    animation: false,
    grid: { left: 50, right: 16, top: 30, bottom: 28 },
    legend: { top: 0, textStyle: { fontSize: 12 } },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: rows.map(function (r) { return r.t; }), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", splitLine: { lineStyle: { color: "#eef1f6" } } },
    series: [series("已接收", "accepted", "#198754"), series("重复", "duplicate", "#f0a500"), series("拒收", "rejected", "#d63343")],
    graphic: rows.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "近 1 小时没有消息", fill: "#8a97ad", fontSize: 13 } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
