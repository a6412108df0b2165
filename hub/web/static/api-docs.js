// Starts the API viewer the page loaded (Swagger UI on /docs, ReDoc on /redoc) on the hub's own OpenAPI
// document. A file rather than an inline script, so the pages keep script-src 'self'.
(function () {
  "use strict";
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: swagger.getAttribute("data-spec"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // A tag's operations open when its heading is clicked: the API has over a hundred, and the viewer draws
      // an opened list lazily, a screen at a time.
      docExpansion: "none",
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    window.Redoc.init(redoc.getAttribute("data-spec"), {
      theme: {
        typography: {
          fontFamily: '"WT Sans SC", Roboto, sans-serif',
          headings: { fontFamily: '"WT Sans SC", Montserrat, sans-serif' },
        },
      },
    }, redoc);
  }
})();
