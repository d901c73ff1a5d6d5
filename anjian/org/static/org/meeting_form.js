// Meeting form: add decision rows to the formset (copies the empty form, renumbers __prefix__).
(function () {
  "use strict";
  var button = document.getElementById("add-decision");
  var rows = document.getElementById("decision-rows");
  var template = document.getElementById("decision-template");
  var total = document.getElementById("id_decisions-TOTAL_FORMS");
  var max = document.getElementById("id_decisions-MAX_NUM_FORMS");
  if (!button || !rows || !template || !total) return;
  button.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    if (max && n >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(n));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(n + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) first.focus();
  });
})();
