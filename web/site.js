/* The clinic page itself: contact details from the server's configuration. */
(function () {
  "use strict";
  var contacts = (window.PUMP_CHAT_CONFIG || {}).contacts || {};
  var spans = document.querySelectorAll("[data-contact]");
  for (var i = 0; i < spans.length; i++) {
    var value = contacts[spans[i].getAttribute("data-contact")];
    if (typeof value === "string" && value) {
      spans[i].textContent = value;
    }
  }
})();
