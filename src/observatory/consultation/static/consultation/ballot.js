// A ballot page restored from the back-forward cache (or with the browser's remembered form
// values) must not show the previous person's choices: shared devices are how codes are used.
(function () {
  "use strict";
  function clear() {
    document.querySelectorAll("form.ballot").forEach(function (form) { form.reset(); });
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });
  window.addEventListener("pagehide", clear);
})();
