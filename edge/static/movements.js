"use strict";
// The second card: 入库, 出库 and 装车 at the producer's store; 复磅 (accept or reject) and 处置 at the receiver.
// Loaded after app.js and ask.js: shares T, `lang`, api(), applyLang() and ask().
Object.assign(T.zh, { moves: "入库 / 出库 / 复磅", scanCode: "扫描或输入标签识别码（或二维码网址）", store: "入库",
  out: "出库", accept: "复磅并接收", reject: "复磅并拒收", dispose: "处置", rejectWhy: "拒收原因",
  disposeHow: "处置方式", scanFirst: "请先扫描或输入识别码", reweighing: "等待稳定读数…",
  loadManifest: "装车联单", load: "装车", noManifest: "暂无可装车联单（联单须在平台创建并装载废物）",
  loadedCount: "已装", of: "共", missing: "未装", pickManifest: "请先选择联单", loaded: "已装车" });
Object.assign(T.en, { moves: "Store / take out / receive", scanCode: "Scan or type the label's code (or its QR URL)",
  store: "Store", out: "Take out", accept: "Re-weigh and accept", reject: "Re-weigh and reject", dispose: "Dispose",
  rejectWhy: "Why reject?", disposeHow: "Disposal method",
  scanFirst: "Scan or type a code first", reweighing: "Waiting for a stable weight…",
  loadManifest: "Manifest to load", load: "Load", noManifest: "No manifest to load (create one at the hub and put bags on it)",
  loadedCount: "Loaded", of: "of", missing: "Missing", pickManifest: "Pick a manifest first",
  loaded: "on the truck" });

function moveResult(ok, text) {
  const r = $("move-result");
  r.className = "result " + (ok ? "ok" : "err");
  r.textContent = text || "";
}

async function move(path, extra) {
  const code = $("move-code").value.trim();
  if (!code) { moveResult(false, t("scanFirst")); return; }
  const r = await api(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign({ code }, extra || {})) });
  const msg = lang === "zh" ? r.body.message_zh : r.body.message_en;
  moveResult(r.ok, msg || `HTTP ${r.status}`);
  if (r.ok) { $("move-code").value = ""; $("move-code").focus({ preventScroll: true }); }
  refresh();
}

// 装车: the manifests come from the hub's last signed list, kept on the box (works with no signal).
async function loadManifests() {
  const r = await api("/api/v1/shipping");
  const select = $("load-manifest");
  const chosen = select.value;
  select.replaceChildren();
  const manifests = r.ok ? r.body.manifests : [];
  for (const m of manifests) {
    const option = document.createElement("option");
    option.value = m.number;
    option.textContent = `${m.number}${m.receiver ? " → " + m.receiver : ""}${m.plate ? " " + m.plate : ""}`;
    select.append(option);
  }
  if (manifests.some((m) => m.number === chosen)) select.value = chosen;
  $("move-load").disabled = manifests.length === 0;
  if (manifests.length === 0) { $("load-progress").textContent = t("noManifest"); return; }
  await loadProgress();
}

async function loadProgress() {
  const number = $("load-manifest").value;
  if (!number) return;
  const r = await api(`/api/v1/shipping/${encodeURIComponent(number)}`);
  if (!r.ok) { $("load-progress").textContent = lang === "zh" ? r.body.message_zh : r.body.message_en; return; }
  const missing = r.body.bags.filter((b) => !b.loaded).map((b) => b.code.slice(-6));
  $("load-progress").textContent = `${t("loadedCount")} ${r.body.loaded} / ${t("of")} ${r.body.total}` +
    (missing.length ? `；${t("missing")}: ${missing.join(" ")}` : "");
}

$("load-manifest").addEventListener("change", loadProgress);
$("move-load").addEventListener("click", async () => {
  const manifest = $("load-manifest").value;
  if (!manifest) { moveResult(false, t("pickManifest")); return; }
  await move("/api/v1/movements/load", { manifest });
  await loadProgress();
});
loadManifests();
setInterval(loadManifests, 30000);  // a new list arrives with the next heartbeat answer

$("move-store").addEventListener("click", () => move("/api/v1/movements/store"));
$("move-out").addEventListener("click", () => move("/api/v1/movements/out"));
$("move-accept").addEventListener("click", () => { moveResult(true, t("reweighing")); move("/api/v1/receipts", { accept: true }); });
$("move-reject").addEventListener("click", async () => {
  const answer = await ask(t("rejectWhy"), "reject", false);
  if (!answer) return;
  moveResult(true, t("reweighing"));
  move("/api/v1/receipts", { accept: false, reason: answer.reason });
});
$("move-dispose").addEventListener("click", async () => {
  const answer = await ask(t("disposeHow"), "dispose", false);
  if (!answer) return;
  move("/api/v1/disposals", { method: answer.reason });
});
// A scanner types the code and presses Enter: Enter alone does nothing, so a scan never moves a bag by itself.
$("move-code").addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
applyLang();
