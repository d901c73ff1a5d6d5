// Copy buttons of the receipt page (clipboard API where allowed, selection + execCommand elsewhere).
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function copy(text, label) {
    function done(ok) { status.textContent = ok ? "已复制" + label + "，请粘贴保存到安全的地方。" : "复制失败，请长按文字手动复制。"; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
    } else {
      done(fallbackCopy(text));
    }
  }

  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      copy(el.textContent.trim(), btn.getAttribute("data-copy") === "receipt-code" ? "举报编号" : "查询密码");
    });
  });
  document.querySelectorAll("[data-copy-both]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var ids = btn.getAttribute("data-copy-both").split(" ");
      var code = document.getElementById(ids[0]).textContent.trim();
      var secret = document.getElementById(ids[1]).textContent.trim();
      copy("举报编号：" + code + "\n查询密码：" + secret, "编号和密码");
    });
  });
})();
