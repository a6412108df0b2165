"use strict";
// The touchscreen: pick a waste type, watch the scale settle, press 打印标签. No external scripts.
const T = {
  zh: { title: "危险废物称重贴标", pick: "① 选择废物类型", weigh: "② 称重", print: "③ 打印标签", go: "打印标签",
    queue: "待打印", recent: "最近称重", code: "数字识别码", wcode: "废物代码", kg: "重量", state: "标签",
    stable: "稳定", moving: "不稳定", nodata: "无读数", demo: "模拟秤：放上重量 (kg)", demoSet: "放上", demoClear: "取下",
    working: "等待稳定读数并打印…", printed: "已打印", pending: "待打印", voided: "已作废", retry: "重新打印",
    backlog: "待上传事件", synced: "已全部上传", lang: "English", pickFirst: "请先选择废物类型",
    reprint: "补打", void: "作废", reprintWhy: "补打原因（例如：标签破损、脱落）", voidWhy: "作废原因（例如：选错废物类型）" },
  en: { title: "Hazardous waste weighing & labelling", pick: "1. Pick the waste type", weigh: "2. Weigh",
    print: "3. Print the label", go: "Print label", queue: "Labels waiting", recent: "Recent bags", code: "Code",
    wcode: "Waste code", kg: "Weight", state: "Label", stable: "Stable", moving: "Moving", nodata: "No reading",
    demo: "Simulated scale: put on (kg)", demoSet: "Put on", demoClear: "Take off", working: "Waiting for a stable weight…",
    printed: "printed", pending: "waiting", voided: "voided", retry: "Print again", backlog: "events to upload",
    synced: "all uploaded", lang: "中文", pickFirst: "Pick a waste type first",
    reprint: "Reprint", void: "Void", reprintWhy: "Why reprint (e.g. label torn, fell off)?", voidWhy: "Why void (e.g. wrong waste type)?" },
};
let lang = localStorage.getItem("lang") || "zh";
let chosen = null;
let chosenScale = null; // a scale's name when the box has several; null: the default scale
let busy = false;
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
  const { ok, body } = await api("/api/v1/weighings?limit=10");
  if (!ok) return;
  const tb = $("recent");
  tb.replaceChildren();
  for (const w of body.weighings) {
    const tr = document.createElement("tr");
    for (const v of [w.code, w.waste_code, kg(w.grams) + " kg", t(w.print_state)]) {
      const td = document.createElement("td"); td.textContent = v; tr.append(td);
    }
    const actions = document.createElement("td");
    if (w.print_state === "printed") actions.append(labelAction(w.code, "reprint", "reprintWhy"));
    if (w.print_state !== "voided") actions.append(labelAction(w.code, "void", "voidWhy"));
    tr.append(actions);
    tb.append(tr);
  }
}

function labelAction(code, action, question) {
  // Reprint and void are ledger events with a reason: ask for it, and refuse an empty one.
  const b = document.createElement("button");
  b.type = "button"; b.className = "small"; b.textContent = t(action);
  b.addEventListener("click", async () => {
    const reason = window.prompt(`${code}\n${t(question)}`);
    if (!reason || !reason.trim()) return;
    const r = await api(`/api/v1/labels/${code}/${action}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason }),
    });
    showResult(r.ok, lang === "zh" ? r.body.message_zh : r.body.message_en);
    refresh();
  });
  return b;
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
  } else {
    showResult(false, msg || `HTTP ${r.status}`);
  }
  refresh();
}

async function setDemo(grams) {
  await api("/api/v1/demo/scale", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ grams }) });
}

function refresh() { loadRecent(); pollStatus(); loadScales(); }

$("go").addEventListener("click", go);
$("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("lang", lang); applyLang(); loadRecent(); });
$("demo-set").addEventListener("click", () => setDemo(Math.round(parseFloat($("demo-kg").value || "0") * 1000)));
$("demo-clear").addEventListener("click", () => setDemo(0));
applyLang();
loadTypes();
refresh();
pollReading();
setInterval(pollReading, 300);
setInterval(refresh, 3000);
