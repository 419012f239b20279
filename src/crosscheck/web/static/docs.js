// Start Swagger UI on the app's own OpenAPI document (served by the app, no CDN).
"use strict";
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  if (el && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({ url: el.getAttribute("data-spec"), dom_id: "#swagger-ui", deepLinking: false });
  }
});
