// Complaint pages: the choices that apply, the code from a QR code, the print button.
(function () {
  "use strict";
  // Filing: "why were you refused" for a refusal, "who did it" for violence.
  var kind = document.getElementById("kind-field");
  if (kind) {
    var reason = document.getElementById("reason-field");
    var by = document.getElementById("by-field");
    var sync = function () {
      var checked = kind.querySelector("input:checked");
      var value = checked ? checked.value : "";
      reason.hidden = value !== "care_refused";
      by.hidden = value !== "violence_suffered";
    };
    kind.addEventListener("change", sync);
    sync();
  }
  // A QR code opens /complaints/follow/#CODE: the code never reaches the server in an address.
  var code = document.querySelector("#code-form input[name=code]");
  if (code && window.location.hash.length > 1) {
    code.value = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
  }
  var print = document.getElementById("print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
})();
