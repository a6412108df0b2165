"use strict";
// The touchscreen: pick a waste type, watch the scale settle, press 打印标签. No external scripts.
const T = {
  zh: { title: "危险废物称重贴标", pick: "① 选择废物类型", weigh: "② 称重", print: "③ 打印标签", go: "打印标签",
    queue: "待打印", recent: "最近称重", code: "数字识别码", wcode: "废物代码", kg: "重量", state: "标签",
    stable: "稳定", moving: "不稳定", nodata: "无读数", demo: "模拟秤：放上重量 (kg)", demoSet: "放上", demoClear: "取下",
    working: "等待稳定读数并打印…", printed: "已打印", pending: "待打印", voided: "已作废", retry: "重新打印",
    backlog: "待上传事件", synced: "已全部上传", lang: "English", pickFirst: "请先选择废物类型",
    reprint: "补打", void: "作废", reprintWhy: "补打原因", voidWhy: "作废原因", time: "时间",
    weighed: "未入库", stored: "在库", out: "已出库", fAll: "全部", fWeighed: "未入库", fStored: "在库", fOut: "已出库",
    signIn: "请登录：输入个人密码，或刷工牌", signOut: "退出", clear: "清除", storeNow: "入库：", supervisor: "主管" },
  en: { title: "Hazardous waste weighing & labelling", pick: "1. Pick the waste type", weigh: "2. Weigh",
    print: "3. Print the label", go: "Print label", queue: "Labels waiting", recent: "Recent bags", code: "Code",
    wcode: "Waste code", kg: "Weight", state: "Label", stable: "Stable", moving: "Moving", nodata: "No reading",
    demo: "Simulated scale: put on (kg)", demoSet: "Put on", demoClear: "Take off", working: "Waiting for a stable weight…",
    printed: "printed", pending: "waiting", voided: "voided", retry: "Print again", backlog: "events to upload",
    synced: "all uploaded", lang: "中文", pickFirst: "Pick a waste type first",
    reprint: "Reprint", void: "Void", reprintWhy: "Why reprint?", voidWhy: "Why void?", time: "Time",
    weighed: "not stored", stored: "in store", out: "taken out", fAll: "All", fWeighed: "Not stored", fStored: "In store",
    fOut: "Taken out", signIn: "Sign in: type your PIN or scan your badge", signOut: "Sign out", clear: "Clear",
    storeNow: "Store: ", supervisor: "supervisor" },
};
let lang = localStorage.getItem("lang") || "zh";
let chosen = null;
let chosenScale = null; // a scale's name when the box has several; null: the default scale
let busy = false;
let filter = "all";
let signInRequired = false;
let lastWeighed = null; // the code just labelled: 入库 for it is one tap
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k] || k;

function kg(grams) {
  if (grams === null || grams === undefined) return "--";
  const sign = grams < 0 ? "-" : "";
  const g = Math.abs(grams);
  return sign + Math.floor(g / 1000) + "." + String(g % 1000).padStart(3, "0");
}

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("lang").textContent = t("lang");
}

async function api(path, options) {
  const resp = await fetch(path, options);
  let body = {};
  try { body = await resp.json(); } catch (e) { body = {}; }
  return { ok: resp.ok, status: resp.status, body };
}

async function loadTypes() {
  const { body } = await api("/api/v1/waste-types");
  $("enterprise").textContent = body.enterprise || "";
  const box = $("types");
  box.replaceChildren();
  for (const w of body.waste_types || []) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.code = w.code;
    const name = document.createElement("strong");
    name.textContent = w.name;
    const small = document.createElement("small");
    small.textContent = `${w.code} · ${w.category || ""} · ${(w.hazards || []).join(",")}`;
    b.append(name, small);
    b.addEventListener("click", () => {
      chosen = w.code;
      box.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
      $("go").disabled = busy;
    });
    box.append(b);
  }
}

async function loadScales() {
  // Several scales on one box (a floor scale and a bench scale): the operator picks which one weighs.
  const { ok, body } = await api("/api/v1/scales");
  const box = $("scales");
  if (!ok || !body.scales || body.scales.length < 2) { box.hidden = true; return; }
  chosenScale = chosenScale || body.default;
  box.replaceChildren();
  for (const s of body.scales) {
    const b = document.createElement("button");
    b.type = "button";
    b.classList.toggle("on", s.name === chosenScale);
    const name = document.createElement("strong");
    name.textContent = s.name;
    const small = document.createElement("small");
    small.textContent = s.message_zh || s.status;
    b.append(name, small);
    b.addEventListener("click", () => { chosenScale = s.name; loadScales(); pollReading(); });
    box.append(b);
  }
  box.hidden = false;
}

