// Detail page: a small map of the enterprise's location inside its community boundary.
(function () {
  "use strict";
  var el = document.getElementById("enterprise-location");
  var data = window.AnjianMap && AnjianMap.readJSON("enterprise-location-data", null);
  if (!el || !data || data.lat == null) return;
  var config = AnjianMap.readJSON("map-config", {}) || {};
  var map = AnjianMap.create(el, { scrollWheelZoom: false });
  var outline = AnjianMap.drawBoundaries(map, data.boundary ? [{ id: 1, name: data.community, boundary: data.boundary, center: data.center }] : [], { highlight: 1, labels: false });
  L.circleMarker([data.lat, data.lng], { radius: 8, weight: 2, color: "#ffffff", fillColor: "#d63343", fillOpacity: 0.95 })
    .bindTooltip(data.name, { direction: "top", offset: [0, -6] })
    .addTo(map);
  // Without tiles a close zoom shows nothing: frame the community so the point has a context.
  if (!config.tileUrl && outline.getLayers().length) {
    map.fitBounds(outline.getBounds().extend([data.lat, data.lng]), { padding: [16, 16] });
  } else {
    map.setView([data.lat, data.lng], 16);
  }
})();
