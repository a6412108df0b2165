"use strict";
// A chooser on the touchscreen instead of the browser's prompt(): a list of reasons to tap, and on a box
// with sign-in the supervisor's PIN. Loaded after app.js (shares T, t(), $).
Object.assign(T.zh, { cancel: "取消", ok: "确定", supervisorPin: "主管密码", pickReason: "请选择原因",
  needPin: "请主管输入密码" });
Object.assign(T.en, { cancel: "Cancel", ok: "OK", supervisorPin: "Supervisor PIN", pickReason: "Pick a reason",
  needPin: "A supervisor's PIN is needed" });

// Reasons, each with its words in both languages; what is recorded is the Chinese one.
const REASONS = {
  reprint: [["标签破损", "Label torn"], ["标签脱落", "Label fell off"], ["打印不清", "Print unreadable"],
    ["标签被污染", "Label soiled"]],
  void: [["选错废物类型", "Wrong waste type"], ["重量有误", "Wrong weight"], ["重复称重", "Weighed twice"],
    ["袋子已合并", "Bags merged"]],
  reject: [["包装破损", "Packaging damaged"], ["与联单不符", "Not as on the manifest"],
    ["重量差异过大", "Weight differs too much"], ["标签无法识别", "Label unreadable"]],
  dispose: [["焚烧 D10", "Incineration D10"], ["安全填埋 D1", "Secure landfill D1"],
    ["物化处理 C2", "Physico-chemical C2"], ["综合利用 R", "Recovery R"]],
};

function ask(title, kind, needPin) {
  return new Promise((resolve) => {
    let chosen = null;
    $("ask-title").textContent = title;
    $("ask-msg").textContent = "";
    $("ask-pin").value = "";
    $("ask-pin-row").hidden = !needPin;
    const box = $("ask-choices");
    box.replaceChildren();
    for (const [zh, en] of REASONS[kind]) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = lang === "zh" ? zh : en;
      b.addEventListener("click", () => {
        chosen = zh;
        box.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
        if (needPin) $("ask-pin").focus();
      });
      box.append(b);
    }
    const done = (value) => {
      $("ask").hidden = true;
      $("ask-ok").onclick = null;
      $("ask-cancel").onclick = null;
      resolve(value);
      focusScan();
    };
    $("ask-ok").onclick = () => {
      if (!chosen) { $("ask-msg").textContent = t("pickReason"); return; }
      if (needPin && !$("ask-pin").value) { $("ask-msg").textContent = t("needPin"); return; }
      done({ reason: chosen, pin: $("ask-pin").value });
    };
    $("ask-cancel").onclick = () => done(null);
    $("ask").hidden = false;
  });
}
