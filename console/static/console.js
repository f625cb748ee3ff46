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
  live(document.getElementById("log-live"));
});

// live keeps a hook's delivery log (#log-live, on the first page) up to
// date: every 2 s it fetches the section's live part (data-live, the
// same filter) and puts it in place, keeping the rows it already shows
// (and their open snippets) and marking the new ones. The server answers
// 204 when nothing changed since the version it gave last. Signed out
// (401) or the hook gone (404), it stops and says so.
function live(box) {
  if (!box || !box.dataset.live || !window.fetch || !window.DOMParser) { return; }
  var status = document.getElementById("live-status");
  var say = function (text) { if (status) { status.textContent = text; } };
  var version = "";
  var sep = box.dataset.live.indexOf("?") < 0 ? "?" : "&";
  say("Live: new attempts appear as they are logged.");
  var poll = function () {
    var url = box.dataset.live + (version ? sep + "known=" + encodeURIComponent(version) : "");
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: {"Accept": "text/html"}}).then(function (resp) {
      if (resp.status === 401 || resp.status === 404) {
        say(resp.status === 401 ? "Live updates stopped: signed out. Reload to sign in." : "Live updates stopped: the hook is gone.");
        return null;
      }
      if (resp.status === 204) { return ""; }
      if (!resp.ok) { say("Live updates paused (HTTP " + resp.status + "); retrying."); return ""; }
      version = resp.headers.get("X-Fragment-Version") || "";
      return resp.text().then(function (html) { swap(box, html); say("Live: new attempts appear as they are logged."); return ""; });
    }, function () {
      say("Live updates paused (no answer); retrying.");
      return "";
    }).then(function (next) {
      if (next !== null) { window.setTimeout(poll, 2000); }
    });
  };
  window.setTimeout(poll, 2000);
}

// swap replaces box's content with html, keeping the attempt rows it has
// (same data-key) and marking the others fresh.
function swap(box, html) {
  var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
  var fresh = doc.body.firstChild;
  var had = {};
  box.querySelectorAll("tr[data-key]").forEach(function (tr) { had[tr.dataset.key] = tr; });
  fresh.querySelectorAll("tr[data-key]").forEach(function (tr) {
    var old = had[tr.dataset.key];
    if (old) {
      old.classList.remove("fresh");
      tr.replaceWith(old);
    } else {
      tr.classList.add("fresh");
    }
  });
  box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
}

function selectText(el) {
  var range = document.createRange();
  range.selectNodeContents(el);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}
