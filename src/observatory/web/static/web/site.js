// Every page: a form sent back with errors moves the focus to its summary (screen readers read
// it, the keyboard starts there); logging out forgets the round form kept for offline use.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var logout = document.querySelector("form[data-logout]");
  if (logout && window.caches) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("observatory-rounds-") === 0; })
          .map(function (k) { return caches.delete(k); }));
      }).catch(function () {}).then(function () { logout.submit(); });
    });
  }
})();