async function pollReading() {
  const query = chosenScale ? "?scale=" + encodeURIComponent(chosenScale) : "";
  const { ok, body } = await api("/api/v1/reading" + query);
  const badge = $("stable");
  if (!ok) return;
  $("weight").textContent = kg(body.grams);
  badge.className = "badge";
  if (body.status === "connected" && body.stable) { badge.textContent = t("stable"); badge.classList.add("ok"); }
  else if (body.status === "connected") { badge.textContent = t("moving"); badge.classList.add("moving"); }
  else { badge.textContent = t("nodata"); badge.classList.add("bad"); }
  $("scale-msg").textContent = body.message_zh && lang === "zh" ? body.message_zh : (body.status || "");
  // One bag, one code: while the bag just labelled is on the scale, say so before anyone presses again.
  const same = body.last_bag;
  const why = same ? (lang === "zh" ? same.message_zh : same.message_en) : "";
  $("bag-msg").textContent = why;
  $("bag-msg").hidden = !same || $("result").textContent === why; // said once, not twice
}

async function pollStatus() {
  const { ok, body } = await api("/api/v1/status");
  if (!ok) return;
  $("demo").hidden = !body.demo;
  const up = body.backlog ? `${t("backlog")}: ${body.backlog}` : t("synced");
  $("status").textContent = `${body.device_id} · seq ${body.head_seq} · ${up}` + (body.uplink_error ? ` · ${body.uplink_error}` : "");
  const p = body.printer;
  $("printer-msg").textContent = p ? (lang === "zh" ? p.message_zh : p.message_en) : "";
  $("printer-msg").className = p && p.ready === false ? "result err" : "muted";
  const ul = $("pending");
  ul.replaceChildren();
  for (const job of body.pending_labels || []) {
    const li = document.createElement("li");
    const why = lang === "zh" ? (job.message_zh || job.last_error) : job.last_error;
    li.textContent = `${job.code} — ${why || ""} `;
    const b = document.createElement("button");
    b.type = "button"; b.className = "small"; b.textContent = t("retry");
    b.addEventListener("click", async () => {
      const r = await api(`/api/v1/prints/${job.code}`, { method: "POST" });
      showResult(r.ok, lang === "zh" ? r.body.message_zh : r.body.message_en);
      refresh();
    });
    li.append(b);
    ul.append(li);
  }
}

async function loadRecent() {
  const q = filter === "all" ? "" : "&state=" + filter;
  const { ok, body } = await api("/api/v1/weighings?limit=10" + q);
  if (!ok) return;
  const tb = $("recent");
  tb.replaceChildren();
  for (const w of body.weighings) {
    const tr = document.createElement("tr");
    const when = new Date(w.time_ms);
    const hhmm = String(when.getHours()).padStart(2, "0") + ":" + String(when.getMinutes()).padStart(2, "0");
    const labelState = w.print_state === "printed" ? "" : " · " + t(w.print_state);
    for (const [v, cls] of [[hhmm, ""], [w.code, "code"], [kg(w.grams) + " kg", "num"], [t(w.state) + labelState, ""]]) {
      const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.append(td);
    }
    const actions = document.createElement("td");
    actions.className = "actions";
    if (w.state === "weighed" && w.print_state === "printed") actions.append(storeButton(w.code, t("store")));
    if (w.print_state === "printed" && w.state !== "voided") actions.append(labelAction(w.code, "reprint", "reprintWhy"));
    if (w.state !== "voided") actions.append(labelAction(w.code, "void", "voidWhy"));
    tr.append(actions);
    tb.append(tr);
  }
}

