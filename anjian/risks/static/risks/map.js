// 四色风险地图: communities filled with their level (highest or share-weighted), enterprises as canvas
// circle markers in red/orange/yellow/blue. Without a tile server the community boundaries are the map.
(function () {
  "use strict";
  var el = document.getElementById("risk-map");
  if (!el || !window.L) return;
  var config = JSON.parse(document.getElementById("map-config").textContent || "{}");
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, attributionControl: !!config.tileUrl });
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
  map.setView([22.65, 113.87], 12);
  var renderer = L.canvas({ padding: 0.5 });
  var areaLayer = L.featureGroup().addTo(map);
  var markerLayer = L.layerGroup().addTo(map);
  var selCommunity = document.getElementById("map-community");
  var selCategory = document.getElementById("map-category");
  var selLevel = document.getElementById("map-level");
  var selMode = document.getElementById("map-mode");
  var countEl = document.getElementById("map-count");
  var data = null;
  var hex = {};
  var names = {};
  var rank = { red: 4, orange: 3, yellow: 2, blue: 1, "": 0 };
  var markers = [];

  function detailUrl(id) { return config.detailUrl.replace(/0\/$/, id + "/"); }
  function radius() { var z = map.getZoom(); return z < 13 ? 3.5 : z < 14 ? 4.5 : z < 16 ? 6 : 8; }

  function drawAreas() {
    areaLayer.clearLayers();
    var mode = selMode.value;
    data.communities.forEach(function (c) {
      if (!c.boundary) return;
      var level = mode === "weighted" ? c.weighted : mode === "highest" ? c.highest : "";
      var colour = level ? hex[level] : "#5b7fb5";
      try {
        var shape = L.geoJSON(c.boundary, {
          interactive: false,
          style: { color: colour, weight: 1.5, dashArray: level ? null : "4 3", fillColor: level ? colour : "#cfe0fb", fillOpacity: level ? 0.16 : 0.2 }
        });
        shape.addTo(areaLayer);
        var centre = c.center && c.center[0] != null ? L.latLng(c.center[0], c.center[1]) : shape.getBounds().getCenter();
        L.tooltip({ permanent: true, direction: "center", className: "community-label", interactive: false })
          .setLatLng(centre).setContent(c.name).addTo(areaLayer);
      } catch (err) {
        if (window.console) console.warn("边界数据无效：" + c.name, err);
      }
    });
  }

  function popup(row) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var a = document.createElement("a");
    a.href = detailUrl(row[0]);
    a.className = "fw-semibold";
    a.textContent = row[1];
    box.appendChild(a);
    var meta = document.createElement("div");
    meta.className = "small";
    meta.textContent = (row[5] ? names[row[5]] : "未评估") + (row[7] ? "（人工调整）" : "");
    box.appendChild(meta);
    var risk = document.createElement("a");
    risk.href = "/risks/enterprises/" + row[0] + "/";
    risk.className = "small";
    risk.textContent = "风险点与告知卡";
    box.appendChild(risk);
    return box;
  }

  function build() {
    // Low levels first so red and orange stay on top.
    data.enterprises.sort(function (a, b) { return rank[a[5]] - rank[b[5]]; });
    markers = data.enterprises.map(function (row) {
      var m = L.circleMarker([row[2], row[3]], {
        renderer: renderer,
        radius: radius() + (rank[row[5]] >= 3 ? 1 : 0),
        weight: 1,
        color: "#ffffff",
        fillColor: row[5] ? hex[row[5]] : data.unassessed_hex,
        fillOpacity: row[5] ? 0.92 : 0.55
      });
      m.bindPopup(function () { return popup(row); }, { minWidth: 180 });
      m.bindTooltip(row[1], { direction: "top", offset: [0, -4] });
      m.riskLevel = row[5] || "none";
      return m;
    });
  }

  function matches(row) {
    if (selCommunity.value && String(row[4]) !== selCommunity.value) return false;
    if (selCategory.value && row[6].indexOf(Number(selCategory.value)) === -1) return false;
    if (selLevel.value && (row[5] || "none") !== selLevel.value) return false;
    return true;
  }

  function render(fit) {
    markerLayer.clearLayers();
    var counts = { red: 0, orange: 0, yellow: 0, blue: 0, none: 0 };
    var shown = [];
    data.enterprises.forEach(function (row, i) {
      if (!matches(row)) return;
      markerLayer.addLayer(markers[i]);
      counts[row[5] || "none"] += 1;
      shown.push([row[2], row[3]]);
    });
    document.querySelectorAll("[data-legend-count]").forEach(function (span) {
      span.textContent = "(" + (counts[span.getAttribute("data-legend-count")] || 0) + ")";
    });
    el.setAttribute("data-markers", String(shown.length));
    Object.keys(counts).forEach(function (k) { el.setAttribute("data-count-" + k, String(counts[k])); });
    countEl.textContent = "地图上显示 " + shown.length + " 家企业：重大 " + counts.red + "，较大 " + counts.orange +
      "，一般 " + counts.yellow + "，低 " + counts.blue + "，未评估 " + counts.none;
    if (!fit) return;
    var bounds = null;
    if (selCommunity.value) {
      var c = data.communities.filter(function (x) { return String(x.id) === selCommunity.value; })[0];
      if (c && c.boundary) { try { bounds = L.geoJSON(c.boundary).getBounds(); } catch (e) { bounds = null; } }
    } else if (areaLayer.getLayers().length) {
      bounds = areaLayer.getBounds();
    }
    if (shown.length) bounds = bounds ? bounds.extend(L.latLngBounds(shown)) : L.latLngBounds(shown);
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (json) {
      data = json;
      data.levels.forEach(function (l) { hex[l.value] = l.hex; names[l.value] = l.label; });
      drawAreas();
      build();
      render(true);
      el.setAttribute("data-ready", "1");
    })
    .catch(function () { countEl.textContent = "风险地图数据加载失败，请刷新页面重试。"; });

  map.on("zoomend", function () {
    var r = radius();
    markers.forEach(function (m) { m.setRadius(r + (m.riskLevel === "red" || m.riskLevel === "orange" ? 1 : 0)); });
  });
  selMode.addEventListener("change", function () { if (data) drawAreas(); });
  [selCommunity, selCategory, selLevel].forEach(function (sel) {
    sel.addEventListener("change", function () { if (data) render(sel === selCommunity); });
  });
  var toggle = document.getElementById("risk-legend-toggle");
  toggle.addEventListener("click", function () {
    var legend = document.getElementById("risk-legend");
    toggle.setAttribute("aria-expanded", legend.classList.toggle("open") ? "true" : "false");
  });
})();
