/* Live alarm board: server-sent events (polling fallback), colour by level, a WebAudio beep, acknowledge
   and close from the board. Data arrives as JSON; every text is inserted with textContent. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("board-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var list = document.getElementById("board-list");
  var empty = document.getElementById("board-empty");
  var indicator = document.getElementById("live-indicator");
  var soundBtn = document.getElementById("sound-toggle");
  var alarms = new Map();
  var cursor = cfg.cursor;
  var filter = "all";
  var source = null;
  var failures = 0;
  var pollTimer = null;
  var audio = null;
  var soundOn = localStorage.getItem("anjian.board.sound") === "on";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fmtTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    var now = new Date();
    var hms = d.toLocaleTimeString("zh-CN", { hour12: false });
    if (d.toDateString() === now.toDateString()) return hms;
    return (d.getMonth() + 1) + "-" + d.getDate() + " " + hms;
  }

  function fmtValue(a) {
    if (a.value === null || a.value === undefined) return "";
    var v = Math.round(a.value * 100) / 100;
    return v + (a.unit || "");
  }

  /* ---------------------------------------------------------------- sound (WebAudio, no files) */
  function beep(level) {
    if (!soundOn) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var count = level >= 2 ? 3 : 1;
      var freq = level >= 2 ? 880 : 660;
      for (var i = 0; i < count; i++) {
        var t = audio.currentTime + i * 0.28;
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "square";
        osc.frequency.setValueAtTime(freq, t);
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(t);
        osc.stop(t + 0.22);
      }
    } catch (e) { /* audio not available: the colour still tells */ }
  }

  function renderSound() {
    soundBtn.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundBtn.className = "btn " + (soundOn ? "btn-success" : "btn-outline-secondary");
    soundBtn.querySelector("i").className = "bi " + (soundOn ? "bi-volume-up" : "bi-volume-mute");
    soundBtn.querySelector("span").textContent = soundOn ? "声音已开启" : "开启声音";
  }

  soundBtn.addEventListener("click", function () {
    soundOn = !soundOn;
    localStorage.setItem("anjian.board.sound", soundOn ? "on" : "off");
    renderSound();
    if (soundOn) beep(1);
  });

  /* ---------------------------------------------------------------- cards */
  function card(a) {
    var node = el("article", "alarm-card level-" + a.level + " state-" + a.state);
    node.dataset.id = a.id;
    node.setAttribute("data-level", a.level);
    node.setAttribute("data-state", a.state);
    var head = el("div", "alarm-head");
    head.appendChild(el("span", "badge alarm-level " + (a.level >= 2 ? "text-bg-danger" : "text-bg-warning"), a.level_label));
    head.appendChild(el("span", "badge badge-soft text-bg-" + a.state_colour, a.state_label));
    if (a.escalation) head.appendChild(el("span", "badge badge-soft text-bg-dark", "已上报" + a.escalation_label));
    head.appendChild(el("span", "alarm-time", "首次 " + fmtTime(a.first_at) + " · 最近 " + fmtTime(a.last_at)));
    node.appendChild(head);
    node.appendChild(el("div", "alarm-msg", a.message));
    var meta = el("div", "alarm-meta");
    var devLine = el("div");
    var icon = el("i", "bi " + a.device_icon + " me-1");
    devLine.appendChild(icon);
    var devLink = el("a", "", a.device);
    devLink.href = a.device_url;
    devLine.appendChild(devLink);
    devLine.appendChild(document.createTextNode((a.location ? " · " + a.location : "") + "（" + a.device_code + "）"));
    meta.appendChild(devLine);
    meta.appendChild(el("div", "", a.enterprise + " · " + a.community + (a.grid ? " / " + a.grid : "")));
    node.appendChild(meta);
    var foot = el("div", "alarm-foot");
    var facts = [];
    if (a.peak !== null && a.peak !== undefined && a.peak !== a.value) facts.push("峰值 " + (Math.round(a.peak * 100) / 100) + (a.unit || ""));
    if (a.repeat_count) facts.push("重复 " + a.repeat_count + " 次");
    if (a.acknowledged_by) facts.push("确认：" + a.acknowledged_by);
    foot.appendChild(el("span", "", facts.join(" · ") || a.rule));
    var actions = el("div", "actions");
    if (a.can_acknowledge) {
      var ack = el("button", "btn btn-sm btn-danger", "确认");
      ack.type = "button";
      ack.dataset.action = "ack";
      actions.appendChild(ack);
    }
    if (a.can_close) {
      var close = el("button", "btn btn-sm btn-outline-primary", "关闭");
      close.type = "button";
      close.dataset.action = "close";
      actions.appendChild(close);
    }
    var more = el("a", "btn btn-sm btn-light border", "详情");
    more.href = a.url;
    actions.appendChild(more);
    foot.appendChild(actions);
    node.appendChild(foot);
    return node;
  }

  function order(a, b) {
    var sa = a.state === "active" ? 0 : a.state === "acknowledged" ? 1 : 2;
    var sb = b.state === "active" ? 0 : b.state === "acknowledged" ? 1 : 2;
    if (sa !== sb) return sa - sb;
    if (a.level !== b.level) return b.level - a.level;
    return a.last_at < b.last_at ? 1 : a.last_at > b.last_at ? -1 : 0;
  }

  function visible(a) {
    if (filter === "level2") return a.level >= 2;
    if (filter === "level1") return a.level === 1;
    if (filter === "active") return a.state === "active";
    return true;
  }

  function render(fresh) {
    var items = Array.from(alarms.values()).filter(function (a) { return a.open; }).sort(order);
    var shown = items.filter(visible);
    var existing = new Map();
    list.querySelectorAll(".alarm-card").forEach(function (n) { existing.set(n.dataset.id, n); });
    var frag = document.createDocumentFragment();
    shown.forEach(function (a) {
      var node = card(a);
      if (fresh && fresh.has(a.id)) node.classList.add("is-new");
      frag.appendChild(node);
    });
    list.replaceChildren(frag);
    empty.classList.toggle("d-none", shown.length > 0);
    var counts = { all: items.length, level2: 0, level1: 0, active: 0 };
    items.forEach(function (a) {
      if (a.level >= 2) counts.level2++; else counts.level1++;
      if (a.state === "active") counts.active++;
    });
    Object.keys(counts).forEach(function (k) {
      var b = document.getElementById("f-" + k);
      if (b) b.textContent = counts[k];
    });
  }

  function setCounts(c) {
    if (!c) return;
    var map = { "c-active": c.active, "c-level2": c.level2, "c-level1": c.level1, "c-online": c.devices_online, "c-offline": c.devices_offline };
    Object.keys(map).forEach(function (id) {
      var n = document.getElementById(id);
      if (n && map[id] !== undefined) n.textContent = map[id];
    });
  }

  function merge(items, initial) {
    var fresh = new Set();
    var loudest = 0;
    items.forEach(function (a) {
      var old = alarms.get(a.id);
      if (old && old.version >= a.version) return;
      var becameActive = a.open && a.state === "active" && (!old || old.state !== "active" || a.level > old.level);
      if (!initial && becameActive) {
        fresh.add(a.id);
        loudest = Math.max(loudest, a.level);
      }
      alarms.set(a.id, a);
    });
    render(fresh);
    if (loudest) beep(loudest);
  }

  /* ---------------------------------------------------------------- live updates */
  function setIndicator(state, text) {
    indicator.dataset.state = state;
    indicator.querySelector(".text").textContent = text;
  }

  function handle(data) {
    if (data.cursor) cursor = data.cursor;
    if (data.alarms && data.alarms.length) merge(data.alarms, false);
    setCounts(data.counts);
  }

  function connect() {
    if (!window.EventSource) return startPolling();
    var opened = false;
    source = new EventSource(cfg.streamUrl + "?since=" + encodeURIComponent(cursor));
    source.onopen = function () { opened = true; failures = 0; setIndicator("live", "实时"); };
    source.addEventListener("alarms", function (e) { handle(JSON.parse(e.data)); });
    source.addEventListener("cursor", function (e) { handle(JSON.parse(e.data)); });
    source.onerror = function () {
      source.close();
      source = null;
      if (!opened) failures++;
      if (failures >= 3) return startPolling();
      setTimeout(connect, opened ? 50 : 1000);
    };
  }

  function poll() {
    fetch(cfg.feedUrl + "?since=" + encodeURIComponent(cursor), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { handle(data); setIndicator("polling", "每秒刷新"); })
      .catch(function () { setIndicator("down", "连接中断，重试中"); });
  }

  function startPolling() {
    if (pollTimer) return;
    setIndicator("polling", "每秒刷新");
    poll();
    pollTimer = setInterval(poll, 1000);
    setTimeout(function () { clearInterval(pollTimer); pollTimer = null; failures = 0; connect(); }, 60000);
  }

  /* ---------------------------------------------------------------- actions */
  function post(url, body) {
    var form = new URLSearchParams(body || {});
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error((data.error && data.error.message) || "操作失败");
        return data;
      });
    });
  }

  function toast(text, kind) {
    var box = el("div", "alert alert-" + (kind || "success") + " board-toast shadow-sm", text);
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:1080;max-width:90vw";
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 3500);
  }

  var modalEl = document.getElementById("close-modal");
  var modal = window.bootstrap ? new window.bootstrap.Modal(modalEl) : null;
  var closingId = null;

  list.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-action]");
    if (!btn) return;
    var id = Number(btn.closest(".alarm-card").dataset.id);
    var a = alarms.get(id);
    if (btn.dataset.action === "ack") {
      btn.disabled = true;
      post("/monitoring/alarms/" + id + "/acknowledge/")
        .then(function (data) { merge([data.alarm], true); toast(data.message); })
        .catch(function (err) { btn.disabled = false; toast(err.message, "danger"); });
    } else if (btn.dataset.action === "close") {
      closingId = id;
      document.getElementById("close-summary").textContent = a ? a.device + "：" + a.message : "";
      document.getElementById("close-note").value = "";
      document.getElementById("close-note").classList.remove("is-invalid");
      if (modal) modal.show();
    }
  });

  document.getElementById("close-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var note = document.getElementById("close-note");
    if (!note.value.trim()) { note.classList.add("is-invalid"); return; }
    var submit = document.getElementById("close-submit");
    submit.disabled = true;
    post("/monitoring/alarms/" + closingId + "/close/", { note: note.value })
      .then(function (data) {
        merge([data.alarm], true);
        if (modal) modal.hide();
        toast(data.message);
      })
      .catch(function (err) {
        document.getElementById("close-error").textContent = err.message;
        note.classList.add("is-invalid");
      })
      .finally(function () { submit.disabled = false; });
  });

  document.querySelectorAll(".board-filter [data-filter]").forEach(function (b) {
    b.addEventListener("click", function () {
      filter = b.dataset.filter;
      document.querySelectorAll(".board-filter [data-filter]").forEach(function (x) {
        var on = x === b;
        var base = x.dataset.filter === "level2" ? "danger" : x.dataset.filter === "level1" ? "warning" : x.dataset.filter === "active" ? "secondary" : "dark";
        x.className = "btn btn-sm " + (on ? "btn-" + base : "btn-outline-" + base);
      });
      render(null);
    });
  });

  /* Keep relative times fresh and the board alive. */
  renderSound();
  merge(cfg.alarms, true);
  connect();
})();
