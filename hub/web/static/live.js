// Live updates of a page that shows warnings or 督办单: when the hub streams a warning step the user may see
// (GET /api/v1/warnings/events), the page's live part (#live) is fetched again and swapped in place, so the
// list stays current without a reload. EventSource reconnects by itself and resumes after the last step.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (fresh) live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
        live.setAttribute("data-updated", String(Date.now()));
      })
      .finally(function () { pending = false; });
  }
  var source = new EventSource("/api/v1/warnings/events");
  source.addEventListener("warning", refresh);
  source.addEventListener("open", function () { live.setAttribute("data-connected", "1"); });
})();
