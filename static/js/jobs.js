// The job page (templates/core/jobs/detail.html): polls the job's status while it runs and reloads
// the page when it is finished (the server then shows the result). No inline script: strict CSP.
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-status-url]");
  if (!panel || panel.getAttribute("data-job-finished") === "1" || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-job-status-url");
  var delay = 800;
  var bar = panel.querySelector("[data-job-bar]");
  var progressbar = panel.querySelector("[data-job-progressbar]");
  var state = panel.querySelector("[data-job-state]");
  var note = panel.querySelector("[data-job-note]");
  var count = panel.querySelector("[data-job-count]");

  function show(status) {
    if (state) { state.textContent = status.state_label; }
    if (note) { note.textContent = status.note || ""; }
    if (count) {
      count.textContent = status.total ? "已处理 " + status.done + " / " + status.total : "";
    }
    if (bar) { bar.style.width = (status.percent === null ? 100 : status.percent) + "%"; }
    if (progressbar) { progressbar.setAttribute("aria-valuenow", status.percent === null ? 0 : status.percent); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) {
          window.location.reload();
          return;
        }
        show(status);
        delay = Math.min(delay * 1.25, 3000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
