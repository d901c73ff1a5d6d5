// Enterprise form: the grid and park lists show only those of the chosen community; clicking the map
// fills in the coordinates.
(function () {
  "use strict";
  var read = window.AnjianMap ? AnjianMap.readJSON : function () { return {}; };
  var gridCommunities = read("grid-communities", {});
  var parkCommunities = read("park-communities", {});
  var community = document.getElementById("id_community");

  function filterSelect(select, owners) {
    if (!select || !community) return;
    var chosen = community.value;
    Array.prototype.forEach.call(select.options, function (opt) {
      if (!opt.value) return;
      var ok = !chosen || String(owners[opt.value]) === chosen;
      opt.hidden = !ok;
      opt.disabled = !ok;
      if (!ok && opt.selected) select.value = "";
    });
  }

  function refresh() {
    filterSelect(document.getElementById("id_grid"), gridCommunities);
    filterSelect(document.getElementById("id_park"), parkCommunities);
  }
  if (community) {
    community.addEventListener("change", refresh);
    refresh();
  }

  var uscc = document.getElementById("id_uscc");
  if (uscc) uscc.addEventListener("blur", function () { uscc.value = uscc.value.trim().toUpperCase(); });

  var el = document.getElementById("location-picker");
  if (!el || !window.L) return;
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var boundaries = read("community-boundaries", []);
  var map = AnjianMap.create(el, { scrollWheelZoom: false });
  var layer = AnjianMap.drawBoundaries(map, boundaries);
  var marker = null;

  function current() {
    var a = parseFloat(lat.value), b = parseFloat(lng.value);
    return isFinite(a) && isFinite(b) ? L.latLng(a, b) : null;
  }
  function place(latlng, pan) {
    if (!latlng) { if (marker) { map.removeLayer(marker); marker = null; } return; }
    if (!marker) {
      marker = L.circleMarker(latlng, { radius: 8, weight: 2, color: "#fff", fillColor: "#d63343", fillOpacity: 0.95 }).addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 15));
  }

  var config = AnjianMap.readJSON("map-config", {}) || {};
  function frameCommunity() {
    var chosen = community && community.value;
    var match = boundaries.filter(function (c) { return String(c.id) === chosen && c.boundary; })[0];
    try {
      if (match) { map.fitBounds(L.geoJSON(match.boundary).getBounds(), { padding: [10, 10] }); return true; }
    } catch (e) { /* malformed boundary */ }
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); return true; }
    return false;
  }
  var start = current();
  // Without tiles a street-level zoom shows nothing: frame the community and mark the point in it.
  if (config.tileUrl && start) {
    place(start, true);
  } else {
    frameCommunity();
    place(start, false);
  }
  if (community) community.addEventListener("change", function () { if (!current()) frameCommunity(); });
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(6);
    lng.value = e.latlng.lng.toFixed(6);
    place(e.latlng, false);
  });
  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () { place(current(), true); });
  });
  var clear = document.getElementById("clear-location");
  if (clear) clear.addEventListener("click", function () { lat.value = ""; lng.value = ""; place(null); });
})();
