// Home dashboard charts (ECharts, served locally).
(function () {
  "use strict";
  var el = document.getElementById("dashboard-data");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  function bar(id, rows, colour, horizontal) {
    var box = document.getElementById(id);
    if (!box) return;
    var chart = echarts.init(box, null, { renderer: "canvas" });
    var names = rows.map(function (r) { return r.name; });
    var values = rows.map(function (r) { return r.value; });
    var cat = { type: "category", data: names, axisLabel: { interval: 0, fontSize: 11, width: 110, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1 };
    chart.setOption({
      grid: { left: horizontal ? 120 : 40, right: 20, top: 10, bottom: horizontal ? 20 : 60 },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? val : Object.assign({}, cat, { axisLabel: { interval: 0, rotate: 35, fontSize: 11 } }),
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: [{ type: "bar", data: values, itemStyle: { color: colour, borderRadius: horizontal ? [0, 4, 4, 0] : [4, 4, 0, 0] }, barMaxWidth: 26, label: { show: true, position: horizontal ? "right" : "top", fontSize: 11 } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  bar("chart-categories", data.categories, "#d63343", true);
  bar("chart-communities", data.communities, "#0b5ed7", false);
})();
