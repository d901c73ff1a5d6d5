// Person form: show only the organisation fields the chosen role needs.
(function () {
  "use strict";
  var role = document.getElementById("id_role");
  if (!role) return;
  var needs = {
    community_worker: ["community"],
    grid_inspector: ["grid"],
    enterprise_officer: ["enterprise_uscc"],
    fire_station: ["community"]
  };
  var linked = ["community", "grid", "enterprise_uscc"];
  function box(name) {
    var input = document.getElementById("id_" + name);
    return input ? input.closest("[class*='col-']") : null;
  }
  function update() {
    var wanted = needs[role.value] || [];
    linked.forEach(function (name) {
      var el = box(name);
      if (!el) return;
      var input = document.getElementById("id_" + name);
      var hasValue = input && input.value;
      var hasError = el.querySelector(".invalid-feedback");
      el.hidden = role.value !== "" && wanted.indexOf(name) < 0 && !hasValue && !hasError;
    });
  }
  role.addEventListener("change", update);
  update();
})();
