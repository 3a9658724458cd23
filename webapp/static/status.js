// Return page: ask the server for the payment's status until it is final (paid or not paid).
(function () {
  "use strict";
  var box = document.getElementById("payment-status");
  if (!box || box.getAttribute("data-final") === "true") { return; }
  var url = box.getAttribute("data-url");
  var labels = { paid: "Paid", processing: "Processing", failed: "Not paid" };
  var tries = 0;

  function show(state) {
    box.className = "status status-" + state.status;
    box.setAttribute("data-status", state.status);
    box.querySelector(".status-label").textContent = labels[state.status] || state.status;
    box.querySelector(".status-message").textContent = state.message;
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
