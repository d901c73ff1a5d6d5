// "Use my position": fills latitude/longitude from the phone's GPS.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (!button) return;
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById(button.dataset.lat).value = pos.coords.latitude.toFixed(6);
      document.getElementById(button.dataset.lng).value = pos.coords.longitude.toFixed(6);
      status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
    }, function () { status.textContent = "无法获取位置，请手动填写或稍后再试。"; },
    { enableHighAccuracy: true, timeout: 15000 });
  });
})();
