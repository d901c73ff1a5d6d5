/* Per-device charts (ECharts): one small chart per metric, thresholds drawn as mark lines; raw readings for
   short ranges, min/avg/max rollups for long ones. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("chart-config");
  if (!cfgEl || !window.echarts) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var grid = document.getElementById("chart-grid");
  var note = document.getElementById("chart-note");
  var charts = [];
  var GRAIN = { raw: "原始读数", minute: "分钟汇总（最小/平均/最大）", hour: "小时汇总（最小/平均/最大）" };

  function panel(metric) {
    var box = document.createElement("div");
    box.className = "chart-panel";
    var h = document.createElement("h3");
    h.textContent = metric.label + (metric.unit ? "（" + metric.unit + "）" : "");
    var c = document.createElement("div");
    c.className = "chart";
    box.appendChild(h);
    box.appendChild(c);
    grid.appendChild(box);
    return c;
  }

  function option(metric, data) {
    var lines = metric.thresholds.map(function (t) {
      return {
        yAxis: t.value,
        name: t.label,
        lineStyle: { color: t.level >= 2 ? "#d63343" : "#f0a500", type: t.level >= 2 ? "solid" : "dashed", width: 1.5 },
        label: { formatter: t.label, position: "insideEndTop", color: t.level >= 2 ? "#d63343" : "#b07800", fontSize: 11 },
      };
    });
    var series = [{
      name: data.grain === "raw" ? metric.label : "平均",
      type: "line",
      showSymbol: metric.points.length < 60,
      symbolSize: 4,
      step: metric.name === "smoke" || metric.name === "valve_closed" ? "end" : false,
      data: metric.points,
      lineStyle: { width: 1.6, color: "#0b5ed7" },
      itemStyle: { color: "#0b5ed7" },
      markLine: { silent: true, symbol: "none", data: lines },
    }];
    if (data.grain !== "raw") {
      series.push({ name: "最大", type: "line", showSymbol: false, data: metric.max, lineStyle: { width: 1, color: "#9bb7e6" }, itemStyle: { color: "#9bb7e6" } });
      series.push({ name: "最小", type: "line", showSymbol: false, data: metric.min, lineStyle: { width: 1, color: "#9bb7e6" }, itemStyle: { color: "#9bb7e6" } });
    }
    var values = metric.points.map(function (p) { return p[1]; })
      .concat(metric.max.map(function (p) { return p[1]; }), metric.min.map(function (p) { return p[1]; }))
      .concat(metric.thresholds.map(function (t) { return t.value; }));
    var lo = values.length ? Math.min.apply(null, values) : 0;
    var hi = values.length ? Math.max.apply(null, values) : 1;
    var pad = (hi - lo) * 0.08 || 1;
    var step = Math.pow(10, Math.floor(Math.log10(pad)));
    var yMin = Math.floor((lo - pad) / step) * step;
    var yMax = Math.ceil((hi + pad) / step) * step;
    if (lo >= 0 && yMin < 0) yMin = 0;
    return {
      animation: false,
      grid: { left: 46, right: 16, top: 18, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : (Math.round(v * 100) / 100) + (metric.unit || ""); } },
      xAxis: { type: "time", min: data.since, max: data.until, axisLabel: { hideOverlap: true, fontSize: 11 } },
      yAxis: { type: "value", scale: true, min: yMin, max: yMax, axisLabel: { fontSize: 11, hideOverlap: true }, splitLine: { lineStyle: { color: "#eef1f6" } } },
      series: series,
      graphic: metric.points.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "该时段无数据", fill: "#8a97ad", fontSize: 13 } }],
    };
  }

  function load(range) {
    fetch(cfg.url + "?range=" + encodeURIComponent(range), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        charts.forEach(function (c) { c.dispose(); });
        charts = [];
        grid.replaceChildren();
        note.textContent = GRAIN[data.grain] || "";
        data.metrics.forEach(function (m) {
          var chart = window.echarts.init(panel(m), null, { renderer: "canvas" });
          chart.setOption(option(m, data));
          charts.push(chart);
        });
      });
  }

  document.getElementById("chart-ranges").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-range]");
    if (!b) return;
    document.querySelectorAll("#chart-ranges button").forEach(function (x) { x.classList.toggle("active", x === b); });
    cfg.range = b.dataset.range;
    load(cfg.range);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  load(cfg.range);
  setInterval(function () { if (cfg.range === "1h" || cfg.range === "6h") load(cfg.range); }, 30000);
})();
