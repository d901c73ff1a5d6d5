// On the plan and inspection lists: show the inspections still kept on this device, and send the
// queued ones (submitted while offline) as soon as the browser is online.
(function () {
  "use strict";
  var box = document.getElementById("outbox-alert");
  var store = window.AnjianDrafts;
  if (!box || !store) return;
  var prefix = "u" + box.getAttribute("data-user") + ":";
  var busy = false;

  function render(drafts) {
    box.innerHTML = "";
    if (!drafts.length) { box.classList.add("d-none"); return; }
    var queued = drafts.filter(function (d) { return d.status === "queued"; }).length;
    var head = document.createElement("div");
    head.className = "fw-semibold";
    head.innerHTML = '<i class="bi bi-phone"></i> ';
    head.appendChild(document.createTextNode(
      "本机有 " + drafts.length + " 份检查未提交" + (queued ? "（" + queued + " 份排队中，联网后自动提交）" : "") + "："
    ));
    box.appendChild(head);
    var ul = document.createElement("ul");
    ul.className = "mb-0 ps-3 small";
    drafts.forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = d.pageUrl;
      a.textContent = (d.enterpriseName || "检查") + (d.status === "queued" ? "（待提交）" : "（草稿）");
      li.appendChild(a);
      if (d.lastError) li.appendChild(document.createTextNode(" " + d.lastError));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.classList.remove("d-none");
  }

  function mine() {
    return store.all().then(function (all) {
      return (all || []).filter(function (d) { return d.key.indexOf(prefix) === 0; });
    });
  }

  function flush() {
    if (busy) return;
    busy = true;
    mine().then(function (drafts) {
      var queued = navigator.onLine ? drafts.filter(function (d) { return d.status === "queued"; }) : [];
      return queued.reduce(function (chain, d) {
        return chain.then(function () {
          return store.submit(d, d.submitUrl).then(function (result) {
            if (result.ok) return store.remove(d.key);
            if (result.status < 500) {
              d.status = "draft";
              var text = store.errorText(result);
              d.lastError = Array.isArray(text) ? text[0] : text;
              return store.put(d);
            }
            return null;
          }, function () { return null; });
        });
      }, Promise.resolve()).then(function () {
        return mine();
      });
    }).then(function (drafts) {
      busy = false;
      render(drafts);
    }, function () { busy = false; });
  }

  window.addEventListener("online", flush);
  flush();
})();
