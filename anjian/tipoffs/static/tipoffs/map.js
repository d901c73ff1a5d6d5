// Office map of tips: community boundaries as the base layer (tiles only when configured), one dot per
// tip coloured by state, a popup linking to the tip.
(function () {
  "use strict";
  var el = document.getElementById("tip-map");
  if (!el || typeof L === "undefined") return;
  function readJSON(id, fallback) {
    var node = document.getElementById(id);
    if (!node) return fallback;
    try { return JSON.parse(node.textContent); } catch (e) { return fallback; }
  }
  var COLOURS = { warning: "#f08c00", info: "#0aa2c0", secondary: "#8a97ad", primary: "#0b5ed7", danger: "#d63343", success: "#198754" };
  var config = readJSON("map-config", {}) || {};
  var map = L.map(el, { preferCanvas: true, attributionControl: !!config.tileUrl, zoomSnap: 0.5 }).setView([22.65, 113.87], 13);
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
  var base = L.featureGroup().addTo(map);
  (readJSON("community-boundaries", []) || []).forEach(function (c) {
    if (!c.boundary) return;
    try {
      var s = L.geoJSON(c.boundary, { interactive: false, style: { color: "#5b7fb5", weight: 1.5, dashArray: "4 3", fillColor: "#cfe0fb", fillOpacity: 0.22 } }).addTo(base);
      var centre = c.center && c.center[0] != null ? L.latLng(c.center[0], c.center[1]) : s.getBounds().getCenter();
      L.tooltip({ permanent: true, direction: "center", className: "community-label", interactive: false }).setLatLng(centre).setContent(String(c.name).replace(/社区$/, "")).addTo(base);
    } catch (err) { /* skip a malformed boundary */ }
  });
  var dots = L.featureGroup().addTo(map);
  (readJSON("tip-points", []) || []).forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lng], { radius: 7, weight: 2, color: "#fff", fillColor: COLOURS[p.colour] || "#8a97ad", fillOpacity: 0.95 });
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url; link.textContent = p.code; link.className = "fw-semibold font-monospace";
    box.appendChild(link);
    var line = document.createElement("div");
    line.textContent = p.category + " · " + p.status_label + " · " + p.received;
    box.appendChild(line);
    m.bindPopup(box);
    m.addTo(dots);
  });
  var bounds = dots.getLayers().length ? dots.getBounds() : (base.getLayers().length ? base.getBounds() : null);
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  else map.setView([22.65, 113.87], 13);
})();
