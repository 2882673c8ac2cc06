// Every page: a wide table scrolls in its own region; a form sent back with errors moves the focus
// to its summary (screen readers read it, the keyboard starts there); logging out forgets the
// round form kept for offline use.
(function () {
  "use strict";
  // A table wider than the screen scrolls sideways in its own region, which the keyboard can
  // reach, instead of widening the whole page (phones).
  var label = document.body.getAttribute("data-scroll-label") || "Table";
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var parent = table.parentElement;
    // The parent's content box: clientWidth counts its padding, which the table cannot use.
    var style = window.getComputedStyle(parent);
    var room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (parent.classList.contains("scroll") || table.scrollWidth <= room + 1) { return; }
    var region = document.createElement("div");
    region.className = "scroll";
    region.tabIndex = 0;
    region.setAttribute("role", "region");
    region.setAttribute("aria-label", label);
    parent.insertBefore(region, table);
    region.appendChild(table);
  });
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
