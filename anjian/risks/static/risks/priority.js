// Priority list: select all rows of the page, count the selection.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  var counter = document.getElementById("selected-count");
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".row-check"));
  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    if (counter) counter.textContent = "已选 " + n + " 家";
    if (all) all.checked = n > 0 && n === boxes.length;
  }
  if (all) all.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = all.checked; }); update(); });
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
})();
