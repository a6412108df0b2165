/* 危废监管移动端: the field app (hub/mobile/, docs/mobile.md). One page, screens by the URL's hash, drawn from
   the hub's JSON API as the logged-in user may see it. No library but the QR reader (zxing-wasm, from the npm
   lockfile, loaded only when a picture or the camera is read on a browser without BarcodeDetector).

   Offline: the service worker (sw.js) keeps the app and the JSON last opened. What the user records (an
   answer to a 督办单, a field check, an inspection) goes into an outbox in IndexedDB first, photos included,
   and is sent when the signal is back — photos first (the hub keeps them by their SHA-256, so a repeat is
   harmless), then the record with an Idempotency-Key, so a record the hub got before the line dropped is not
   recorded twice. A refusal (someone changed the record meanwhile, a deadline passed) stays in the outbox,
   shown with the hub's words, until the user sends it again or discards it. Logout clears the outbox, the
   kept data and the user. */
(function () {
  "use strict";

  var APP = JSON.parse(document.getElementById("app-data").textContent);
  var T = APP.words;
  var LANG = APP.lang;
  var view = document.getElementById("view");
  var ME = null;
  var TOKEN = null;  // the session the app logged in with (POST /api/v1/sessions), sent as a bearer token
  var DB_NAME = "wastetrace-m";
  var RETRY_MS = 20000;
  var SYNC = "/api/v1/inspections/sync";
  var WARM_AFTER_MS = 3000;

  // ---- small helpers ------------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "text") { node.textContent = v; } else if (k.indexOf("on") === 0) { node.addEventListener(k.slice(2), v); } else { node.setAttribute(k, v === true ? "" : v); }
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function show() {
    view.replaceChildren.apply(view, Array.prototype.slice.call(arguments).filter(Boolean));
    view.setAttribute("data-screen", location.hash.split("/")[1] || "home");
  }

  function kg(grams) {
    if (grams === null || grams === undefined) { return "—"; }
    return (grams / 1000).toLocaleString(LANG === "zh" ? "zh-CN" : "en", { maximumFractionDigits: 3 }) + " kg";
  }

  function when(ms) {
    if (!ms) { return "—"; }
    return new Date(ms).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 16);
  }

  function card(label, value, extra) {
    return el("div", { class: "card" }, [el("div", { class: "label", text: label }), el("div", { class: "value", text: String(value) }), extra || null]);
  }

  function row(label, value) {
    return el("div", { class: "row" }, [el("span", { class: "k", text: label }), el("span", { class: "v", text: value === null || value === undefined || value === "" ? "—" : String(value) })]);
  }

  function note(text, cls) { return el("p", { class: cls || "muted", text: text }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function link(href, text, cls) { return el("a", { href: href, text: text, class: cls || null }); }

  // A picture the API serves to its readers: fetched with the app's token (an <img> cannot send it) and
  // shown from a blob: URL.
  function picture(url, alt) {
    var img = el("img", { alt: alt || "" });
    fetch(url, { credentials: "omit", headers: authorised({ Accept: "image/*" }) })
      .then(function (r) { if (!r.ok) { throw new ApiError(r.status, T.error); } return r.blob(); })
      .then(function (b) { img.src = URL.createObjectURL(b); img.setAttribute("data-loaded", "1"); })
      .catch(function () { img.alt = T.error; });
    return img;
  }

  // ---- the API ------------------------------------------------------------------------------------------

  function ApiError(status, detail) { this.status = status; this.detail = detail; }

  // Whether what the screen shows is the last sync (the service worker answered from the phone's copy, or
  // nothing answered): the banner says so. navigator.onLine alone is not to be trusted for it.
  function freshness(stale) {
    banner(stale ? T.offline : "");
    var net = document.getElementById("net");
    net.hidden = !stale;
    net.textContent = stale ? "●" : "";
    document.body.classList.toggle("stale", stale);
  }

  function authorised(headers) {
    var out = Object.assign({ Accept: "application/json" }, headers || {});
    if (TOKEN) { out.Authorization = "Bearer " + TOKEN; }
    return out;
  }

  function api(path) {
    return fetch(path, { credentials: "omit", headers: authorised() })
      .catch(function (error) { freshness(true); throw error; })
      .then(function (r) {
        freshness(!!r.headers.get("X-WT-Cached"));
        if (r.status === 401) { throw new ApiError(401, T.login_needed); }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (b) { throw new ApiError(r.status, b.detail || T.error); });
        }
        return r.json();
      });
  }

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      TOKEN = null;  // ended or expired: a new login; what waits in the outbox stays
      kv.put("token", null);
      return loginScreen();
    }
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) { return show(note(T.not_found, "problem")); }
    show(note(navigator.onLine ? (error.detail || T.error) : T.offline, "problem"));
  }

  // ---- IndexedDB: the outbox and the user ---------------------------------------------------------------

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore("outbox", { keyPath: "id" });
          open.result.createObjectStore("kv", { keyPath: "k" });
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }

  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result = work(t.objectStore(store));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  var outbox = {
    all: function () { return tx("outbox", "readonly", function (s) { return s.getAll(); }); },
    put: function (item) { return tx("outbox", "readwrite", function (s) { s.put(item); }); },
    drop: function (id) { return tx("outbox", "readwrite", function (s) { s.delete(id); }); },
    clear: function () { return tx("outbox", "readwrite", function (s) { s.clear(); }); }
  };
  // Records go out in the order they were made: a counter kept on the phone (the clock may stand still
  // within a millisecond, or be set back).
  function nextSeq() {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("kv", "readwrite");
        var store = t.objectStore("kv");
        var n = 0;
        var read = store.get("seq");
        read.onsuccess = function () { n = (read.result ? read.result.v : 0) + 1; store.put({ k: "seq", v: n }); };
        t.oncomplete = function () { resolve(n); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  var kv = {
    get: function (k) { return tx("kv", "readonly", function (s) { return s.get(k); }).then(function (r) { return r ? r.v : null; }); },
    put: function (k, v) { return tx("kv", "readwrite", function (s) { s.put({ k: k, v: v }); }); },
    clear: function () { return tx("kv", "readwrite", function (s) { s.clear(); }); }
  };

  // ---- sending what was recorded ------------------------------------------------------------------------

  var syncing = null;

  function upload(blob) {
    var name = blob.name ? "?name=" + encodeURIComponent(blob.name.slice(0, 120)) : "";
    return fetch("/api/v1/attachments" + name, {
      method: "POST", credentials: "omit", body: blob,
      headers: authorised({ "Content-Type": blob.type || "image/jpeg" })
    }).then(function (r) {
      if (r.status === 401) { throw new ApiError(401, T.login_needed); }
      if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (b) { throw new ApiError(r.status, b.detail || T.error); }); }
      return r.json().then(function (b) { return b.sha256; });
    });
  }

  // An inspection's operations go through the hub's sync (POST /api/v1/inspections/sync), one per request,
  // each with its op_id: applied or duplicate, it is done; a conflict is kept at the hub (shown on the
  // inspection until resolved); an error stays here, shown, like any refusal.
  function sendOperation(item, body) {
    return fetch("/api/v1/inspections/sync", {
      method: "POST", credentials: "omit", body: JSON.stringify({ operations: [body] }),
      headers: authorised({ "Content-Type": "application/json" })
    }).then(function (r) {
      if (r.status === 401) { throw new ApiError(401, T.login_needed); }
      if (r.status >= 500 || r.status === 429 || r.status === 408) { return "later"; }
      return r.json().catch(function () { return {}; }).then(function (b) {
        var result = (b.results || [])[0];
        if (r.ok && result && result.outcome !== "error") {
          return outbox.drop(item.id).then(function () { return result.outcome === "conflict" ? "conflict" : "sent"; });
        }
        item.state = "conflict";
        item.message = result ? result.detail : (typeof b.detail === "string" ? b.detail : String(r.status));
        item.status = result ? result.status : r.status;
        return outbox.put(item).then(function () { return "conflict"; });
      });
    });
  }

  function send(item) {
    var photos = item.photos || [];
    return Promise.all(photos.map(upload)).then(function (hashes) {
      var body = Object.assign({}, item.body);
      if (item.photo_field) { body[item.photo_field] = (body[item.photo_field] || []).concat(hashes); }
      if (item.path === SYNC) { return sendOperation(item, body); }
      return fetch(item.path, {
        method: item.method, credentials: "omit", body: JSON.stringify(body),
        headers: authorised({ "Content-Type": "application/json", "Idempotency-Key": item.id })
      });
    }).then(function (r) {
      if (typeof r === "string") { return r; }
      if (r.ok) { return outbox.drop(item.id).then(function () { return "sent"; }); }
      if (r.status === 401) { throw new ApiError(401, T.login_needed); }
      if (r.status >= 500 || r.status === 429 || r.status === 408) { return "later"; }
      return r.json().catch(function () { return {}; }).then(function (b) {
        item.state = "conflict";
        item.message = typeof b.detail === "string" ? b.detail : JSON.stringify(b.detail || r.status);
        item.status = r.status;
        return outbox.put(item).then(function () { return "conflict"; });
      });
    }, function (error) {
      if (error instanceof ApiError && error.status === 401) { throw error; }
      if (error instanceof ApiError && error.status < 500) {
        item.state = "conflict"; item.message = error.detail; item.status = error.status;
        return outbox.put(item).then(function () { return "conflict"; });
      }
      return "later";  // no signal: kept as it is, sent next time
    });
  }

  // One pass over the outbox, oldest first, one record at a time, so an inspection's operations reach the hub
  // in the order they were made; with no signal the pass stops and everything waits as it is. Records
  // queued while a pass runs are taken by the same pass.
  function pass(tried) {
    return outbox.all().then(function (items) {
      var next = items.filter(function (i) { return i.state === "pending" && ME && i.owner === ME.username && !tried[i.id]; })
        .sort(function (a, b) { return (a.seq || 0) - (b.seq || 0) || a.created_ms - b.created_ms; })[0];
      if (!next) { return null; }
      tried[next.id] = true;
      return send(next).then(function (result) {
        if (result === "later") { return null; }
        freshness(false);  // the hub answered: there is a signal again
        return pass(tried);
      });
    });
  }

  function sync() {
    if (syncing) { return syncing; }
    syncing = pass({}).catch(function (error) {
      if (error instanceof ApiError && error.status === 401) { banner(T.login_needed); }
    }).then(function () {
      syncing = null;
      document.body.setAttribute("data-synced", String(Date.now()));
      return countOutbox();
    });
    return syncing;
  }

  function queue(kind, title, method, path, body, photos, photoField, id) {
    var item = { id: id || uuid(), owner: ME.username, kind: kind, title: title, method: method, path: path, body: body,
                 photos: photos || [], photo_field: photoField || null, state: "pending", created_ms: Date.now() };
    return nextSeq().then(function (n) { item.seq = n; return outbox.put(item); }).then(function () { return sync(); }).then(function () {
      return outbox.all().then(function (items) {
        var still = items.filter(function (i) { return i.id === item.id; })[0];
        return still ? (still.state === "conflict" ? "conflict" : "queued") : "sent";
      });
    });
  }

  function countOutbox() {
    return outbox.all().then(function (items) {
      var badge = document.getElementById("outbox-count");
      badge.hidden = items.length === 0;
      badge.textContent = String(items.length);
      return items;
    });
  }

  // ---- the frame: network state, install, login ----------------------------------------------------------

  function banner(text) {
    var b = document.getElementById("banner");
    b.hidden = !text;
    b.textContent = text || "";
  }

  function network() {
    if (!navigator.onLine) { freshness(true); }
    if (navigator.onLine) { sync(); }
  }

  var installPrompt = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    var button = document.getElementById("install");
    button.hidden = false;
    document.body.setAttribute("data-installable", "1");
  });
  document.getElementById("install").addEventListener("click", function () {
    if (installPrompt) { installPrompt.prompt(); installPrompt = null; }
    document.getElementById("install").hidden = true;
  });

  // Logging in gives the app a session token of its own (POST /api/v1/sessions), kept on the phone and sent as
  // a bearer token: the hub takes its cookie for reading only, never for a change another site could forge.
  function loginScreen(problem) {
    if (!navigator.onLine) {
      return show(el("section", { class: "panel" }, [el("h1", { text: APP.hub_name }), note(T.offline)]));
    }
    var user = el("input", { name: "username", id: "m-username", autocomplete: "username", required: true, maxlength: "64" });
    var pass = el("input", { name: "password", id: "m-password", type: "password", autocomplete: "current-password", required: true, maxlength: "256" });
    var code = el("input", { name: "code", id: "m-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "16" });
    var said = note(problem || T.login_needed, problem ? "problem" : "muted");
    show(el("form", { class: "panel login", onsubmit: function (e) {
      e.preventDefault();
      var body = { username: user.value.trim(), password: pass.value };
      if (code.value.trim()) { body.code = code.value.trim(); }
      fetch("/api/v1/sessions", { method: "POST", credentials: "omit", body: JSON.stringify(body),
                                  headers: { "Content-Type": "application/json", Accept: "application/json" } })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (b) {
            if (r.status !== 201) { throw new ApiError(r.status, typeof b.detail === "string" ? b.detail : T.error); }
            TOKEN = b.token;
            return kv.put("token", b.token);
          });
        })
        .then(start_session)
        .catch(function (error) { said.textContent = error.detail || T.offline; said.className = "problem"; });
    } }, [
      el("h1", { text: APP.hub_name }), said,
      el("label", { class: "field" }, [T.username, user]),
      el("label", { class: "field" }, [T.password, pass]),
      el("label", { class: "field" }, [T.totp_code, code]),
      el("button", { type: "submit", class: "primary", text: T.login })
    ]));
  }

  function logout() {
    // The phone keeps nothing of this user: their outbox, the session and the data the service worker kept.
    // Records not sent yet would be lost: the user is asked first.
    return outbox.all().then(function (items) {
      var mine = items.filter(function (i) { return ME && i.owner === ME.username; });
      if (mine.length && !window.confirm(T.logout_pending.replace("{n}", String(mine.length)))) { return null; }
      return Promise.all(mine.map(function (i) { return outbox.drop(i.id); })).then(endSession);
    });
  }

  function endSession() {
    var done = kv.clear();
    if (navigator.serviceWorker && navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage("logout"); }
    if (window.caches) { done = done.then(function () { return caches.delete("wt-data"); }); }
    var ending = TOKEN ? fetch("/api/v1/sessions/current", { method: "DELETE", credentials: "omit", headers: authorised() })
      .catch(function () { return null; }) : Promise.resolve();
    TOKEN = null;
    return Promise.all([done, ending]).then(function () {
      ME = null;
      document.body.removeAttribute("data-user");
      document.body.setAttribute("data-logged-out", "1");
      loginScreen();
    });
  }

  function me() {
    return api("/api/v1/me").then(function (m) {
      return kv.get("me").then(function (before) {
        // Another user on this phone: none of the data the one before opened stays. Records the one before
        // made and could not send yet stay in the outbox, theirs: only they can send them (or discard them).
        var cleared = before && before.username !== m.username && window.caches ? caches.delete("wt-data") : Promise.resolve();
        return cleared.then(function () { return kv.put("me", m); });
      }).then(function () { return m; });
    }, function (error) {
      if (error instanceof ApiError) { throw error; }
      return kv.get("me").then(function (m) { if (!m || !TOKEN) { throw new ApiError(401, T.offline); } return m; });
    });
  }

  function isRegulator() { return ME && (ME.role === "regulator" || ME.role === "inspector" || ME.role === "system_admin"); }

  // ---- screens ------------------------------------------------------------------------------------------

  function bars(items, label, value) {
    var most = Math.max.apply(null, [1].concat(items.map(value)));
    return el("div", { class: "bars" }, items.map(function (x) {
      return el("div", { class: "bar" }, [
        el("span", { class: "bar-label", text: label(x) }),
        el("span", { class: "bar-track" }, [el("span", { class: "bar-fill", style: "width:" + Math.round(100 * value(x) / most) + "%" })]),
        el("span", { class: "bar-value", text: kg(value(x)) })
      ]);
    }));
  }

  function home() {
    show(note(T.loading));
    Promise.all([api("/api/v1/stats/districts"), api("/api/v1/stats/production"), api("/api/v1/stats/disposal"),
                 api("/api/v1/supervision-orders"), api("/api/v1/warnings?state=open&limit=1").catch(function () { return { total: 0 }; })])
      .then(function (r) {
        var region = r[0], prod = r[1], disp = r[2], orders = r[3].orders, openWarnings = r[4].total || 0;
        var mine = orders.filter(todoForMe);
        updateTodo(mine.length);
        show(
          el("h1", { text: T.region_numbers }),
          el("div", { class: "cards" }, [
            card(T.producers, region.roles.producer || 0), card(T.receivers, region.roles.receiver || 0),
            card(T.generated_ytd, kg(prod.year_to_date.grams)), card(T.disposed_ytd, kg(disp.disposed_grams + disp.utilised_grams)),
            card(T.open_warnings, openWarnings), card(T.todo, mine.length)
          ]),
          el("h2", { text: T.by_district }),
          el("ul", { class: "list" }, region.districts.map(function (d) {
            return el("li", {}, [el("span", { text: d.name }),
              el("span", { class: "muted", text: d.enterprises + " " + T.units + " · " + T.stock + " " + kg(d.stock_grams) + (d.open_warnings ? " · " + T.open_warnings + " " + d.open_warnings : "") })]);
          })),
          el("h2", { text: T.focus }),
          region.focus.length ? el("ul", { class: "list" }, region.focus.map(function (p) {
            return el("li", {}, [link("#/enterprise/" + p.uscc, p.name), el("span", { class: "tag bad", text: T.open_warnings + " " + p.open_warnings })]);
          })) : note(T.none)
        );
      }).catch(failed);
  }

  function todoForMe(o) {
    if (isRegulator()) { return o.state === "answered"; }
    return o.state === "issued" || o.state === "returned";
  }

  function updateTodo(n) {
    var badge = document.getElementById("todo-count");
    badge.hidden = !n;
    badge.textContent = String(n);
  }

  function todo() {
    show(note(T.loading));
    var visits = isRegulator() ? api("/api/v1/inspections?mine=true&limit=100").catch(function () { return { inspections: [] }; })
      : Promise.resolve({ inspections: [] });
    Promise.all([api("/api/v1/supervision-orders"), visits]).then(function (both) {
      var r = both[0];
      var open = both[1].inspections.filter(function (i) { return i.state !== "submitted"; });
      var mine = r.orders.filter(todoForMe);
      updateTodo(mine.length + open.length);
      show(
        isRegulator() ? el("h1", { text: T.inspections }) : null,
        isRegulator() ? (open.length ? el("ul", { class: "list inspections" }, open.map(function (i) {
          return el("li", {}, [link("#/inspection/" + i.number, i.number + " · " + i.enterprise_name),
            el("span", { class: "muted", text: i.state_label_zh + (i.planned_ms ? " · " + T.planned + " " + when(i.planned_ms) : "") })]);
        })) : note(T.none)) : null,
        el("h1", { text: isRegulator() ? T.orders_to_verify : T.orders_to_answer }),
        mine.length ? el("ul", { class: "list orders" }, mine.map(function (o) {
          return el("li", { class: o.overdue ? "warn" : null }, [
            link("#/order/" + o.number, o.number + " · " + o.enterprise_name),
            el("span", { class: "muted", text: T.due + " " + when(o.due_ms) + (o.overdue ? " · " + T.overdue : "") })
          ]);
        })) : note(T.none)
      );
    }).catch(failed);
  }

  function photoPicker(holder) {
    var input = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment", multiple: true, class: "photos" });
    var thumbs = el("div", { class: "thumbs" });
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (f) {
        holder.push(f);
        thumbs.appendChild(el("img", { src: URL.createObjectURL(f), alt: f.name }));
      });
    });
    return el("label", { class: "field" }, [T.add_photo, input, thumbs]);
  }

  function placePicker(holder) {
    var shown = el("span", { class: "muted", text: T.location_none });
    var button = el("button", { type: "button", text: T.add_location, onclick: function () {
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        holder.lat_e6 = Math.round(pos.coords.latitude * 1e6);
        holder.lon_e6 = Math.round(pos.coords.longitude * 1e6);
        holder.accuracy_m = Math.round(pos.coords.accuracy || 0);
        shown.textContent = (holder.lat_e6 / 1e6).toFixed(6) + ", " + (holder.lon_e6 / 1e6).toFixed(6) + " (±" + holder.accuracy_m + " m)";
      }, function () { shown.textContent = T.location_none; }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    } });
    return el("div", { class: "field" }, [T.location + " ", button, " ", shown]);
  }

  function outcome(result, where) {
    where.replaceChildren(note(result === "sent" ? T.sent : result === "conflict" ? T.conflict_help : T.queued, result === "conflict" ? "problem" : "ok"));
    where.setAttribute("data-result", result);
  }

  function order(number) {
    show(note(T.loading));
    api("/api/v1/supervision-orders/" + encodeURIComponent(number)).then(function (d) {
      var o = d.order, w = d.warning;
      var parts = [
        el("h1", { text: o.number }),
        row(T.state, o.state_label_zh),
        row(T.enterprises, o.enterprise_name),
        row(T.warnings, LANG === "zh" ? w.message_zh : w.message_en),
        row(T.requirement, o.requirement),
        row(T.due, when(o.due_ms) + (o.overdue ? " · " + T.overdue : "")),
        o.answer ? row(T.answer, o.answer) : null
      ];
      var done = el("div", { class: "result" });
      if (!isRegulator() && (o.state === "issued" || o.state === "returned")) {
        var photos = [], place = {};
        var text = el("textarea", { name: "text", rows: "4", required: true, maxlength: "4000" });
        parts.push(el("form", { class: "panel", onsubmit: function (e) {
          e.preventDefault();
          var body = { text: text.value.trim() };
          if (!body.text) { return; }
          if (place.lat_e6 !== undefined) { body.location = place; }
          queue("order_answer", T.orders + " " + o.number, "POST", "/api/v1/supervision-orders/" + encodeURIComponent(o.number) + "/answer", body, photos, "attachments")
            .then(function (r) { outcome(r, done); e.target.querySelector("button[type=submit]").disabled = true; });
        } }, [
          el("label", { class: "field" }, [T.answer, text]), photoPicker(photos), placePicker(place),
          el("button", { type: "submit", class: "primary", text: T.answer_send }), done
        ]));
      }
      show.apply(null, parts);
    }).catch(failed);
  }

  // ---- inspections (巡查): the checklist, item by item, offline; submitted once the signal is back ----------

  var VERDICTS = ["ok", "finding", "not_applicable"];

  function pendingOps(number) {
    return outbox.all().then(function (items) {
      return items.filter(function (i) { return i.path === SYNC && i.body.inspection === number; })
        .sort(function (a, b) { return (a.seq || 0) - (b.seq || 0) || a.created_ms - b.created_ms; });
    });
  }

  function op(kind, number, fields, title, photos) {
    var id = uuid();
    var body = Object.assign({ op_id: id, kind: kind, inspection: number }, fields || {});
    return queue("inspection_" + kind, title, "POST", SYNC, body, photos || [], photos && photos.length ? "photos" : null, id);
  }

  function inspection(number) {
    show(note(T.loading));
    Promise.all([api("/api/v1/inspections/" + encodeURIComponent(number)), pendingOps(number)]).then(function (r) {
      var ins = r[0], waiting = r[1];
      // What the phone holds for an item but the hub does not have yet: its newest edit here.
      var local = {};
      var started = ins.state !== "planned";
      var submitting = false;
      waiting.forEach(function (w) {
        if (w.body.kind === "set_item") { local[w.body.item_code] = w.body; }
        if (w.body.kind === "start" || w.body.kind === "set_item") { started = true; }
        if (w.body.kind === "submit") { submitting = true; }
      });
      var editable = ins.state !== "submitted" && !submitting;
      function verdictOf(item) { return local[item.code] ? local[item.code].verdict : item.verdict; }
      function baseOf(item) { return local[item.code] ? local[item.code].base_version + 1 : item.version; }
      var unchecked = ins.items.filter(function (i) { return !verdictOf(i); });
      var groups = [];
      ins.items.forEach(function (item) {
        if (groups.indexOf(item.group) < 0) { groups.push(item.group); }
      });
      function itemForm(item) {
        var photos = [];
        var verdict = el("select", { name: "verdict" }, [el("option", { value: "", text: "—" })].concat(VERDICTS.map(function (v) {
          return el("option", { value: v, text: T["v_" + v], selected: verdictOf(item) === v });
        })));
        var text = el("textarea", { name: "note", rows: "2", maxlength: "2000" });
        text.value = (local[item.code] || item).note || "";
        var requirement = el("input", { name: "requirement", maxlength: "2000", placeholder: T.requirement });
        var due = el("input", { name: "due", type: "date" });
        var done = el("div", { class: "result" });
        return el("form", { class: "item-form", onsubmit: function (e) {
          e.preventDefault();
          if (!verdict.value) { return; }
          var fields = { item_code: item.code, base_version: baseOf(item), verdict: verdict.value, note: text.value.trim() || null };
          if (verdict.value === "finding" && requirement.value.trim() && due.value) {
            fields.requirement = requirement.value.trim();
            fields.due_ms = Date.parse(due.value + "T23:59:59+08:00");
          }
          var first = started ? Promise.resolve() : op("start", ins.number, {}, ins.number + " " + T.start);
          started = true;
          first.then(function () { return op("set_item", ins.number, fields, ins.number + " " + item.code, photos); })
            .then(function (res) { outcome(res, done); local[item.code] = fields; e.target.closest("li").setAttribute("data-verdict", fields.verdict); });
        } }, [verdict, text, el("details", {}, [el("summary", { text: T.finding_followup }), requirement, due]),
              photoPicker(photos), el("button", { type: "submit", text: T.save }), done]);
      }
      var parts = [
        el("h1", { text: ins.number }),
        row(T.enterprises, ins.enterprise_name), row(T.state, ins.state_label_zh + (submitting ? " · " + T.pending : "")),
        row(T.assignees, ins.assignees.map(function (a) { return a.display_name || a.username; }).join("、")),
        ins.conflicts.filter(function (c) { return !c.resolved_ms; }).length
          ? note(T.conflict + "：" + ins.conflicts.filter(function (c) { return !c.resolved_ms; }).map(function (c) { return c.target; }).join("、") + " — " + T.conflict_help, "problem") : null,
        el("p", { class: "muted", id: "unchecked", text: T.unchecked.replace("{n}", String(unchecked.length)) })
      ];
      groups.forEach(function (g) {
        parts.push(el("h2", { text: g }));
        parts.push(el("ul", { class: "list items" }, ins.items.filter(function (i) { return i.group === g; }).map(function (item) {
          return el("li", { "data-code": item.code, "data-verdict": verdictOf(item) || "" }, [
            el("strong", { text: item.code + " " + (LANG === "zh" ? item.text_zh : item.text_en) }),
            el("span", { class: "muted", text: item.basis + (item.basis_approx ? " *" : "") }),
            verdictOf(item) ? el("span", { class: verdictOf(item) === "finding" ? "tag bad" : "tag", text: T["v_" + verdictOf(item)] + (local[item.code] ? " · " + T.pending : "") }) : null,
            item.order_number ? link("#/order/" + item.order_number, T.orders + " " + item.order_number) : null,
            editable ? itemForm(item) : null
          ]);
        })));
      });
      if (editable) {
        var rest = el("button", { type: "button", id: "rest-ok", text: T.rest_ok, onclick: function () {
          var todoItems = ins.items.filter(function (i) { return !verdictOf(i); });
          var chain = started ? Promise.resolve() : op("start", ins.number, {}, ins.number + " " + T.start);
          started = true;
          todoItems.forEach(function (item) {
            chain = chain.then(function () {
              return op("set_item", ins.number, { item_code: item.code, base_version: baseOf(item), verdict: "ok", note: null }, ins.number + " " + item.code);
            });
          });
          chain.then(function () { inspection(number); });
        } });
        var submit = el("button", { type: "button", class: "primary", id: "submit-inspection", text: T.submit_inspection, onclick: function () {
          op("submit", ins.number, {}, ins.number + " " + T.submit_inspection).then(function () { inspection(number); });
        } });
        parts.push(el("div", { class: "panel" }, [link("#/scan?inspection=" + encodeURIComponent(ins.number), T.scan_in_inspection, "button"), rest, submit]));
      }
      if (ins.state === "submitted") {
        parts.push(el("button", { type: "button", class: "primary", text: T.report, onclick: function () {
          fetch("/api/v1/inspections/" + encodeURIComponent(ins.number) + "/report.pdf", { credentials: "omit", headers: authorised({ Accept: "application/pdf" }) })
            .then(function (r) { return r.blob(); }).then(function (b) { window.open(URL.createObjectURL(b)); });
        } }));
      }
      if (ins.field_checks.length) {
        parts.push(el("h2", { text: T.check_record + " (" + ins.field_checks.length + ")" }));
        parts.push(el("ul", { class: "list" }, ins.field_checks.map(function (c) {
          return el("li", {}, [el("span", { class: "mono", text: c.code }), el("span", { class: "muted", text: (c.verdict === "ok" ? T.verdict_ok : T.verdict_problem) + " · " + when(c.at_ms) })]);
        })));
      }
      show.apply(null, parts);
    }).catch(failed);
  }

  // ---- scanning -----------------------------------------------------------------------------------------

  var zxing = null;
  function zxingReader() {
    if (!zxing) {
      zxing = new Promise(function (resolve, reject) {
        var s = el("script", { src: "/static/vendor/zxing/zxing-reader.js" });
        s.onload = function () {
          window.ZXingWASM.prepareZXingModule({
            overrides: { locateFile: function (path, prefix) { return path.endsWith(".wasm") ? "/static/vendor/zxing/" + path : prefix + path; } }
          });
          resolve(window.ZXingWASM);
        };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return zxing;
  }

  function detectIn(source) {
    // The browser's own detector where there is one (Android's Chrome), else ZXing-C++ in WebAssembly.
    if ("BarcodeDetector" in window) {
      return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(source).then(function (found) {
        return found.length ? found[0].rawValue : null;
      });
    }
    return zxingReader().then(function (z) {
      var input = source;
      if (source instanceof HTMLVideoElement) {
        var c = document.createElement("canvas");
        c.width = source.videoWidth; c.height = source.videoHeight;
        c.getContext("2d").drawImage(source, 0, 0);
        input = c.getContext("2d").getImageData(0, 0, c.width, c.height);
      }
      return z.readBarcodes(input, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 }).then(function (found) {
        return found.length && found[0].isValid ? found[0].text : null;
      });
    });
  }

  function imageOf(file) {
    if ("BarcodeDetector" in window) { return createImageBitmap(file); }
    return Promise.resolve(file);
  }

  // What a QR holds: a label's trace URL (…/t/{code}), a manifest's URL (…/manifests/{number}), or the code
  // or number alone.
  function target(text) {
    var value = (text || "").trim();
    var m = value.match(/\/t\/([^/?#\s]+)/);
    if (m) { return "#/bag/" + encodeURIComponent(decodeURIComponent(m[1])); }
    m = value.match(/\/manifests\/([0-9A-Za-z]+)/);
    if (m) { return "#/manifest/" + m[1]; }
    if (/^\d{14}$/.test(value)) { return "#/manifest/" + value; }
    if (value) { return "#/bag/" + encodeURIComponent(value); }
    return null;
  }

  var stream = null;
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }

  function scan() {
    // Opened from an inspection: the checks made now are part of it.
    var q = new URLSearchParams(location.hash.split("?")[1] || "");
    if (q.get("inspection")) { sessionStorage.setItem("wt-inspection", q.get("inspection")); }
    var status = el("p", { class: "muted", id: "scan-status" });
    var video = el("video", { playsinline: true, muted: true, class: "camera", hidden: true });
    var picture = el("input", { type: "file", accept: "image/*", id: "scan-file" });
    picture.addEventListener("change", function () {
      var file = picture.files[0];
      if (!file) { return; }
      status.textContent = T.loading;
      imageOf(file).then(detectIn).then(function (text) {
        var to = target(text);
        if (to) { location.hash = to; } else { status.textContent = T.scan_none; }
      }).catch(function () { status.textContent = T.scan_none; });
    });
    var cameraButton = el("button", { type: "button", class: "primary", text: T.scan_camera, onclick: function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { status.textContent = T.camera_denied; return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false; video.play();
        (function look() {
          if (!stream) { return; }
          if (video.readyState < 2) { setTimeout(look, 200); return; }
          detectIn(video).then(function (text) {
            var to = target(text);
            if (to) { stopCamera(); location.hash = to; } else { setTimeout(look, 300); }
          }, function () { setTimeout(look, 500); });
        })();
      }, function () { status.textContent = T.camera_denied; });
    } });
    var code = el("input", { type: "text", id: "scan-code", placeholder: T.scan_code, autocomplete: "off" });
    show(
      el("h1", { text: T.scan_title }),
      el("div", { class: "panel" }, [cameraButton, video,
        el("label", { class: "field" }, [T.scan_picture, picture]),
        el("form", { class: "inline", onsubmit: function (e) { e.preventDefault(); var to = target(code.value); if (to) { location.hash = to; } } },
          [code, el("button", { type: "submit", text: T.scan_go })]),
        status])
    );
  }

  function checkForm(kind, code) {
    var photos = [], place = {};
    var weight = el("input", { type: "number", inputmode: "decimal", min: "0", max: "100000", step: "0.001", name: "weight" });
    var label = el("select", { name: "label_state" }, ["intact", "damaged", "missing", "mismatched"].map(function (s) {
      return el("option", { value: s, text: T["label_" + (s === "mismatched" ? "mismatch" : s)] });
    }));
    var verdict = el("select", { name: "verdict" }, [el("option", { value: "ok", text: T.verdict_ok }), el("option", { value: "problem", text: T.verdict_problem })]);
    var text = el("textarea", { name: "note", rows: "3", maxlength: "2000" });
    var done = el("div", { class: "result" });
    return el("form", { class: "panel check", onsubmit: function (e) {
      e.preventDefault();
      var body = { subject: kind, code: code, label_state: label.value, verdict: verdict.value, note: text.value.trim() || null };
      if (kind === "manifest") { delete body.label_state; }
      if (weight.value !== "") { body.weight_found_g = Math.round(Number(weight.value) * 1000); }
      if (place.lat_e6 !== undefined) { body.location = place; }
      body.at_ms = Date.now();
      var within = sessionStorage.getItem("wt-inspection");
      var sending = within ? op("field_check", within, body, T.check_record + " " + code, photos)
        : queue("field_check", T.check_record + " " + code, "POST", "/api/v1/field-checks", body, photos, "photos");
      sending.then(function (r) { outcome(r, done); e.target.querySelector("button[type=submit]").disabled = true; });
    } }, [
      el("h2", { text: T.check_record }),
      el("label", { class: "field" }, [T.weight_found, weight]),
      kind === "bag" ? el("label", { class: "field" }, [T.label_state, label]) : null,
      el("label", { class: "field" }, [T.verdict, verdict]),
      el("label", { class: "field" }, [T.note, text]),
      photoPicker(photos), placePicker(place),
      el("button", { type: "submit", class: "primary", text: T.save }), done
    ]);
  }

  function bag(code) {
    show(note(T.loading));
    api("/api/v1/packages/" + encodeURIComponent(code) + "/trace").then(function (t) {
      var life = t.life, prod = life.production || {};
      var ins = life.storage.filter(function (s) { return s.direction === "in"; });
      var outs = life.storage.filter(function (s) { return s.direction === "out"; });
      var where = LANG === "zh" ? life.stage_label_zh : life.stage_label_en;
      if (life.in_stock) { where += " · " + (life.in_stock.enterprise ? life.in_stock.enterprise.name : "") + " " + (life.in_stock.facility_code || ""); }
      var lastManifest = life.manifests[life.manifests.length - 1];
      show(
        el("h1", { text: T.bag }),
        el("p", { class: "mono code", text: t.code }),
        row(T.waste, t.waste_code),
        row(T.producer, t.enterprise ? t.enterprise.name : null),
        row(T.weight, kg(prod.grams)),
        row(T.stored_at, ins.length ? when(ins[0].time_ms) : null),
        row(T.taken_out_at, outs.length ? when(outs[outs.length - 1].time_ms) : null),
        row(T.where_now, where),
        lastManifest ? el("div", { class: "row" }, [el("span", { class: "k", text: T.manifest }), link("#/manifest/" + lastManifest.number, lastManifest.number)]) : null,
        el("h2", { text: T.history }),
        el("ol", { class: "timeline" }, t.events.map(function (e) {
          return el("li", {}, [el("span", { text: when(e.time_ms) }), " ", el("strong", { text: LANG === "zh" ? e.kind_label_zh : e.kind_label_en }), e.grams !== null ? " " + kg(e.grams) : ""]);
        })),
        isRegulator() ? checkForm("bag", t.code) : null
      );
    }).catch(failed);
  }

  function trackSvg(points, extra) {
    var pts = points.map(function (p) { return [p.lon_e6 / 1e6, p.lat_e6 / 1e6]; }).concat(extra || []);
    if (!pts.length) { return null; }
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs), minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var k = Math.cos((minY + maxY) / 2 * Math.PI / 180);
    var w = Math.max((maxX - minX) * k, 0.002), h = Math.max(maxY - minY, 0.002);
    var scale = 300 / Math.max(w, h);
    function xy(p) { return [((p[0] - minX) * k * scale + 10).toFixed(1), ((maxY - p[1]) * scale + 10).toFixed(1)]; }
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 " + (w * scale + 20).toFixed(0) + " " + (h * scale + 20).toFixed(0));
    svg.setAttribute("class", "track");
    var line = document.createElementNS(svg.namespaceURI, "polyline");
    line.setAttribute("points", points.map(function (p) { return xy([p.lon_e6 / 1e6, p.lat_e6 / 1e6]).join(","); }).join(" "));
    svg.appendChild(line);
    if (points.length) {
      var last = xy([points[points.length - 1].lon_e6 / 1e6, points[points.length - 1].lat_e6 / 1e6]);
      var dot = document.createElementNS(svg.namespaceURI, "circle");
      dot.setAttribute("cx", last[0]); dot.setAttribute("cy", last[1]); dot.setAttribute("r", "5");
      svg.appendChild(dot);
    }
    return svg;
  }

  function manifest(number) {
    show(note(T.loading));
    Promise.all([api("/api/v1/manifests/" + encodeURIComponent(number)),
                 api("/api/v1/manifests/" + encodeURIComponent(number) + "/track").catch(function () { return { points: [] }; })])
      .then(function (r) {
        var m = r[0], track = r[1];
        show(
          el("h1", { text: T.manifest }),
          el("p", { class: "mono code", text: m.number }),
          row(T.state, LANG === "zh" ? m.state_label_zh : m.state_label_en),
          row(T.shipper, m.shipper && m.shipper.name), row(T.carrier, m.carrier && m.carrier.name),
          row(T.receiver, m.receiver && m.receiver.name), row(T.departed, when(m.departed_ms)),
          row(T.weight, kg(m.totals.shipped_grams) + (m.totals.received_grams ? " → " + kg(m.totals.received_grams) : "")),
          el("h2", { text: T.bags_on_manifest + " (" + m.bags.length + ")" }),
          el("ul", { class: "list" }, m.bags.map(function (b) {
            return el("li", {}, [link("#/bag/" + encodeURIComponent(b.code), b.code, "mono"),
              el("span", { class: "muted", text: (b.waste_code || "") + " " + kg(b.shipped_grams) + (b.received_grams !== null ? " → " + kg(b.received_grams) : "") })]);
          })),
          track.points.length ? el("h2", { text: T.track }) : null,
          track.points.length ? trackSvg(track.points) : null,
          isRegulator() ? checkForm("manifest", m.number) : null
        );
      }).catch(failed);
  }

  // ---- the map: manifests by number, date, state and party; vehicles in transit ------------------------

  function mapScreen() {
    var q = new URLSearchParams(location.hash.split("?")[1] || "");
    var number = el("input", { name: "number", placeholder: T.number, value: q.get("number") || "" });
    var party = el("input", { name: "party", placeholder: T.shipper + "/" + T.carrier + "/" + T.receiver, value: q.get("party") || "" });
    var since = el("input", { name: "since", type: "date", value: q.get("since") || "" });
    var state = el("select", { name: "state" }, [el("option", { value: "", text: T.all_states }), el("option", { value: "in_transit", text: T.in_transit, selected: q.get("state") === "in_transit" })]);
    var form = el("form", { class: "panel filters", onsubmit: function (e) {
      e.preventDefault();
      var p = new URLSearchParams();
      [number, party, since, state].forEach(function (i) { if (i.value) { p.set(i.name, i.value); } });
      location.hash = "#/map?" + p.toString();
    } }, [number, party, since, state, el("button", { type: "submit", text: T.search })]);
    var query = new URLSearchParams({ limit: "50" });
    ["number", "party", "since", "state"].forEach(function (k) { if (q.get(k)) { query.set(k, q.get(k)); } });
    show(el("h1", { text: T.map }), form, note(T.loading));
    Promise.all([api("/api/v1/manifests?" + query.toString()), api("/api/v1/stats/tracks")]).then(function (r) {
      var list = r[0], tracks = (r[1].tracks || []).filter(function (t) { return t.points.length; });
      var moving = tracks.length ? el("div", { class: "vehicles" }, tracks.map(function (t) {
        return el("a", { href: "#/manifest/" + t.number, class: "vehicle" }, [trackSvg(t.points), el("span", { text: (t.vehicle_plate || "") + " · " + t.number })]);
      })) : null;
      show(el("h1", { text: T.map }), form,
        tracks.length ? el("h2", { text: T.in_transit + " (" + tracks.length + ")" }) : null, moving,
        el("h2", { text: T.manifests }),
        list.length ? el("ul", { class: "list" }, list.map(function (m) {
          return el("li", { class: m.overdue ? "warn" : null }, [link("#/manifest/" + m.number, m.number, "mono"),
            el("span", { class: "muted", text: (m.shipper ? m.shipper.name : "") + " → " + (m.receiver ? m.receiver.name : "") + " · " + kg(m.shipped_grams) })]);
        })) : note(T.none));
    }).catch(failed);
  }

  // ---- more: 一企一档, statistics, cameras, the outbox, logout -------------------------------------------

  function more() {
    countOutbox().then(function (items) {
      show(
        el("h1", { text: T.more }),
        ME ? row(T.user, (ME.display_name || ME.username) + " · " + (T["role_" + ME.role] || ME.role || "")) : null,
        el("ul", { class: "list menu" }, [
          el("li", {}, [link("#/enterprises", T.enterprises)]),
          el("li", {}, [link("#/stats", T.stats)]),
          el("li", {}, [link("#/video", T.video)])
        ]),
        el("h2", { text: T.pending + " (" + items.length + ")" }),
        items.length ? el("ul", { class: "list outbox" }, items.map(function (i) {
          return el("li", { class: i.state === "conflict" ? "warn" : null, "data-state": i.state }, [
            el("span", { text: i.title + " · " + when(i.created_ms) }),
            i.state === "conflict" ? el("span", { class: "problem", text: T.conflict + "：" + (i.message || "") })
              : el("span", { class: "muted", text: ME && i.owner !== ME.username ? T.waits_for.replace("{user}", i.owner) : T.pending }),
            i.state === "conflict" ? el("span", { class: "actions" }, [
              el("button", { type: "button", text: T.retry, onclick: function () { i.state = "pending"; outbox.put(i).then(sync).then(more); } }),
              el("button", { type: "button", text: T.discard, onclick: function () { outbox.drop(i.id).then(more); } })
            ]) : null
          ]);
        })) : note(T.none),
        el("button", { type: "button", text: T.sync_now, onclick: function () { sync().then(more); } }),
        el("button", { type: "button", class: "danger", text: T.logout, id: "logout", onclick: logout })
      );
    });
  }

  function enterprises() {
    var q = new URLSearchParams(location.hash.split("?")[1] || "");
    var text = q.get("q") || "";
    if (!text && ME && ME.enterprise_uscc) { return enterprise(ME.enterprise_uscc); }
    var search = el("input", { name: "q", placeholder: T.search, value: text });
    var form = el("form", { class: "panel inline", onsubmit: function (e) { e.preventDefault(); location.hash = "#/enterprises?q=" + encodeURIComponent(search.value.trim()); } },
      [search, el("button", { type: "submit", text: T.search })]);
    show(el("h1", { text: T.enterprises }), form, note(T.loading));
    var found = text ? api("/api/v1/enterprises?limit=50&q=" + encodeURIComponent(text)) : api("/api/v1/stats/districts").then(function (r) { return r.focus; });
    found.then(function (list) {
      show(el("h1", { text: T.enterprises }), form,
        text ? null : el("h2", { text: T.focus }),
        list.length ? el("ul", { class: "list" }, list.filter(function (p) { return !p.directory_only; }).map(function (p) {
          return el("li", {}, [link("#/enterprise/" + p.uscc, p.name), el("span", { class: "muted mono", text: p.uscc })]);
        })) : note(T.none));
    }).catch(failed);
  }

  var KINDS = ["weighed", "stored", "taken_out", "shipped", "received", "disposed"];

  function enterprise(uscc) {
    show(note(T.loading));
    api("/api/v1/stats/enterprises/" + encodeURIComponent(uscc) + "/overview").then(function (o) {
      var used = KINDS.filter(function (k) { return o.months.some(function (m) { return m.figures.some(function (f) { return f.kind === k && f.grams; }); }); });
      show(
        el("h1", { text: o.name }),
        el("p", { class: "mono muted", text: o.uscc }),
        el("div", { class: "cards" }, [card(T.stock_now, kg(o.stock_grams), el("div", { class: "label", text: o.stock_bags + " " + T.bags }))].concat(used.map(function (k) {
          var total = o.months.reduce(function (s, m) { return s + m.figures.filter(function (f) { return f.kind === k; })[0].grams; }, 0);
          return card(o.year + " " + T[k], kg(total));
        }))),
        used.map(function (k) {
          return el("section", {}, [el("h2", { text: T[k] }), bars(o.months, function (m) { return m.month.slice(5); }, function (m) { return m.figures.filter(function (f) { return f.kind === k; })[0].grams; })]);
        }).reduce(function (a, b) { a.appendChild(b); return a; }, el("div", {})),
        el("h2", { text: T.stock }),
        o.stock_by_category.length ? bars(o.stock_by_category, function (c) { return c.category_code + " " + c.category_name; }, function (c) { return c.grams; }) : note(T.none),
        el("p", {}, [link("#/video?uscc=" + encodeURIComponent(o.uscc), T.video)])
      );
    }).catch(failed);
  }

  function stats() {
    show(note(T.loading));
    Promise.all([api("/api/v1/stats/live"), api("/api/v1/stats/production"), api("/api/v1/stats/storage")]).then(function (r) {
      var live = r[0], prod = r[1], store = r[2];
      show(
        el("h1", { text: T.stats }),
        el("table", { class: "grid" }, [
          el("thead", {}, [el("tr", {}, [el("th", {})].concat(live.periods.map(function (p) { return el("th", { text: T[p.period] }); })))]),
          el("tbody", {}, KINDS.map(function (k) {
            return el("tr", {}, [el("th", { text: T[k] })].concat(live.periods.map(function (p) {
              return el("td", { class: "num", text: kg(p.figures.filter(function (f) { return f.kind === k; })[0].grams) });
            })));
          }))
        ]),
        el("h2", { text: T.generated_ytd + " · " + kg(prod.year_to_date.grams) }),
        bars(prod.top_categories, function (c) { return c.category_code + " " + c.category_name; }, function (c) { return c.grams; }),
        el("h2", { text: T.stock_now + " · " + kg(store.stock_grams) }),
        bars(store.top_enterprises, function (e) { return e.name; }, function (e) { return e.grams; })
      );
    }).catch(failed);
  }

  function video() {
    var q = new URLSearchParams(location.hash.split("?")[1] || "");
    var uscc = q.get("uscc") || (ME && ME.enterprise_uscc);
    if (!uscc) { return enterprises(); }
    show(note(T.loading));
    api("/api/v1/enterprises/" + encodeURIComponent(uscc) + "/snapshots").then(function (r) {
      show(el("h1", { text: T.snapshots }),
        r.cameras.length ? el("div", { class: "snapshots" }, r.cameras.map(function (c) {
          return el("figure", {}, [picture(c.url, c.camera), el("figcaption", { text: T.camera + " " + (c.camera || "—") + " · " + when(c.time_ms) })]);
        })) : note(T.no_snapshots));
    }).catch(failed);
  }

  // ---- routing ------------------------------------------------------------------------------------------

  var SCREENS = {
    home: home, todo: todo, scan: scan, map: mapScreen, more: more, enterprises: enterprises, stats: stats, video: video,
    order: order, bag: bag, manifest: manifest, enterprise: enterprise, inspection: inspection
  };

  function route() {
    stopCamera();
    var at = (location.hash || "#/home").slice(2).split("?")[0].split("/")[0];
    if (["scan", "bag", "manifest", "inspection"].indexOf(at) < 0) { sessionStorage.removeItem("wt-inspection"); }
    var parts = (location.hash || "#/home").slice(2).split("?")[0].split("/");
    var screen = SCREENS[parts[0]] || home;
    Array.prototype.forEach.call(document.querySelectorAll("nav.tabs a"), function (a) {
      a.classList.toggle("on", a.getAttribute("data-tab") === parts[0]);
    });
    screen(parts[1] ? decodeURIComponent(parts[1]) : undefined);
  }

  function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).then(function () {
        document.body.setAttribute("data-sw", "registered");
      }).catch(function () { return null; });
    }
    window.addEventListener("online", network);
    window.addEventListener("offline", network);
    // The online event is not always given (a flaky signal, some browsers): what waits is tried again.
    window.setInterval(function () { if (ME) { sync(); } }, RETRY_MS);
    document.addEventListener("visibilitychange", function () { if (ME && document.visibilityState === "visible") { sync(); } });
    window.addEventListener("hashchange", function () { if (ME) { route(); } });
    network();
    countOutbox();
    kv.get("token").then(function (t) { TOKEN = t; return start_session(); });
  }

  function start_session() {
    return me().then(function (m) {
      ME = m;
      document.body.removeAttribute("data-logged-out");
      document.body.setAttribute("data-user", m.username);
      route();
      sync();
      window.setTimeout(warmReader, WARM_AFTER_MS);
    }).catch(function (error) { failed(error); });
  }

  // The QR reader is most of what the app weighs (about 1 MB of WebAssembly): fetched once the app has been
  // open a moment, into the service worker's cache, so the first scan in the field does not wait for it —
  // unless the browser reads QR codes itself, or the user asked to save data.
  function warmReader() {
    var saving = navigator.connection && navigator.connection.saveData;
    if ("BarcodeDetector" in window || saving) { return; }
    Promise.all(["/static/vendor/zxing/zxing-reader.js", "/static/vendor/zxing/zxing_reader.wasm"].map(function (u) {
      return fetch(u, { credentials: "omit" }).then(function (r) { return r.ok ? r.arrayBuffer() : null; });
    })).then(function () { document.body.setAttribute("data-reader", "ready"); }).catch(function () { return null; });
  }

  start();
})();
