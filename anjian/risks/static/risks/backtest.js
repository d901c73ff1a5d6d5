// Back-test page: days earlier per period, one bar chart per source.
(function () {
  "use strict";
  var el = document.getElementById("backtest-chart");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent || "{}");
  Object.keys(data).forEach(function (source) {
    var box = document.getElementById("chart-" + source);
    var rows = data[source] || [];
    if (!box || !rows.length) return;
    var chart = echarts.init(box);
    chart.setOption({
      grid: { left: 40, right: 12, top: 28, bottom: 36 },
      tooltip: { trigger: "axis" },
      legend: { data: ["平均提前天数"], top: 0 },
      xAxis: { type: "category", data: rows.map(function (r) { return r[0].slice(5); }), axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", name: "天", nameGap: 8 },
      series: [{
        name: "平均提前天数", type: "bar",
        data: rows.map(function (r) { return r[3]; }),
        itemStyle: { color: function (p) { return p.value >= 0 ? "#0b5ed7" : "#dc2626"; } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
