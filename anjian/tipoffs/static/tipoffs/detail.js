// Tip detail: the assign form shows only the field of the chosen kind; the small location map.
(function () {
  "use strict";
  var form = document.querySelector("details[data-action=assign] form");
  if (form) {
    var fields = { community: form.querySelector("[data-field=community]"), grid: form.querySelector("[data-field=grid]"), department: form.querySelector("[data-field=department]") };
    var sync = function () {
      var checked = form.querySelector("input[name='assign-kind']:checked");
      var kind = checked ? checked.value : "grid";
      Object.keys(fields).forEach(function (k) { if (fields[k]) fields[k].classList.toggle("d-none", k !== kind); });
    };
    form.querySelectorAll("input[name='assign-kind']").forEach(function (el) { el.addEventListener("change", sync); });
    sync();
  }
  var mapEl = document.getElementById("tip-location");
  var dataEl = document.getElementById("tip-location-data");
  if (mapEl && dataEl && typeof L !== "undefined") {
    var data = JSON.parse(dataEl.textContent);
    var cfgEl = document.getElementById("map-config");
    var cfg = cfgEl ? JSON.parse(cfgEl.textContent) : {};
    var map = L.map(mapEl, { attributionControl: !!cfg.tileUrl, scrollWheelZoom: false }).setView([data.lat, data.lng], 16);
    if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: cfg.tileAttribution || "" }).addTo(map);
    if (data.boundary) {
      try { L.geoJSON(data.boundary, { interactive: false, style: { color: "#5b7fb5", weight: 1.5, dashArray: "4 3", fillOpacity: 0.15 } }).addTo(map); } catch (e) { /* ignore */ }
    }
    L.circleMarker([data.lat, data.lng], { radius: 9, weight: 3, color: "#fff", fillColor: "#d63343", fillOpacity: 0.95 }).addTo(map);
  }
})();
