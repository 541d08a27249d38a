// The platform admin's roll-up: one measure per municipality, as a bar chart and a table.
(function () {
  "use strict";

  const page = JSON.parse(document.getElementById("rollup-page").textContent);
  const english = document.documentElement.lang === "en";

  function shown(row) {
    if (row.suppressed) return "<5";
    return row.value === null ? "–" : Number(row.value).toLocaleString(english ? "en-GB" : "th-TH", { maximumFractionDigits: 2 });
  }

  function cell(tag, text) {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  fetch(page.data_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => response.json())
    .then((data) => {
      const rows = data.rows || [];
      const label = (row) => (english ? row.label_en : row.label_th);
      Chart.defaults.font.family = "Sarabun, sans-serif";
      new Chart(document.getElementById("rollup-chart"), {
        type: "bar",
        data: { labels: rows.map(label), datasets: [{ label: data.measure, data: rows.map((row) => row.value), backgroundColor: "#0b6e4f" }] },
        options: { animation: false, plugins: { legend: { display: false } } },
      });
      const table = document.createElement("table");
      table.className = "widget-table";
      const head = table.createTHead().insertRow();
      head.append(cell("th", english ? "Municipality" : "เทศบาล"), cell("th", data.measure || ""));
      const body = table.createTBody();
      rows.forEach((row) => {
        const tr = body.insertRow();
        tr.append(cell("td", `${row.label_th} · ${row.label_en}`), cell("td", shown(row)));
      });
      document.getElementById("rollup-table").replaceChildren(table);
    });
})();
