/* Resource page: draw the chart with Chart.js from the figures the server put in the page,
   and redraw it from the chart endpoint when the form changes. The table below the chart
   holds the same figures for screen readers and for browsers without JavaScript. */
(function () {
  "use strict";

  var dataElement = document.getElementById("chart-data");
  var form = document.querySelector(".chart-form");
  var canvas = document.querySelector("[data-chart-canvas]");
  if (!dataElement || !form || !canvas || !window.Chart) { return; }

  var figure = document.querySelector("[data-chart-figure]");
  var tableBox = document.querySelector("[data-chart-table-box]");
  var rowsBody = document.querySelector("[data-chart-rows]");
  var caption = document.querySelector("[data-chart-caption]");
  var groupHead = document.querySelector("[data-chart-group-label]");
  var valueHead = document.querySelector("[data-chart-value-label]");
  var errorBox = document.querySelector("[data-chart-error]");
  var truncatedNote = document.querySelector("[data-chart-truncated]");
  var initial = JSON.parse(dataElement.textContent);
  var emptyLabel = initial.empty;
  var rowsLabel = valueHead ? valueHead.textContent : "";
  var number = new Intl.NumberFormat(document.documentElement.lang || "ja", {maximumFractionDigits: 2});
  var chart = null;

  function token(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var palette = [
    token("--color-primitive-blue-900", "#0031d8"), token("--color-primitive-green-800", "#197a4b"),
    token("--color-primitive-orange-800", "#c74700"), token("--color-primitive-magenta-900", "#9c0f8c"),
    token("--color-primitive-cyan-900", "#006f83"), token("--color-primitive-yellow-900", "#927200"),
    token("--color-primitive-red-900", "#ce0000"), token("--color-primitive-blue-500", "#7096f8"),
    token("--color-primitive-green-500", "#51b883"), token("--color-neutral-solid-gray-600", "#666666")
  ];

  function labelText(label) {
    return label === null || label === undefined ? emptyLabel : String(label);
  }

  function draw(data) {
    var bodyStyle = getComputedStyle(document.body);
    window.Chart.defaults.font.family = bodyStyle.fontFamily;
    window.Chart.defaults.font.size = 14;
    window.Chart.defaults.color = bodyStyle.color;
    var type = data.type === "line" || data.type === "pie" ? data.type : "bar";
    var colors = type === "pie" ? data.values.map(function (_, i) { return palette[i % palette.length]; })
      : palette[0];
    var config = {
      type: type,
      data: {
        labels: data.labels.map(labelText),
        datasets: [{label: data.valueLabel || rowsLabel, data: data.values, backgroundColor: colors,
                    borderColor: type === "pie" ? "#ffffff" : palette[0], borderWidth: type === "line" ? 3 : 1,
                    pointRadius: 4, tension: 0}]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : {duration: 300},
        plugins: {
          legend: {display: type === "pie", position: "bottom"},
          title: {display: Boolean(data.title), text: data.title, font: {size: 16, weight: "bold"}}
        },
        scales: type === "pie" ? {} : {y: {beginAtZero: true, ticks: {callback: function (v) { return number.format(v); }}}}
      }
    };
    if (chart) { chart.destroy(); }
    chart = new window.Chart(canvas, config);
    canvas.setAttribute("aria-label", data.title || "");
  }

  function fillTable(data, groupLabel, valueLabel) {
    caption.textContent = data.title || "";
    groupHead.textContent = groupLabel;
    valueHead.textContent = valueLabel || rowsLabel;
    while (rowsBody.firstChild) { rowsBody.removeChild(rowsBody.firstChild); }
    data.labels.forEach(function (label, i) {
      var row = document.createElement("tr");
      var head = document.createElement("th");
      head.scope = "row";
      head.textContent = labelText(label);
      var cell = document.createElement("td");
      cell.className = "num";
      var value = data.values[i];
      cell.textContent = value === null || value === undefined ? "–" : number.format(value);
      row.appendChild(head);
      row.appendChild(cell);
      rowsBody.appendChild(row);
    });
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  if (initial.labels && initial.labels.length) { draw(initial); }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.URLSearchParams) { return; }
    event.preventDefault();
    var params = new URLSearchParams(new FormData(form));
    var query = new URLSearchParams();
    ["group_by", "value", "function", "sheet"].forEach(function (name) {
      if (params.get(name)) { query.set(name, params.get(name)); }
    });
    fetch(form.getAttribute("data-chart-url") + "?" + query.toString(),
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, body: body}; });
      })
      .then(function (answer) {
        if (!answer.ok) {
          showError(answer.body.error ? answer.body.error.message : "");
          return;
        }
        showError("");
        var data = answer.body;
        data.type = params.get("chart");
        data.valueLabel = data.value_label;
        figure.hidden = false;
        tableBox.hidden = false;
        draw(data);
        fillTable(data, data.group_label, data.value_label);
        if (truncatedNote) {
          truncatedNote.textContent = String(initial.truncatedText || "")
            .replace("%(shown)s", number.format(data.labels.length))
            .replace("%(groups)s", number.format(data.groups));
          truncatedNote.hidden = !data.truncated;
        }
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "?" + params.toString() + "#chart");
        }
      })
      .catch(function () { form.submit(); });
  });
}());
