/* The field app's service worker (hub/mobile/routes.py prepends VERSION). It keeps:
   - the app itself (page, script, style, manifest, icons), cached when it installs, served from the cache and
     refreshed behind it (stale-while-revalidate), so the app opens with no signal and later loads are instant;
   - the hub's static files the app uses (the font, the QR reader), cached the first time they are fetched;
   - the JSON a user has opened (GET /api/v1/...), fetched from the network first and kept, so the last sync
     is there with no signal; answers from the cache carry "X-WT-Cached: 1" so the app can say so.
   Nothing else is touched: every write goes straight to the network (the app keeps an outbox of its own),
   and the data cache is deleted at logout (the app asks with a message "logout"). */
"use strict";
var SHELL = "wt-shell-" + VERSION;
var STATIC = "wt-static";
var DATA = "wt-data";
var SHELL_URLS = ["/m/", "/m/?lang=en", "/m/app.js?v=" + VERSION, "/m/app.css?v=" + VERSION,
  "/m/manifest.webmanifest", "/m/manifest.webmanifest?lang=en", "/m/icon-192.png", "/m/icon-512.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("wt-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data === "logout") {
    event.waitUntil(caches.delete(DATA));
  }
});

function marked(response) {
  var headers = new Headers(response.headers);
  headers.set("X-WT-Cached", "1");
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function shell(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
      if (hit) {
        fresh.catch(function () { return null; });
        return hit;
      }
      return fresh;
    });
  });
}

function kept(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

function data(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(DATA).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(DATA).then(function (cache) { return cache.match(request); }).then(function (hit) {
      if (hit) { return marked(hit); }
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/m/") === 0 && url.pathname !== "/m/sw.js") {
    event.respondWith(shell(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(kept(request));
  } else if (url.pathname.indexOf("/api/v1/") === 0 && url.pathname.indexOf("/events") < 0) {
    event.respondWith(data(request));
  }
});
