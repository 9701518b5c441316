/* Resource page: while the table is being processed, poll its status and show the progress.
   The live region only speaks when the state or phase changes, not at every poll. */
(function () {
  "use strict";

  var box = document.querySelector("[data-datastore-status]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-datastore-status");
  var interval = parseInt(box.getAttribute("data-interval"), 10) || 2000;
  var text = box.querySelector("[data-status-text]");
  var progress = box.querySelector("[data-status-progress]");
  var count = box.querySelector("[data-status-count]");
  var ready = box.querySelector("[data-status-ready]");
  var textsElement = document.getElementById("datastore-status-texts");
  var texts = textsElement ? JSON.parse(textsElement.textContent) : {};
  var number = new Intl.NumberFormat(document.documentElement.lang || "ja");
  var lastLine = text ? text.textContent : "";

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] === undefined ? all : values[name];
    });
  }

  function line(status) {
    if (status.status === "pending") { return texts.pending; }
    if (status.status === "running") {
      return status.phase_label ? fill(texts.phase, {phase: status.phase_label}) : texts.running;
    }
    if (status.status === "done") { return texts.done; }
    return texts.error + (status.error ? " " + status.error.message : "");
  }

  function show(status) {
    var next = line(status);
    if (text && next !== lastLine) {
      text.textContent = next;
      lastLine = next;
    }
    if (progress) {
      if (status.total) {
        progress.max = status.total;
        progress.value = status.done;
      } else if (status.status !== "running") {
        progress.removeAttribute("value");
      }
    }
    if (count) {
      var values = {done: number.format(status.done), total: number.format(status.total || 0)};
      if (status.total) {
        count.textContent = fill(texts.of, values);
      } else if (status.done) {
        count.textContent = fill(texts.so_far, values);
      }
    }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.busy) {
          window.setTimeout(poll, interval);
        } else if (ready) {
          if (progress) { progress.hidden = true; }
          ready.hidden = false;
        }
      })
      .catch(function () { window.setTimeout(poll, interval * 3); });
  }

  window.setTimeout(poll, interval);
}());
