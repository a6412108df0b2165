/* 危废一张图: draws the dashboard's charts and map with Apache ECharts (hub/web/static/vendor/, installed by
   scripts/setup from the npm lockfile) from the figures the page carries as JSON. No request leaves the hub. */
(function () {
  "use strict";
  var FONT = '"WT Sans SC", system-ui, "PingFang SC", "Microsoft YaHei", sans-serif';
  var COLORS = ["#b4260f", "#e07b39", "#3b6ea5", "#5a9e6f", "#8a5a00", "#7b5ea7", "#4f9fb3", "#c0505f"];

  function kg(grams) { return (grams / 1000).toLocaleString(undefined, { maximumFractionDigits: 3 }) + " kg"; }
  function tonnes(grams) { return grams / 1e6; }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var c = window.echarts.init(el, null, { renderer: "svg" });
    option.textStyle = { fontFamily: FONT };
    option.color = COLORS;
    option.animation = false;
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function bars(id, title, names, grams, horizontal) {
    var cat = { type: "category", data: names, axisLabel: { width: 140, overflow: "truncate" } };
    var val = { type: "value", name: "t", axisLabel: { formatter: function (v) { return v; } } };
    return chart(id, {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return kg(v * 1e6); } },
      grid: { left: horizontal ? 150 : 50, right: 20, bottom: 30, top: 40 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: [{ type: "bar", data: grams.map(tonnes) }]
    });
  }

  function ring(id, title, items) {
    return chart(id, {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", valueFormatter: function (v) { return kg(v); } },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["40%", "68%"], data: items, label: { formatter: "{b}: {d}%" } }]
    });
  }

  function draw(payload) {
    var d = payload.data, w = payload.words;
    var p = d.production, s = d.storage, tr = d.transfer;
    bars("chart-production-years", w.production + " · " + w.three_years,
      p.years.map(function (y) { return String(y.year); }), p.years.map(function (y) { return y.grams; }));
    bars("chart-production-categories", w.top_categories,
      p.top_categories.map(function (c) { return c.category_code + " " + c.category_name; }),
      p.top_categories.map(function (c) { return c.grams; }), true);
    bars("chart-production-industries", w.top_industries,
      p.top_industries.map(function (i) { return i.industry; }), p.top_industries.map(function (i) { return i.grams; }), true);
    ring("chart-storage-hazards", w.hazard_share,
      s.hazards.filter(function (h) { return h.grams > 0; }).map(function (h) { return { name: h.name, value: h.grams }; }));
    bars("chart-storage-top", w.top_stock, s.top_enterprises.map(function (e) { return e.name; }),
      s.top_enterprises.map(function (e) { return e.grams; }), true);
    bars("chart-storage-years", w.storage + " · " + w.three_years,
      s.years.map(function (y) { return String(y.year); }), s.years.map(function (y) { return y.grams; }));
    ring("chart-transfer-methods", w.methods,
      tr.methods.map(function (m) { return { name: m.method, value: m.grams }; }));
    bars("chart-transfer-years", w.transfer + " · " + w.three_years,
      tr.years.map(function (y) { return String(y.year); }), tr.years.map(function (y) { return y.grams; }));
    drawMap(d.map, tr.flows, w);
  }

  // Enterprises as points on a plain lon/lat plane (no tiles, nothing fetched), sized and coloured by stock;
  // transfers drawn as lines from shipper to receiver.
  function drawMap(map, flows, w) {
    var where = {};
    var points = map.points.map(function (e) {
      var xy = [e.lon_e6 / 1e6, e.lat_e6 / 1e6];
      where[e.uscc] = xy;
      return { name: e.name, value: xy.concat([e.stock_grams, e.boxes_online, e.boxes]), uscc: e.uscc };
    });
    var lines = flows.filter(function (f) { return where[f.shipper_uscc] && where[f.receiver_uscc]; })
      .map(function (f) {
        return { coords: [where[f.shipper_uscc], where[f.receiver_uscc]], value: f.grams,
                 name: f.shipper_name + " → " + f.receiver_name };
      });
    var most = Math.max.apply(null, [1].concat(points.map(function (p) { return p.value[2]; })));
    var c = chart("chart-map", {
      tooltip: {
        formatter: function (x) {
          if (x.seriesType === "lines") { return x.data.name + "<br>" + kg(x.data.value); }
          return x.name + "<br>" + w.stock_now + " " + kg(x.value[2]) + "<br>" + x.value[3] + "/" + x.value[4];
        }
      },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "value", name: w.lon, scale: true },
      yAxis: { type: "value", name: w.lat, scale: true },
      visualMap: { dimension: 2, min: 0, max: most, calculable: true, orient: "horizontal", left: "center",
                   bottom: 0, inRange: { color: ["#5a9e6f", "#e0b339", "#b4260f"] }, seriesIndex: 0,
                   formatter: function (v) { return kg(v); } },
      series: [
        { type: "scatter", data: points, symbolSize: function (v) { return 8 + 22 * Math.sqrt(v[2] / most); } },
        { type: "lines", coordinateSystem: "cartesian2d", data: lines, lineStyle: { opacity: 0.5, width: 2 },
          effect: { show: false } }
      ]
    });
    if (c) {
      c.on("click", function (x) {
        if (x.seriesType === "scatter" && x.data.uscc) {
          window.location.href = "/enterprises/" + encodeURIComponent(x.data.uscc);
        }
      });
    }
  }

  function start() {
    var el = document.getElementById("dashboard-data");
    if (!el) { return; }
    var payload = JSON.parse(el.textContent);
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { draw(payload); }); }
    else { draw(payload); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
