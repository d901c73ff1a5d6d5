// Shared Leaflet helpers of the register pages: a map that works without any tile server (community
// boundaries are the base layer), optional intranet tiles, JSON read from json_script elements.
(function () {
  "use strict";
  var DEFAULT_CENTER = [22.65, 113.87];

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent); } catch (e) { return fallback; }
  }

  function createMap(el, options) {
    var config = readJSON("map-config", {}) || {};
    var map = L.map(el, Object.assign({ preferCanvas: true, zoomControl: true, attributionControl: !!config.tileUrl, zoomSnap: 0.5 }, options || {}));
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
    }
    map.setView(DEFAULT_CENTER, 12);
    return map;
  }

  function drawBoundaries(map, communities, options) {
    options = options || {};
    var layer = L.featureGroup();
    (communities || []).forEach(function (c) {
      if (!c.boundary) return;
      var highlight = options.highlight && options.highlight === c.id;
      try {
        var shape = L.geoJSON(c.boundary, {
          interactive: false,
          style: {
            color: highlight ? "#0b5ed7" : "#5b7fb5",
            weight: highlight ? 2.5 : 1.5,
            dashArray: highlight ? null : "4 3",
            fillColor: "#cfe0fb",
            fillOpacity: highlight ? 0.35 : 0.22
          }
        });
        shape.addTo(layer);
        if (options.labels !== false) {
          var centre = c.center && c.center[0] != null ? L.latLng(c.center[0], c.center[1]) : shape.getBounds().getCenter();
          var label = L.tooltip({ permanent: true, direction: "center", className: "community-label", interactive: false })
            .setLatLng(centre).setContent(c.name);
          label.addTo(layer);
        }
      } catch (err) {
        // A malformed boundary must not break the whole map.
        if (window.console) console.warn("边界数据无效：" + c.name, err);
      }
    });
    layer.addTo(map);
    return layer;
  }

  window.AnjianMap = { readJSON: readJSON, create: createMap, drawBoundaries: drawBoundaries };
})();
