// Small conveniences only: the form works without this script (the server parses "MM / YY" and spaced numbers).
(function () {
  "use strict";
  var number = document.getElementById("cardnumber");
  var expiry = document.getElementById("exp-date");
  var form = document.getElementById("payment-form");
  if (number) {
    number.addEventListener("input", function () {
      var digits = number.value.replace(/\D/g, "").slice(0, 19);
      number.value = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
    });
  }
  if (expiry) {
    expiry.addEventListener("input", function (event) {
      var digits = expiry.value.replace(/\D/g, "").slice(0, 4);
      var deleting = event.inputType && event.inputType.indexOf("delete") === 0;
      if (digits.length > 2 || (digits.length === 2 && !deleting)) {
        expiry.value = digits.slice(0, 2) + " / " + digits.slice(2);
      } else {
        expiry.value = digits;
      }
    });
  }
  // With a choice of card or bank account, show only the chosen method's fields (all show without script).
  var radios = document.querySelectorAll('input[name="method"][type="radio"]');
  function showChosen() {
    var sections = document.querySelectorAll(".method-section");
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].checked) {
        for (var j = 0; j < sections.length; j++) {
          var own = sections[j].getAttribute("data-method") === radios[i].value;
          sections[j].hidden = !own;
        }
      }
    }
  }
  for (var k = 0; k < radios.length; k++) {
    radios[k].addEventListener("change", showChosen);
  }
  if (radios.length) {
    showChosen();
  }
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("pay-button");
      if (button) {
        // Keep the label for screen readers while blocking a double submission.
        button.setAttribute("aria-busy", "true");
        button.textContent = button.getAttribute("data-processing") || "Processing…";
        button.disabled = true;
      }
    });
  }
})();
