// Run page: poll the run's progress while it works, reload once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") { return; }
  var bar = document.getElementById("run-percent");
  var text = document.getElementById("run-percent-text");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      if (bar) { bar.value = s.percent; }
      if (text) { text.textContent = s.percent + " %"; }
      box.dataset.percent = String(s.percent);
      if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
      window.setTimeout(poll, 1000);
    }).catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
