// The small map of an inspection: where the inspector's phone was (with its accuracy) and the site.
(function () {
  "use strict";
  var el = document.getElementById("inspection-map");
  var data = JSON.parse(document.getElementById("inspection-map-data").textContent);
  if (!el || !window.L) return;
  var map = window.L.map(el, { scrollWheelZoom: false, attributionControl: !!data.tileUrl });
  if (data.tileUrl) window.L.tileLayer(data.tileUrl, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(map);
  var bounds = [];
  if (data.site) {
    window.L.circleMarker(data.site, { radius: 8, color: "#0b5ed7", fillColor: "#0b5ed7", fillOpacity: 0.8 })
      .addTo(map).bindTooltip(data.siteName + "（登记位置）");
    bounds.push(data.site);
  }
  if (data.gps) {
    if (data.accuracy) {
      window.L.circle(data.gps, { radius: data.accuracy, color: "#dc3545", weight: 1, fillOpacity: 0.1 }).addTo(map);
    }
    window.L.circleMarker(data.gps, { radius: 7, color: "#dc3545", fillColor: "#dc3545", fillOpacity: 0.9 })
      .addTo(map).bindTooltip("检查定位");
    bounds.push(data.gps);
    if (data.site) {
      var meters = map.distance(data.site, data.gps);
      window.L.polyline([data.site, data.gps], { color: "#6c757d", dashArray: "4 4", weight: 1 }).addTo(map)
        .bindTooltip("距登记位置约 " + Math.round(meters) + " 米", { permanent: true, direction: "center", className: "small" });
    }
  }
  if (bounds.length === 1) map.setView(bounds[0], 17);
  else map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18 });
})();
