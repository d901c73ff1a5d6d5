// 风险告知卡: the print button.
(function () {
  "use strict";
  var button = document.getElementById("print-board");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