function labelAction(code, action, question) {
  // Reprint and void are ledger events with a reason picked from a list, and on a box with sign-in a
  // supervisor's PIN: asked on the screen, never with the browser's prompt().
  const b = document.createElement("button");
  b.type = "button"; b.className = "small"; b.textContent = t(action);
  b.addEventListener("click", async () => {
    const answer = await ask(`${t(question)} · ${code.slice(-6)}`, action, signInRequired);
    if (!answer) return;
    const r = await api(`/api/v1/labels/${code}/${action}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: answer.reason, supervisor_pin: answer.pin || undefined }),
    });
    showResult(r.ok, lang === "zh" ? r.body.message_zh : r.body.message_en);
    refresh();
  });
  return b;
}

function storeButton(code, text) {
  const b = document.createElement("button");
  b.type = "button"; b.className = "small"; b.textContent = text;
  b.addEventListener("click", () => storeBag(code));
  return b;
}

async function storeBag(code) {
  const r = await api("/api/v1/movements/store", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }) });
  showResult(r.ok, lang === "zh" ? r.body.message_zh : r.body.message_en);
  if (r.ok && code === lastWeighed) { lastWeighed = null; $("store-now").hidden = true; }
  refresh();
}

function showResult(ok, text) {
  const r = $("result");
  r.className = "result " + (ok ? "ok" : "err");
  r.textContent = text || "";
}

async function go() {
  if (!chosen) { showResult(false, t("pickFirst")); return; }
  busy = true;
  $("go").disabled = true;
  showResult(true, t("working"));
  const r = await api("/api/v1/weighings", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ waste_code: chosen, scale: chosenScale }),
  });
  busy = false;
  $("go").disabled = false;
  const msg = lang === "zh" ? r.body.message_zh : r.body.message_en;
  if (r.ok) {
    showResult(r.body.printed, `${msg} · ${r.body.code} · ${kg(r.body.grams)} kg`);
    const img = $("label");
    img.src = r.body.label_url + "?t=" + Date.now();
    img.alt = r.body.code;
    img.hidden = false;
    lastWeighed = r.body.code;
    $("store-now").textContent = t("storeNow") + r.body.code.slice(-6);
    $("store-now").hidden = false;
  } else {
    showResult(false, msg || `HTTP ${r.status}`);
  }
  refresh();
}

async function setDemo(grams) {
  await api("/api/v1/demo/scale", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ grams }) });
}

function refresh() { loadRecent(); pollStatus(); loadScales(); loadWho(); }

// -- who is working -------------------------------------------------------------------------------------

async function loadWho() {
  const { ok, body } = await api("/api/v1/operator");
  if (!ok) return;
  signInRequired = body.required;
  const op = body.operator;
  $("who").hidden = !op;
  $("who-name").textContent = op ? op.name + (op.role === "supervisor" ? ` (${t("supervisor")})` : "") : "";
  const wasHidden = $("signin").hidden;
  $("signin").hidden = !(body.required && !op);
  if (wasHidden && !$("signin").hidden) { $("signin-code").value = ""; $("signin-code").focus(); }
}

async function signIn() {
  const v = $("signin-code").value.trim();
  if (!v) return;
  // The keypad types a PIN (digits); a badge scanner types its text and Enter.
  const body = /^\d{4,8}$/.test(v) ? { pin: v } : { badge: v };
  const r = await api("/api/v1/operator/sign-in", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
  $("signin-code").value = "";
  $("signin-msg").textContent = r.ok ? "" : (lang === "zh" ? r.body.message_zh : r.body.message_en) || "";
  if (r.ok) { await loadWho(); focusScan(); refresh(); } else { $("signin-code").focus(); }
}

function buildKeypad() {
  const pad = $("keypad");
  for (const k of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = k.length === 1 ? k : t(k);
    if (k.length > 1) b.dataset.i18n = k;
    b.addEventListener("click", () => {
      if (k === "clear") $("signin-code").value = "";
      else if (k === "ok") signIn();
      else $("signin-code").value += k;
      $("signin-code").focus();
    });
    pad.append(b);
  }
}

// -- the scanner --------------------------------------------------------------------------------------

function overlayOpen() { return !$("signin").hidden || !$("ask").hidden; }

function focusScan() {
  // A scanner types into whatever has focus: keep it on the scan field unless a dialog or a field is in use.
  const a = document.activeElement;
  if (overlayOpen()) return;
  if (a && a !== document.body && (a.tagName === "INPUT" || a.tagName === "TEXTAREA")) return;
  $("move-code").focus({ preventScroll: true });
}

$("go").addEventListener("click", go);
$("store-now").addEventListener("click", () => { if (lastWeighed) storeBag(lastWeighed); });
$("sign-out").addEventListener("click", async () => {
  await api("/api/v1/operator/sign-out", { method: "POST" });
  loadWho();
});
$("signin-code").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); signIn(); } });
$("filter").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
  filter = b.dataset.filter;
  $("filter").querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
  loadRecent();
}));
// Keystrokes that land nowhere (a scan right after tapping a button) go to the scan field.
document.addEventListener("keydown", (e) => {
  const a = document.activeElement;
  if (overlayOpen() || e.ctrlKey || e.altKey || e.metaKey || e.key.length !== 1) return;
  if (a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA")) return;
  $("move-code").focus({ preventScroll: true });
});
document.addEventListener("click", () => setTimeout(focusScan, 0));
buildKeypad();
$("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("lang", lang); applyLang(); loadRecent(); });
$("demo-set").addEventListener("click", () => setDemo(Math.round(parseFloat($("demo-kg").value || "0") * 1000)));
$("demo-clear").addEventListener("click", () => setDemo(0));
applyLang();
loadTypes();
refresh();
pollReading();
setInterval(pollReading, 300);
setInterval(refresh, 3000);
setInterval(pollStatus, 1000); // a printer fault reaches the screen within a second or two
focusScan();
