"use strict";
// The second card: 入库, 出库 at the producer's store; 复磅 (accept or reject) and 处置 at the receiver.
// Loaded after app.js and ask.js: shares T, `lang`, api(), applyLang() and ask().
Object.assign(T.zh, { moves: "入库 / 出库 / 复磅", scanCode: "扫描或输入标签识别码（或二维码网址）", store: "入库",
  out: "出库", accept: "复磅并接收", reject: "复磅并拒收", dispose: "处置", rejectWhy: "拒收原因",
  disposeHow: "处置方式", scanFirst: "请先扫描或输入识别码", reweighing: "等待稳定读数…" });
Object.assign(T.en, { moves: "Store / take out / receive", scanCode: "Scan or type the label's code (or its QR URL)",
  store: "Store", out: "Take out", accept: "Re-weigh and accept", reject: "Re-weigh and reject", dispose: "Dispose",
  rejectWhy: "Why reject?", disposeHow: "Disposal method",
  scanFirst: "Scan or type a code first", reweighing: "Waiting for a stable weight…" });

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
