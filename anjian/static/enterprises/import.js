// Excel import page: drag and drop onto the drop zone, show the chosen file, check type and size early.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) return;
  var zone = document.getElementById("import-dropzone");
  var input = form.querySelector("input[type=file]");
  var nameBox = document.getElementById("import-file-name");
  var errorBox = document.getElementById("import-file-error");
  var submit = document.getElementById("import-submit");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var maxLabel = form.getAttribute("data-max-label") || "";

  function problem(file) {
    if (!file) return "请选择要导入的 Excel 文件（.xlsx）。";
    if (!/\.xlsx$/i.test(file.name)) return "只支持 .xlsx 格式的 Excel 文件（旧版 .xls 请在 Excel 或 WPS 中另存为 .xlsx）。";
    if (maxBytes && file.size > maxBytes) return "文件过大：" + (file.size / 1048576).toFixed(1) + " MB，上限 " + maxLabel + "。";
    if (file.size === 0) return "文件为空。";
    return "";
  }

  function show(file) {
    var message = file ? problem(file) : "";
    errorBox.textContent = message;
    zone.classList.toggle("is-invalid", !!message);
    zone.classList.toggle("has-file", !!file && !message);
    if (file) {
      nameBox.hidden = false;
      nameBox.querySelector("span").textContent = file.name + "（" + Math.max(1, Math.round(file.size / 1024)) + " KB）";
    } else {
      nameBox.hidden = true;
    }
  }

  input.addEventListener("change", function () { show(input.files[0]); });

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("is-dragover");
    });
  });
  ["dragleave", "dragend", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("is-dragover"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    var transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    show(files[0]);
  });
  // A file dropped beside the zone must not make the browser leave the page.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });

  form.addEventListener("submit", function (event) {
    var message = problem(input.files[0]);
    if (message) {
      event.preventDefault();
      errorBox.textContent = message;
      zone.classList.add("is-invalid");
      return;
    }
    submit.disabled = true;
    submit.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>正在上传…';
  });
})();
