// The public report form: proof-of-work in the background, tap-to-mark map without tiles, identity
// fields only for a named report, category notices, photo count, no double submission.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent); } catch (e) { return fallback; }
  }

  // --- proof of work -------------------------------------------------------------------------------
  var challenge = readJSON("challenge-data", null);
  var statusEl = document.getElementById("challenge-status");
  var solutionEl = document.getElementById("challenge-solution");
  var submitBtn = document.getElementById("report-submit");
  var solved = false, pendingSubmit = false, submitting = false;

  function markSolved(counter) {
    solutionEl.value = String(counter);
    solved = true;
    statusEl.innerHTML = '<i class="bi bi-shield-check text-success"></i> 安全校验已完成';
    if (pendingSubmit) doSubmit();
  }

  function solve() {
    if (!challenge || !window.AnjianSHA256) return;
    var sha = window.AnjianSHA256, prefix = challenge.token + ":", bits = challenge.bits, counter = 0;
    function chunk() {
      var end = counter + 4000;
      for (; counter < end; counter++) {
        if (sha.leadingZeroBits(sha.digestWords(prefix + counter)) >= bits) { markSolved(counter); return; }
      }
      setTimeout(chunk, 0);
    }
    chunk();
  }

  function doSubmit() {
    if (submitting) return;
    submitting = true;
    submitBtn.disabled = true;
    submitBtn.innerHTML = '<span class="spinner-border spinner-border-sm"></span> 正在提交…';
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!solved) {
      pendingSubmit = true;
      submitBtn.disabled = true;
      submitBtn.innerHTML = '<span class="spinner-border spinner-border-sm"></span> 正在完成安全校验…';
      return;
    }
    doSubmit();
  });

  // --- categories and their urgent notices -----------------------------------------------------------
  var notices = readJSON("category-notices", {}) || {};
  var noticeBox = document.getElementById("urgent-notice");
  function showNotice() {
    var checked = form.querySelector("input[name=category]:checked");
    var text = checked ? notices[checked.value] : "";
    noticeBox.classList.toggle("d-none", !text);
    noticeBox.querySelector("span").textContent = text || "";
  }
  form.querySelectorAll("input[name=category]").forEach(function (el) { el.addEventListener("change", showNotice); });
  showNotice();

  // --- anonymous or named ------------------------------------------------------------------------------
  var named = document.getElementById("named-fields");
  var hint = document.getElementById("mode-hint-anonymous");
  function showMode() {
    var checked = form.querySelector("input[name=mode]:checked");
    var isNamed = checked && checked.value === "named";
    named.classList.toggle("d-none", !isNamed);
    hint.classList.toggle("d-none", isNamed);
  }
  form.querySelectorAll("input[name=mode]").forEach(function (el) { el.addEventListener("change", showMode); });
  showMode();

  // --- photos ------------------------------------------------------------------------------------------
  var photoInput = form.querySelector("input[type=file][name=photos]");
  var photoLabel = document.getElementById("photo-label");
  if (photoInput) {
    photoInput.addEventListener("change", function () {
      var n = photoInput.files ? photoInput.files.length : 0;
      photoLabel.textContent = n ? (n > 4 ? "最多 4 张，已选 " + n + " 张，请重新选择" : "已选择 " + n + " 张照片（点此重新选择）") : "拍照或选择照片，最多 4 张";
      photoLabel.parentElement.classList.toggle("has-files", n > 0 && n <= 4);
    });
  }

  // --- map: community boundaries as the base layer; tap to mark -------------------------------------
  var mapEl = document.getElementById("pick-map");
  var latEl = form.querySelector("input[name=lat]"), lngEl = form.querySelector("input[name=lng]");
  var pickStatus = document.getElementById("pick-status"), clearBtn = document.getElementById("clear-point");
  if (mapEl && typeof L !== "undefined") {
    var config = readJSON("map-config", {}) || {};
    var map = L.map(mapEl, { zoomControl: true, attributionControl: !!config.tileUrl, zoomSnap: 0.5 }).setView([22.65, 113.87], 13);
    if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
    var shapes = L.featureGroup().addTo(map);
    (readJSON("community-boundaries", []) || []).forEach(function (c) {
      if (!c.boundary) return;
      try {
        var s = L.geoJSON(c.boundary, { interactive: false, style: { color: "#5b7fb5", weight: 1.5, dashArray: "4 3", fillColor: "#cfe0fb", fillOpacity: 0.25 } });
        s.addTo(shapes);
        var centre = c.center && c.center[0] != null ? L.latLng(c.center[0], c.center[1]) : s.getBounds().getCenter();
        L.tooltip({ permanent: true, direction: "center", className: "community-label", interactive: false }).setLatLng(centre).setContent(String(c.name).replace(/社区$/, "")).addTo(shapes);
      } catch (err) { /* a malformed boundary must not break the form */ }
    });
    var frame = function () {
      map.invalidateSize();
      if (shapes.getLayers().length) map.fitBounds(shapes.getBounds(), { padding: [6, 6] });
      else map.setView([22.65, 113.87], 13);
    };
    frame();
    setTimeout(frame, 0);

    var marker = null;
    function place(latlng, text) {
      var lat = Math.round(latlng.lat * 1e6) / 1e6, lng = Math.round(latlng.lng * 1e6) / 1e6;
      if (marker) marker.setLatLng([lat, lng]);
      else marker = L.circleMarker([lat, lng], { radius: 10, weight: 3, color: "#fff", fillColor: "#d63343", fillOpacity: 0.95 }).addTo(map);
      latEl.value = lat; lngEl.value = lng;
      pickStatus.textContent = text || ("已标记位置（" + lat.toFixed(5) + "，" + lng.toFixed(5) + "）");
      clearBtn.classList.remove("d-none");
    }
    map.on("click", function (e) { place(e.latlng); });
    clearBtn.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      latEl.value = ""; lngEl.value = "";
      pickStatus.textContent = "点击地图标记位置（地图上的虚线为社区边界）";
      clearBtn.classList.add("d-none");
    });
    if (latEl.value && lngEl.value) place(L.latLng(parseFloat(latEl.value), parseFloat(lngEl.value)));
    document.getElementById("locate-me").addEventListener("click", function () {
      if (!navigator.geolocation) { pickStatus.textContent = "此浏览器无法定位，请在地图上点选。"; return; }
      pickStatus.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
        place(ll, "已使用您的位置（精度约 " + Math.round(pos.coords.accuracy) + " 米），可点地图调整");
        map.setView(ll, Math.max(map.getZoom(), 16));
      }, function () { pickStatus.textContent = "无法获取位置（可能未授权或网络不支持），请在地图上点选。"; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  solve();
})();
