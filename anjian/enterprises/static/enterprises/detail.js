// Detail page: a small map of the enterprise's location inside its community boundary.
(function () {
  "use strict";
  var el = document.getElementById("enterprise-location");
  var data = window.AnjianMap && AnjianMap.readJSON("enterprise-location-data", null);
  if (!el || !data || data.lat == null) return;
  var map = AnjianMap.create(el, { scrollWheelZoom: false });
  AnjianMap.drawBoundaries(map, data.boundary ? [{ id: 1, name: data.community, boundary: data.boundary, center: data.center }] : [], { highlight: 1, labels: false });
  L.circleMarker([data.lat, data.lng], { radius: 8, weight: 2, color: "#ffffff", fillColor: "#d63343", fillOpacity: 0.95 })
    .bindTooltip(data.name, { direction: "top", offset: [0, -6] })
    .addTo(map);
  map.setView([data.lat, data.lng], 16);
})();
