// Job boxes (jobs/_progress.html): poll each unfinished job's status; when it ends, go to its
// result (data-follow) or reload the page, which then shows the outcome.
(function () {
  "use strict";
  var FINISHED = { done: true, failed: true, cancelled: true };
  function watch(box) {
    if (FINISHED[box.dataset.status]) { return; }
    var bar = box.querySelector(".job-percent");
    var text = box.querySelector(".job-percent-text");
    var status = box.querySelector(".job-status");
    var message = box.querySelector(".job-message");
    function poll() {
      fetch(box.dataset.jobStatusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        if (bar) { bar.value = s.percent; }
        if (text) { text.textContent = s.percent + " %"; }
        if (status) { status.textContent = s.status_display; }
        if (message) { message.textContent = s.message_display || s.message || ""; }
        box.dataset.status = s.status;
        if (FINISHED[s.status]) {
          if (s.status === "done" && s.result_url && box.dataset.follow) { window.location.assign(s.result_url); }
          else { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, 1000);
      }).catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-job-status-url]"), watch);
})();
