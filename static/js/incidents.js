// The incident list (templates/safety/incident_list.html): while it is open and visible, asks the
// API every second how many incidents there are and reloads when a new one has been reported, so
// the bureau sees a report within a second of its submission. No inline script: strict CSP.
(function () {
  "use strict";
  var marker = document.querySelector("[data-incident-poll-url]");
  if (!marker || !window.fetch) {
    return;
  }
  var url = marker.getAttribute("data-incident-poll-url");
  var shown = parseInt(marker.getAttribute("data-incident-count"), 10);
  var delay = 1000;

  function poll() {
    if (document.hidden) {
      window.setTimeout(poll, delay);
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) {
        if (body.count !== shown) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
