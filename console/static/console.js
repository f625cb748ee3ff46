// postload console: the few things that need a script. Everything else
// works without one. Served from the binary; the CSP forbids inline script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A button with data-copy="<id>" copies that element's text.
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) { return; }
      var done = function () { btn.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(el.textContent).then(done, function () { selectText(el); });
      } else {
        selectText(el);
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
      }
    });
  });
});

function selectText(el) {
  var range = document.createRange();
  range.selectNodeContents(el);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
