// Assignment form: count the chosen targets and warn live when the person would leave the allowed range.
(function () {
  "use strict";
  var form = document.getElementById("assignment-form");
  var dataEl = document.getElementById("range-data");
  if (!form || !dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var person = document.getElementById("id_person");
  var live = document.getElementById("range-live");
  var warn = document.getElementById("range-warning-live");
  var chosenCount = document.getElementById("chosen-count");
  var chosenPlating = document.getElementById("chosen-plating");
  var unit = data.kind === "enterprise" ? "家电镀企业" : "个社区";

  function chosen() {
    var boxes = form.querySelectorAll("input[name=enterprises]:checked, input[name=communities]:checked");
    var all = boxes.length, counted = 0;
    boxes.forEach(function (b) {
      var label = b.closest(".candidate");
      if (data.kind !== "enterprise" || (label && label.getAttribute("data-plating") === "1")) counted += 1;
      if (label) label.classList.add("chosen");
    });
    form.querySelectorAll(".candidate").forEach(function (l) {
      var box = l.querySelector("input");
      l.classList.toggle("chosen", !!(box && box.checked));
    });
    return { all: all, counted: counted };
  }

  // Enterprises the chosen person already holds cannot be chosen again.
  function markTaken() {
    var who = person && person.value;
    form.querySelectorAll(".candidate").forEach(function (l) {
      var ids = (l.getAttribute("data-persons") || "").split(",");
      var taken = !!who && ids.indexOf(who) >= 0;
      var box = l.querySelector("input");
      l.classList.toggle("taken", taken);
      if (box) {
        if (taken) box.checked = false;
        box.disabled = taken;
      }
    });
  }

  function update() {
    markTaken();
    var c = chosen();
    if (chosenCount) chosenCount.textContent = c.all;
    if (chosenPlating) chosenPlating.textContent = c.counted;
    if (!person || !person.value) {
      live.textContent = "";
      warn.classList.add("d-none");
      return;
    }
    var current = data.counts[person.value] || 0;
    var result = current + c.counted;
    live.textContent = "当前在挂 " + current + " " + unit + "，保存后 " + result + " " + unit + "（规定 " + data.low + "–" + data.high + "）。";
    var outside = c.all > 0 && (result < data.low || result > data.high);
    var notPlating = data.kind === "enterprise" && c.all > c.counted;
    if (outside || notPlating) {
      var msg = [];
      if (outside) msg.push("保存后将挂点 " + result + " " + unit + "，超出规定范围 " + data.low + "–" + data.high + "。");
      if (notPlating) msg.push("所选企业中有 " + (c.all - c.counted) + " 家不属于电镀类。");
      msg.push("保存时需街道应急办管理员确认。");
      warn.textContent = msg.join("");
      warn.classList.remove("d-none");
    } else {
      warn.classList.add("d-none");
    }
  }

  form.addEventListener("change", update);
  document.body.addEventListener("htmx:afterSwap", update);
  update();
})();
