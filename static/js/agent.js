// Agent workspace niceties; every page also works without this file.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-check-all]")) {
      document.querySelectorAll('input[name="tickets"]').forEach(function (item) { item.checked = box.checked; });
    }
  });
  // "r" jumps to the reply box, as in a mail client; ignored while typing.
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.key !== "r" || event.ctrlKey || event.metaKey || tag === "input" || tag === "textarea" || tag === "select") return;
    var body = document.getElementById("id_body");
    if (body) { event.preventDefault(); body.focus(); }
  });
  // htmx sends the CSRF token from the page's cookie-less forms.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });
})();
