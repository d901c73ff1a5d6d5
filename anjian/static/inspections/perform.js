// The inspection page: answers, notes, photos, GPS and two drawn signatures live in a draft on the
// device (IndexedDB) that survives reloads and lost connections; "提交" sends everything at once, or
// queues it until the browser is back online.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("perform-config").textContent);
  var store = window.AnjianDrafts;
  var root = document.getElementById("perform");
  var draft = null;
  var sending = false;
  var saveTimer = null;
  var MAX_SIDE = 1600;

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }

  function newDraft() {
    return {
      key: cfg.draftKey,
      userId: cfg.userId,
      clientUuid: store.uuid4(),
      plan: cfg.plan,
      enterprise: cfg.enterprise,
      enterpriseName: cfg.enterpriseName,
      version: cfg.version,
      items: cfg.items.map(function (i) { return i.id; }),
      answers: {},
      photos: {},
      signatures: {},
      representative: cfg.defaultRepresentative || "",
      coInspectors: cfg.defaultCo || "",
      summary: "",
      gps: null,
      locationNote: "",
      startedAt: new Date().toISOString(),
      status: "draft",
      pageUrl: window.location.pathname + window.location.search,
      submitUrl: cfg.submitUrl
    };
  }

  function save() {
    return store.put(draft).then(function () {
      setDraftStatus("草稿已保存在本机 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }));
    }, function (err) {
      setDraftStatus("草稿保存失败：" + (err && err.message ? err.message : "本地存储不可用"), true);
    });
  }
  function saveSoon() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(save, 400);
  }

  function setDraftStatus(text, bad) {
    var el = $("#draft-status");
    el.querySelector("span").textContent = text;
    el.classList.toggle("text-danger", !!bad);
  }

  // ---------------------------------------------------------------- network status
  function setNet() {
    var badge = $("#net-status");
    var queued = draft && draft.status === "queued";
    badge.className = "badge rounded-pill net-badge " + (queued ? "text-bg-warning" : navigator.onLine ? "text-bg-success" : "text-bg-secondary");
    badge.textContent = queued ? "待提交" : navigator.onLine ? "在线" : "离线";
    $("#queued-alert").classList.toggle("d-none", !queued);
  }

  // ---------------------------------------------------------------- items
  function answer(id) {
    if (!draft.answers[id]) draft.answers[id] = { outcome: "", note: "" };
    return draft.answers[id];
  }

  function renderItem(card) {
    var id = card.getAttribute("data-item");
    var a = draft.answers[id] || {};
    $all(".outcome-btn", card).forEach(function (btn) {
      var on = btn.getAttribute("data-outcome") === a.outcome;
      btn.classList.toggle("active", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
    });
    card.classList.remove("is-pass", "is-fail", "is-na");
    if (a.outcome) card.classList.add("is-" + a.outcome);
    var hasExtra = a.outcome === "fail" || !!a.note || (draft.photos[id] || []).length > 0 || card.classList.contains("show-extra");
    $(".item-extra", card).classList.toggle("d-none", !hasExtra);
    $(".item-more", card).classList.toggle("d-none", hasExtra);
    $(".fail-required", card).classList.toggle("d-none", a.outcome !== "fail");
    var note = $(".item-note", card);
    if (document.activeElement !== note) note.value = a.note || "";
    renderThumbs(card, id);
  }

  function renderThumbs(card, id) {
    var box = $(".thumbs", card);
    $all("img", box).forEach(function (img) { URL.revokeObjectURL(img.src); });
    box.innerHTML = "";
    (draft.photos[id] || []).forEach(function (p, n) {
      var wrap = document.createElement("div");
      wrap.className = "thumb";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(p.blob);
      img.alt = "照片 " + (n + 1);
      var del = document.createElement("button");
      del.type = "button";
      del.className = "thumb-del";
      del.setAttribute("aria-label", "删除照片 " + (n + 1));
      del.innerHTML = "&times;";
      del.addEventListener("click", function () {
        draft.photos[id].splice(n, 1);
        save();
        renderItem(card);
      });
      wrap.appendChild(img);
      wrap.appendChild(del);
      box.appendChild(wrap);
    });
  }

  function progress() {
    var total = draft.items.length;
    var done = 0;
    var failed = 0;
    draft.items.forEach(function (id) {
      var a = draft.answers[id];
      if (a && a.outcome) done++;
      if (a && a.outcome === "fail") failed++;
    });
    $("#progress-text").textContent = "已答 " + done + "/" + total;
    $("#fail-count").textContent = "不合格 " + failed;
    $("#progress-bar").style.width = (total ? Math.round((done * 100) / total) : 0) + "%";
  }

  function resize(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.82);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function bindItems() {
    $all(".item-card").forEach(function (card) {
      var id = card.getAttribute("data-item");
      $all(".outcome-btn", card).forEach(function (btn) {
        btn.addEventListener("click", function () {
          answer(id).outcome = btn.getAttribute("data-outcome");
          card.classList.remove("needs-answer");
          renderItem(card);
          progress();
          save();
          if (answer(id).outcome === "fail") $(".item-note", card).focus({ preventScroll: true });
        });
      });
      $(".item-more", card).addEventListener("click", function () {
        card.classList.add("show-extra");
        renderItem(card);
      });
      $(".item-note", card).addEventListener("input", function (e) {
        answer(id).note = e.target.value;
        saveSoon();
      });
      $(".photo-input", card).addEventListener("change", function (e) {
        var files = Array.prototype.slice.call(e.target.files || []);
        e.target.value = "";
        if (!files.length) return;
        var list = draft.photos[id] || (draft.photos[id] = []);
        if (list.length + files.length > 5) {
          window.alert("每个检查项最多 5 张照片。");
          files = files.slice(0, Math.max(0, 5 - list.length));
        }
        Promise.all(files.map(resize)).then(function (blobs) {
          blobs.forEach(function (blob, n) {
            list.push({ blob: blob, name: "item-" + id + "-" + (list.length + 1) + ".jpg", at: new Date().toISOString(), size: blob.size || files[n].size });
          });
          card.classList.add("show-extra");
          renderItem(card);
          save();
        });
      });
    });
  }

  // ---------------------------------------------------------------- GPS
  function setGps(text, state) {
    var el = $("#gps-status");
    el.querySelector("span").textContent = text;
    el.classList.remove("text-success", "text-danger", "text-muted");
    el.classList.add(state === "ok" ? "text-success" : state === "bad" ? "text-danger" : "text-muted");
  }

  function showGps() {
    if (draft.gps) {
      setGps(draft.gps.accuracy ? "已定位（±" + Math.round(draft.gps.accuracy) + " 米）" : "已定位", "ok");
    } else if (draft.locationNote) {
      setGps(draft.locationNote, "bad");
    }
  }

  function locate() {
    if (!navigator.geolocation) {
      draft.locationNote = "设备不支持定位";
      showGps();
      save();
      return;
    }
    setGps("正在定位…", "wait");
    navigator.geolocation.getCurrentPosition(function (pos) {
      draft.gps = {
        lat: Math.round(pos.coords.latitude * 1e6) / 1e6,
        lng: Math.round(pos.coords.longitude * 1e6) / 1e6,
        accuracy: Math.round(pos.coords.accuracy * 10) / 10,
        at: new Date(pos.timestamp || Date.now()).toISOString()
      };
      draft.locationNote = "";
      showGps();
      save();
    }, function (err) {
      var text = err.code === 1 ? "定位权限被拒绝" : err.code === 3 ? "定位超时" : "无法获取位置";
      if (!window.isSecureContext) text = "定位不可用（需 HTTPS 访问）";
      if (!draft.gps) draft.locationNote = text;
      setGps(draft.gps ? "已定位（沿用上次位置）" : text + "，可不定位提交", draft.gps ? "ok" : "bad");
      save();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // ---------------------------------------------------------------- signatures
  function bindSignature(block) {
    var key = block.getAttribute("data-signature");
    var canvas = $("canvas", block);
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var moved = false;
    var last = null;

    function setup() {
      var ratio = window.devicePixelRatio || 1;
      var w = canvas.clientWidth;
      var h = canvas.clientHeight;
      if (!w || !h) return;
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.4;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      restore();
    }
    function restore() {
      ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
      block.classList.toggle("signed", !!draft.signatures[key]);
      if (!draft.signatures[key]) return;
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0, canvas.clientWidth, canvas.clientHeight); };
      img.src = draft.signatures[key];
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    }
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      drawing = true;
      moved = false;
      last = point(e);
      if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      moved = true;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      if (!moved) return;
      draft.signatures[key] = canvas.toDataURL("image/png");
      block.classList.add("signed");
      block.classList.remove("needs-answer");
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    $(".sig-clear", block).addEventListener("click", function () {
      delete draft.signatures[key];
      restore();
      save();
    });
    window.addEventListener("resize", setup);
    setup();
  }

  // ---------------------------------------------------------------- submit
  function problems() {
    var out = [];
    var first = null;
    draft.items.forEach(function (id, n) {
      var a = draft.answers[id];
      var card = document.getElementById("item-" + id);
      var bad = false;
      if (!a || !a.outcome) { out.push("第 " + cfg.items[n].order + " 项未作答"); bad = true; }
      else if (a.outcome === "fail" && !(a.note || "").trim()) { out.push("第 " + cfg.items[n].order + " 项不合格，请填写问题说明"); bad = true; }
      card.classList.toggle("needs-answer", bad);
      if (bad && !first) first = card;
    });
    if (!(draft.representative || "").trim()) {
      out.push("请填写企业代表姓名");
      first = first || $("#representative");
    }
    $all(".signature-block").forEach(function (block) {
      var key = block.getAttribute("data-signature");
      if (!draft.signatures[key]) {
        out.push(key === "signature_inspector" ? "缺少检查人员签名" : "缺少企业代表签名");
        block.classList.add("needs-answer");
        first = first || block;
      }
    });
    return { list: out, first: first };
  }

  function showErrors(lines) {
    var box = $("#submit-errors");
    if (!lines || !lines.length) { box.classList.add("d-none"); return; }
    box.innerHTML = "";
    var title = document.createElement("div");
    title.className = "fw-semibold mb-1";
    title.textContent = "还不能提交：";
    box.appendChild(title);
    var ul = document.createElement("ul");
    ul.className = "mb-0 ps-3";
    lines.slice(0, 12).forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      ul.appendChild(li);
    });
    if (lines.length > 12) {
      var more = document.createElement("li");
      more.textContent = "另有 " + (lines.length - 12) + " 处";
      ul.appendChild(more);
    }
    box.appendChild(ul);
    box.classList.remove("d-none");
  }

  function send() {
    if (sending || !draft || draft.status !== "queued") return;
    if (!navigator.onLine) { setNet(); return; }
    sending = true;
    var btn = $("#submit-btn");
    btn.disabled = true;
    btn.innerHTML = '<span class="spinner-border spinner-border-sm"></span> 提交中';
    store.submit(draft, cfg.submitUrl).then(function (result) {
      sending = false;
      if (result.ok && result.body && result.body.id) {
        var target = result.body.url || cfg.detailUrl.replace("/0/", "/" + result.body.id + "/");
        return store.remove(draft.key).then(function () { window.location.assign(target); });
      }
      draft.status = result.status >= 500 ? "queued" : "draft";
      var text = store.errorText(result);
      showErrors(Array.isArray(text) ? text : [text]);
      $("#submit-errors").focus();
      resetButton();
      save().then(setNet);
    }, function () {
      // Network unreachable: keep it queued, retry when the browser says it is back online.
      sending = false;
      resetButton();
      setNet();
    });
  }

  function resetButton() {
    var btn = $("#submit-btn");
    btn.disabled = false;
    btn.innerHTML = '<i class="bi bi-send"></i> 提交';
  }

  function bindForm() {
    var rep = $("#representative");
    var co = $("#co-inspectors");
    var summary = $("#summary");
    rep.value = draft.representative || "";
    co.value = draft.coInspectors || "";
    summary.value = draft.summary || "";
    rep.addEventListener("input", function () { draft.representative = rep.value; saveSoon(); });
    co.addEventListener("input", function () { draft.coInspectors = co.value; saveSoon(); });
    summary.addEventListener("input", function () { draft.summary = summary.value; saveSoon(); });
    $("#gps-retry").addEventListener("click", locate);
    $("#discard-draft").addEventListener("click", function () {
      if (!window.confirm("放弃后本机保存的答案、照片和签名都将删除，确定吗？")) return;
      store.remove(draft.key).then(function () { window.location.reload(); });
    });
    $("#submit-btn").addEventListener("click", function () {
      window.clearTimeout(saveTimer);
      var p = problems();
      if (p.list.length) {
        showErrors(p.list);
        if (p.first) p.first.scrollIntoView({ behavior: "smooth", block: "center" });
        return;
      }
      showErrors(null);
      draft.status = "queued";
      save().then(function () { setNet(); send(); });
    });
    window.addEventListener("online", function () { setNet(); send(); });
    window.addEventListener("offline", setNet);
  }

  function start(existing) {
    draft = existing || newDraft();
    if (!existing) {
      setDraftStatus("新的检查，草稿将自动保存在本机");
    } else {
      setDraftStatus("已恢复本机草稿（" + new Date(existing.updatedAt).toLocaleString("zh-CN", { hour12: false }) + "）");
    }
    root.classList.add("ready");
    $all(".item-card").forEach(renderItem);
    bindItems();
    bindForm();
    $all(".signature-block").forEach(bindSignature);
    progress();
    setNet();
    if (draft.gps || draft.locationNote) showGps();
    if (!draft.gps) locate();
    if (!existing) save();
    if (draft.status === "queued") send();
  }

  store.get(cfg.draftKey).then(function (existing) {
    if (existing) return start(existing);
    // A draft of the same visit begun on an earlier checklist version: reopen it on that version.
    return store.all().then(function (drafts) {
      var other = (drafts || []).filter(function (d) {
        return d.key.indexOf(cfg.draftPrefix) === 0 && d.key !== cfg.draftKey;
      })[0];
      if (other && other.version && String(window.location.search).indexOf("version=") < 0) {
        var url = new URL(window.location.href);
        url.searchParams.set("version", other.version);
        window.location.replace(url.toString());
        return;
      }
      start(null);
    });
  }, function (err) {
    setDraftStatus(err && err.message ? err.message : "本地存储不可用，草稿无法保存", true);
    start(null);
  });
})();
