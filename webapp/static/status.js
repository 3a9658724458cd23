// Return page: ask the server for the payment's status until it is final (paid or not paid), and show
// Stripe's confirmation (date, card, receipt link) once it is paid.
(function () {
  "use strict";
  var box = document.getElementById("payment-status");
  if (!box || box.getAttribute("data-final") === "true") { return; }
  var url = box.getAttribute("data-url");
  var labels = { paid: "Paid", processing: "Processing", failed: "Not paid" };
  var tries = 0;

  function showReceipt(receipt) {
    var details = document.getElementById("payment-details");
    ["amount", "date", "card"].forEach(function (name) {
      var cell = details.querySelector('[data-field="' + name + '"]');
      if (cell && receipt[name]) {
        cell.textContent = receipt[name];
        cell.parentNode.hidden = false;
      }
    });
    var link = document.getElementById("receipt-link");
    if (receipt.receipt_url) {
      link.querySelector("a").setAttribute("href", receipt.receipt_url);
      link.hidden = false;
    }
  }

  function show(state) {
    box.className = "status status-" + state.status;
    box.setAttribute("data-status", state.status);
    box.querySelector(".status-label").textContent = labels[state.status] || state.status;
    box.querySelector(".status-message").textContent = state.message;
    if (state.receipt) { showReceipt(state.receipt); }
    var hint = document.getElementById("refresh-hint");
    if (state.final && hint) { hint.hidden = true; }
  }

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state) { show(state); }
        if (!state || !state.final) { setTimeout(poll, tries < 30 ? 2000 : 10000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  setTimeout(poll, 1500);
})();
