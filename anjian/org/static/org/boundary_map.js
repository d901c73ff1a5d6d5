// Community boundary map: draws the community polygon and its grids; tiles only when configured.
(function () {
  "use strict";
  var el = document.getElementById("community-map");
  var dataEl = document.getElementById("community-map-data");
  if (!el || !dataEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomControl: true, attributionControl: !!data.tiles, scrollWheelZoom: false });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
  }
  var layers = [];
  var palette = ["#0b5ed7", "#198754", "#f08c00", "#6f42c1", "#d63384", "#0aa2c0"];
  (data.grids || []).forEach(function (g, i) {
    var layer = L.geoJSON(g.boundary, {
      style: { color: palette[i % palette.length], weight: 1.5, fillOpacity: 0.12, dashArray: "4 3" }
    }).bindTooltip(g.name, { sticky: true });
    layer.addTo(map);
    layers.push(layer);
  });
  if (data.boundary) {
    var outline = L.geoJSON(data.boundary, { style: { color: "#d63343", weight: 2.5, fillOpacity: 0.04 } })
      .bindTooltip(data.name, { sticky: true });
    outline.addTo(map);
    layers.unshift(outline);
  }
  var group = L.featureGroup(layers);
  if (layers.length) {
    map.fitBounds(group.getBounds(), { padding: [16, 16] });
  } else if (data.center) {
    map.setView(data.center, 15);
  }
})();
