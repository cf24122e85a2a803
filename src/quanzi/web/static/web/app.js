// Small enhancements; every page works without them.
(function () {
  "use strict";

  // Countdowns: the server renders the time left; this ticks it from the seconds it was
  // given, so a wrong clock on the phone does not matter.
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function startCountdowns(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (el.dataset.ticking) { return; }
      el.dataset.ticking = "1";
      var end = Date.now() + parseInt(el.dataset.countdown, 10) * 1000;
      function tick() {
        var left = Math.max(0, Math.round((end - Date.now()) / 1000));
        if (left === 0) {
          el.textContent = el.dataset.over || "0:00:00";
          return;
        }
        var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
        el.textContent = h + ":" + pad(m) + ":" + pad(s);
        setTimeout(tick, 1000);
      }
      tick();
    });
  }

  // Copy buttons: copy the linked input's text, say so, fall back to selecting it.
  function startCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      var input = document.querySelector(button.dataset.copy);
      if (!input || button.dataset.ready) { return; }
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var done = function () {
          button.textContent = button.dataset.copied;
          button.setAttribute("aria-live", "polite");
        };
        input.select();
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(input.value).then(done, function () {
            if (document.execCommand("copy")) { done(); }
          });
        } else if (document.execCommand("copy")) {
          done();
        }
      });
    });
  }

  function start(root) {
    startCountdowns(root);
    startCopyButtons(root);
  }
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
