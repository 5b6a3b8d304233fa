// Copy buttons: <button data-copy="#field"> copies the field's value and says so.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    function done(message) {
      if (status) status.textContent = message;
    }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { done("Press Ctrl+C to copy."); }
      );
    } else {
      // Plain-HTTP pages have no clipboard API; the selected text copies the old way.
      done(document.execCommand("copy") ? "Copied." : "Press Ctrl+C to copy.");
    }
  });
})();
