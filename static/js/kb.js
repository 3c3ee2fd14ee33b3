// Knowledge base in the agent's reply box: "вставить ссылку" puts the article's title and portal link at
// the cursor. The reply records the article as sent when it goes out (the server reads the link).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) return;
    var body = document.getElementById("id_body");
    if (!body) return;
    var text = button.getAttribute("data-kb-title") + ": " + button.getAttribute("data-kb-url");
    var start = body.selectionStart || body.value.length, end = body.selectionEnd || start;
    var before = body.value.slice(0, start), after = body.value.slice(end);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    body.value = before + glue + text + "\n" + after;
    body.focus();
    var caret = (before + glue + text + "\n").length;
    body.setSelectionRange(caret, caret);
  });
})();
