// Risk point assessment form: show the LEC or LS inputs of the chosen method, and the score and grade
// while values are chosen (the server computes the same in Decimal and has the last word).
(function () {
  "use strict";
  var dataEl = document.getElementById("assessment-data");
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var preview = document.getElementById("score-preview");
  var control = document.getElementById("id_control_level");

  function method() {
    var checked = document.querySelector("input[name=method]:checked");
    return checked ? checked.value : "lec";
  }
  function val(id) {
    var el = document.getElementById(id);
    return el && el.value !== "" ? el.value : null;
  }
  // Tenths as integers: 0.1 × 0.5 × 7 must not become 0.35000000000000003.
  function tenths(text) { return Math.round(parseFloat(text) * 10); }
  function fmt(n) { return String(Math.round(n * 1000) / 1000); }

  function grade(m, score) {
    var bands = (data.bands[m] || []).slice().sort(function (a, b) { return b.lower - a.lower; });
    for (var i = 0; i < bands.length; i++) {
      if (score * 1000 >= Math.round(bands[i].lower * 1000)) return bands[i];
    }
    return bands[bands.length - 1];
  }

  function update() {
    var m = method();
    document.querySelectorAll("[data-method]").forEach(function (el) {
      el.hidden = el.getAttribute("data-method") !== m;
    });
    var score = null, formula = "";
    if (m === "lec") {
      var l = val("id_lec_l"), e = val("id_lec_e"), c = val("id_lec_c");
      if (l && e && c) {
        score = (tenths(l) * tenths(e) * tenths(c)) / 1000;
        formula = "D = " + l + " × " + e + " × " + c + " = " + fmt(score);
      }
    } else {
      var ll = val("id_ls_l"), s = val("id_ls_s");
      if (ll && s) {
        score = parseInt(ll, 10) * parseInt(s, 10);
        formula = "R = " + ll + " × " + s + " = " + score;
      }
    }
    if (score === null) {
      preview.innerHTML = "<span class=\"text-muted small\">选择各项取值后显示风险值和等级。</span>";
      return;
    }
    var band = grade(m, score);
    preview.textContent = "";
    var f = document.createElement("span");
    f.className = "formula me-2";
    f.textContent = formula;
    var badge = document.createElement("span");
    badge.className = "lv lv-" + band.level;
    badge.textContent = data.level_short[band.level] + "风险";
    var g = document.createElement("span");
    g.className = "small text-muted ms-2";
    g.textContent = band.grade === data.level_short[band.level] + "风险" ? "" : band.grade;
    preview.appendChild(f);
    preview.appendChild(badge);
    preview.appendChild(g);
    if (control && data.requiredStreet.indexOf(band.level) !== -1 && control.value !== "street") {
      var warn = document.createElement("div");
      warn.className = "small text-danger mt-1";
      warn.textContent = "重大、较大风险必须由街道管控：请将管控层级设为“街道”。";
      preview.appendChild(warn);
    }
  }

  document.querySelectorAll("input[name=method], #id_lec_l, #id_lec_e, #id_lec_c, #id_ls_l, #id_ls_s, #id_control_level")
    .forEach(function (el) { el.addEventListener("change", update); });
  update();
})();
