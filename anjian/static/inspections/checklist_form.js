// Checklist editor: "增加检查项" appends a blank item form (Django formset with prefix "items").
(function () {
  "use strict";
  var btn = document.getElementById("add-item");
  var tpl = document.getElementById("empty-item-form");
  var box = document.getElementById("item-forms");
  var total = document.getElementById("id_items-TOTAL_FORMS");
  if (!btn || !tpl || !box || !total) return;
  btn.addEventListener("click", function () {
    var n = parseInt(total.value, 10) || 0;
    var html = tpl.innerHTML.replace(/__prefix__/g, String(n));
    var wrap = document.createElement("div");
    wrap.innerHTML = html.trim();
    var card = wrap.firstElementChild;
    box.appendChild(card);
    total.value = String(n + 1);
    var text = card.querySelector("textarea");
    if (text) text.focus();
  });
})();
