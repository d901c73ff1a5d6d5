// Inspection drafts kept on the device (IndexedDB: answers, notes, photos as Blobs, signatures, GPS),
// and the one request that submits a whole inspection. Shared by the inspection page and the outbox.
(function () {
  "use strict";
  var DB_NAME = "anjian-inspections";
  var STORE = "drafts";
  var dbPromise = null;

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      if (!window.indexedDB) {
        reject(new Error("此浏览器不支持本地存储（IndexedDB），草稿无法离线保存。"));
        return;
      }
      var req = window.indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }

  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var store = t.objectStore(STORE);
        var out = fn(store);
        t.oncomplete = function () { resolve(out instanceof window.IDBRequest ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("本地存储写入失败（可能空间不足）。")); };
      });
    });
  }

  function get(key) {
    return tx("readonly", function (s) { return s.get(key); });
  }
  function put(draft) {
    draft.updatedAt = new Date().toISOString();
    return tx("readwrite", function (s) { s.put(draft); return null; });
  }
  function remove(key) {
    return tx("readwrite", function (s) { s.delete(key); return null; });
  }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); });
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function dataUrlToBlob(url) {
    var parts = url.split(",");
    var mime = (parts[0].match(/data:([^;]+)/) || [null, "image/png"])[1];
    var bin = window.atob(parts[1]);
    var arr = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
    return new Blob([arr], { type: mime });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // Build the multipart body of a draft: `payload` JSON, photo_<item> files, two signature PNGs.
  function formData(draft) {
    var results = draft.items.map(function (id) {
      var a = draft.answers[id] || {};
      return { item: id, outcome: a.outcome || "", note: a.note || "" };
    });
    var payload = {
      client_uuid: draft.clientUuid,
      plan: draft.plan,
      enterprise: draft.enterprise,
      checklist_version: draft.version,
      started_at: draft.startedAt,
      representative_name: draft.representative || "",
      co_inspector_names: draft.coInspectors || "",
      summary: draft.summary || "",
      results: results
    };
    if (draft.gps) {
      payload.lat = draft.gps.lat;
      payload.lng = draft.gps.lng;
      payload.accuracy = draft.gps.accuracy;
    }
    payload.location_note = draft.locationNote || "";
    var fd = new FormData();
    fd.append("payload", JSON.stringify(payload));
    Object.keys(draft.photos || {}).forEach(function (id) {
      (draft.photos[id] || []).forEach(function (p, n) {
        fd.append("photo_" + id, p.blob, p.name || "photo-" + id + "-" + (n + 1) + ".jpg");
      });
    });
    ["signature_inspector", "signature_enterprise"].forEach(function (k) {
      if (draft.signatures && draft.signatures[k]) fd.append(k, dataUrlToBlob(draft.signatures[k]), k + ".png");
    });
    return fd;
  }

  // Send a draft. Resolves {ok, status, body}; rejects only when the network is unreachable.
  function submit(draft, url) {
    return window.fetch(url, {
      method: "POST",
      body: formData(draft),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        return { ok: resp.ok, status: resp.status, body: body };
      });
    });
  }

  function errorText(result) {
    var err = result.body && result.body.error;
    if (result.status === 401 || result.status === 403) {
      if (!err || err.code === "not_authenticated") return "登录已过期，请在新标签页重新登录后再提交（草稿已保存在本机）。";
    }
    if (!err) return "提交失败（" + result.status + "），草稿已保存在本机，请稍后重试。";
    var lines = [];
    Object.keys(err.fields || {}).forEach(function (k) {
      var v = err.fields[k];
      (Array.isArray(v) ? v : [v]).forEach(function (m) { if (lines.indexOf(String(m)) < 0) lines.push(String(m)); });
    });
    return lines.length ? lines : [err.message];
  }

  window.AnjianDrafts = {
    get: get, put: put, remove: remove, all: all, uuid4: uuid4, submit: submit, errorText: errorText
  };
})();
