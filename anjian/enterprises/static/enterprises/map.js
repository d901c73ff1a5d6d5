// 企业地图: every located enterprise of the user's scope as a canvas circle marker, coloured by its
// first key category, filtered in the browser by community, category and status.
(function () {
  "use strict";
  var el = document.getElementById("enterprise-map");
  if (!el || !window.L || !window.AnjianMap) return;
  var config = AnjianMap.readJSON("map-config", {});
  var communities = AnjianMap.readJSON("community-boundaries", []);
  var map = AnjianMap.create(el);
  var boundaryLayer = AnjianMap.drawBoundaries(map, communities);
  var renderer = L.canvas({ padding: 0.5 });
  var markerLayer = L.layerGroup().addTo(map);
  var countEl = document.getElementById("map-count");
  var selCommunity = document.getElementById("map-community");
  var selCategory = document.getElementById("map-category");
  var selStatus = document.getElementById("map-status");
  var rows = [];
  var colours = {};
  var categoryNames = {};
  var statuses = {};
  var noColour = "#94a3b8";
  var markers = [];

  function detailUrl(id) { return config.detailUrl.replace(/0\/$/, id + "/"); }

  function popupContent(row) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = detailUrl(row[0]);
    link.className = "fw-semibold";
    link.textContent = row[1];
    box.appendChild(link);
    var meta = document.createElement("div");
    meta.className = "small text-muted";
    var community = communities.filter(function (c) { return c.id === row[4]; })[0];
    var cats = row[5].map(function (id) { return categoryNames[id]; }).filter(Boolean);
    meta.textContent = [community ? community.name : "", statuses[row[6]] || "", cats.join("、") || "无重点监管类型"]
      .filter(Boolean).join(" · ");
    box.appendChild(meta);
    return box;
  }

  // Dense streets: smaller dots when zoomed out, larger when zoomed in.
  function radius() {
    var z = map.getZoom();
    return z < 13 ? 3 : z < 14 ? 4 : z < 16 ? 5.5 : 7;
  }

  function build() {
    // Enterprises without a category are drawn first so the coloured ones stay on top.
    rows.sort(function (a, b) { return (a[5].length ? 1 : 0) - (b[5].length ? 1 : 0); });
    markers = rows.map(function (row) {
      var colour = row[5].length ? colours[row[5][0]] || noColour : noColour;
      var m = L.circleMarker([row[2], row[3]], {
        renderer: renderer,
        radius: radius(),
        weight: 1,
        color: "#ffffff",
        fillColor: colour,
        fillOpacity: row[6] === "operating" ? 0.9 : 0.45
      });
      m.bindPopup(function () { return popupContent(row); }, { minWidth: 180 });
      m.bindTooltip(row[1], { direction: "top", offset: [0, -4] });
      return m;
    });
  }

  function matches(row) {
    if (selCommunity.value && String(row[4]) !== selCommunity.value) return false;
    if (selStatus.value && row[6] !== selStatus.value) return false;
    if (selCategory.value === "none") return row[5].length === 0;
    if (selCategory.value && row[5].indexOf(Number(selCategory.value)) === -1) return false;
    return true;
  }

  function render(fit) {
    markerLayer.clearLayers();
    var shown = [];
    var counts = { none: 0 };
    rows.forEach(function (row, i) {
      if (!matches(row)) return;
      markerLayer.addLayer(markers[i]);
      shown.push([row[2], row[3]]);
      if (!row[5].length) counts.none += 1;
      row[5].forEach(function (id) { counts[id] = (counts[id] || 0) + 1; });
    });
    document.querySelectorAll("[data-legend-count]").forEach(function (span) {
      var n = counts[span.getAttribute("data-legend-count")] || 0;
      span.textContent = "(" + n + ")";
    });
    countEl.textContent = "地图上显示 " + shown.length + " 家企业（共 " + rows.length + " 家已标注位置）";
    if (!fit) return;
    var bounds = shown.length ? L.latLngBounds(shown) : null;
    if (selCommunity.value) {
      var c = communities.filter(function (x) { return String(x.id) === selCommunity.value; })[0];
      if (c && c.boundary) {
        try {
          var cb = L.geoJSON(c.boundary).getBounds();
          bounds = bounds ? cb.extend(bounds) : cb;
        } catch (e) { /* a malformed boundary: fit the markers only */ }
      }
    } else if (boundaryLayer.getLayers().length) {
      var all = boundaryLayer.getBounds();
      bounds = bounds ? all.extend(bounds) : all;
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      rows = data.rows || [];
      noColour = data.no_category_colour || noColour;
      statuses = data.statuses || {};
      (data.categories || []).forEach(function (c) { colours[c.id] = c.colour; categoryNames[c.id] = c.name; });
      build();
      render(true);
    })
    .catch(function () { countEl.textContent = "企业位置数据加载失败，请刷新页面重试。"; });

  map.on("zoomend", function () {
    var r = radius();
    markers.forEach(function (m) { if (m.options.radius !== r) m.setRadius(r); });
  });

  [selCommunity, selCategory, selStatus].forEach(function (sel) {
    sel.addEventListener("change", function () { render(sel === selCommunity); });
  });

  var toggle = document.getElementById("legend-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var legend = document.getElementById("map-legend");
      var open = legend.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();
