// Register list: the grid filter offers only the grids of the chosen community; selects submit at once.
(function () {
  "use strict";
  var form = document.getElementById("enterprise-filter");
  if (!form) return;
  var owners = {};
  try { owners = JSON.parse(document.getElementById("grid-communities").textContent); } catch (e) { owners = {}; }
  var community = form.querySelector("[name=community]");
  var grid = form.querySelector("[name=grid]");
  function refresh() {
    if (!community || !grid) return;
    Array.prototype.forEach.call(grid.options, function (opt) {
      if (!opt.value) return;
      var ok = !community.value || String(owners[opt.value]) === community.value;
      opt.hidden = !ok;
      opt.disabled = !ok;
      if (!ok && opt.selected) grid.value = "";
    });
  }
  if (community) community.addEventListener("change", refresh);
  refresh();
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT" || event.target.type === "checkbox") {
      var page = form.querySelector("[name=page]");
      if (page) page.remove();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
})();
