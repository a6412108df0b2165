/* 企业概况 on an enterprise's file: this year month by month, the last seven days and the stock by HW
   category, drawn with Apache ECharts (hub/web/static/vendor/) from the figures the page carries as JSON
   (#overview-data). The same figures are in the tables under the charts, for printing and for readers
   without script. No request leaves the hub. */
(function () {
  "use strict";
  var FONT = '"WT Sans SC", system-ui, "PingFang SC", "Microsoft YaHei", sans-serif';
  var COLORS = ["#b4260f", "#3b6ea5", "#e07b39", "#5a9e6f", "#8a5a00", "#7b5ea7"];

  function kg(grams) { return (grams / 1000).toLocaleString(undefined, { maximumFractionDigits: 3 }) + " kg"; }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var c = window.echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: FONT };
    option.color = COLORS;
    option.animation = false;
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-drawn", "1");
    return c;
  }

  // One bar series per kind over the periods (months or days), in kilograms.
  function grouped(id, title, periods, label, kinds, words) {
    return chart(id, {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return kg(v * 1000); } },
      legend: { bottom: 0 },
      grid: { left: 60, right: 20, bottom: 50, top: 40 },
      xAxis: { type: "category", data: periods.map(label) },
      yAxis: { type: "value", name: "kg" },
      series: kinds.map(function (kind) {
        return {
          type: "bar",
          name: words.kinds[kind],
          data: periods.map(function (p) {
            var f = p.figures.filter(function (x) { return x.kind === kind; })[0];
            return f ? f.grams / 1000 : 0;
          })
        };
      })
    });
  }

  function draw(payload) {
    var o = payload.overview, w = payload.words, kinds = payload.kinds;
    grouped("chart-overview-months", o.year + " · " + w.months, o.months,
      function (m) { return m.month.slice(5); }, kinds, w);
    grouped("chart-overview-days", w.days, o.last_days,
      function (d) { return d.day.slice(5); }, kinds, w);
    chart("chart-overview-categories", {
      title: { text: w.categories, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", valueFormatter: function (v) { return kg(v); } },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie", radius: ["40%", "68%"], label: { formatter: "{b}: {d}%" },
        data: o.stock_by_category.map(function (c) {
          return { name: (c.category_code + " " + c.category_name).trim(), value: c.grams };
        })
      }]
    });
  }

  function start() {
    var el = document.getElementById("overview-data");
    if (!el) { return; }
    var payload = JSON.parse(el.textContent);
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { draw(payload); }); }
    else { draw(payload); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
