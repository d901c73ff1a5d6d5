// Small behaviours shared by every page; page-specific code lives beside its template.
(function () {
  "use strict";
  // Confirm dangerous actions: <button data-confirm="确定作废？">
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
  // Auto-submit filter forms when a select changes: <form data-autosubmit>
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.submit();
  });
})();
