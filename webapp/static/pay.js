// Customer page: ticking invoices sets the amount to their total; unticking all restores the balance.
// The server re-checks everything; this only saves typing.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form) { return; }
  var amount = document.getElementById("amount");
  var exponent = parseInt(form.getAttribute("data-exponent"), 10) || 0;
  // Stripe's charge step in minor units (10 for KWD: the last decimal must be 0); the rest stays open.
  var step = parseInt(form.getAttribute("data-step"), 10) || 1;
  var fallback = form.getAttribute("data-default") || "";
  var boxes = form.querySelectorAll('input[name="invoice"]');

  // Minor units -> "1234.50" with exactly `exponent` decimals, using integers only (no float money).
  function plain(minor) {
    var digits = String(minor);
    if (exponent === 0) { return digits; }
    while (digits.length <= exponent) { digits = "0" + digits; }
    return digits.slice(0, -exponent) + "." + digits.slice(-exponent);
  }

  function update() {
    var total = 0;
    var any = false;
    boxes.forEach(function (box) {
      if (box.checked) { any = true; total += parseInt(box.getAttribute("data-minor"), 10) || 0; }
    });
    amount.value = any ? plain(total - (total % step)) : fallback;
  }

  boxes.forEach(function (box) { box.addEventListener("change", update); });
})();
