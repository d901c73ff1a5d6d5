// Signature pad: draw with finger or mouse; the PNG data URL goes into the hidden signature field.
(function () {
  "use strict";
  var canvas = document.getElementById("sig-pad");
  if (!canvas) return;
  var target = document.getElementById(canvas.dataset.target);
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false, last = null;

  function resize() {
    var ratio = window.devicePixelRatio || 1;
    var rect = canvas.getBoundingClientRect();
    canvas.width = rect.width * ratio;
    canvas.height = rect.height * ratio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#102040";
    drawn = false;
    if (target) target.value = "";
  }
  function point(e) {
    var rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; drawn = true; e.preventDefault();
  });
  function stop() {
    if (!drawing) return;
    drawing = false;
    if (drawn && target) target.value = canvas.toDataURL("image/png");
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  var clear = document.getElementById("sig-clear");
  if (clear) clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); resize(); });
  resize();
})();
