// A dashboard page: widgets next to a Leaflet map. Every widget asks the API for its
// figures with the page's filters (a zone or a drawn area, and a date range); clicking a
// zone filters every widget, clicking a bar or slice highlights its features on the map.
// Everything a user typed is set with textContent, never as HTML.
(function () {
  "use strict";

  const page = JSON.parse(document.getElementById("dashboard-page").textContent);
  const english = document.documentElement.lang === "en";
  const locale = english ? "en-GB" : "th-TH";
  const palette = ["#0b6e4f", "#d35400", "#2980b9", "#8e44ad", "#c0392b", "#f1c40f", "#16a085", "#7f8c8d"];
  const unitOf = { count: "", sum: "", avg: "", length_km: english ? "km" : "กม.", area_rai: english ? "rai" : "ไร่", area_km2: english ? "km²" : "ตร.กม." };
  const filters = {};
  const charts = {};
  let map, zones, highlight, drawing, drawnLine;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function label(row) {
    return (english && row.label_en) || row.label_th;
  }

  function shown(row) {
    if (row.suppressed) return "<5";
    if (row.value === null || row.value === undefined) return "–";
    return Number(row.value).toLocaleString(locale, { maximumFractionDigits: 2 });
  }

  function query(extra) {
    const params = new URLSearchParams();
    Object.entries(Object.assign({}, filters, extra || {})).forEach(([key, value]) => value && params.set(key, value));
    return params.toString();
  }

  function bodyOf(spec) {
    return document.querySelector(`[data-widget="${spec.id}"] .widget-body`);
  }

  function say(body, text) {
    body.replaceChildren(el("p", text, "muted"));
  }

  async function load(spec) {
    const body = bodyOf(spec);
    if (spec.kind === "text") {
      body.replaceChildren(el("p", spec.text));
      return;
    }
    const link = body.parentElement.querySelector("a.csv");
    if (link) link.href = spec.csv_url + "?" + query();
    try {
      const response = await fetch(spec.data_url + "?" + query(), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json();
      if (!response.ok) {
        say(body, data.detail || Object.values(data).flat().join(" "));
        return;
      }
      (render[spec.kind] || render.kpi)(spec, body, data);
    } catch (error) {
      say(body, english ? "Could not load the figures." : "โหลดข้อมูลไม่สำเร็จ");
    }
  }

  function refresh() {
    const state = document.getElementById("dash-filter-state");
    const parts = [];
    if (filters.zone) parts.push(english ? "zone selected" : "เลือกเขตแล้ว");
    if (filters.area) parts.push(english ? "drawn area" : "พื้นที่ที่วาด");
    if (filters.from || filters.to) parts.push(`${filters.from || "…"} – ${filters.to || "…"}`);
    state.textContent = parts.join(" · ");
    page.widgets.forEach(load);
  }

  function colours(spec, n) {
    const base = spec.colors && spec.colors.length ? spec.colors : palette;
    return Array.from({ length: n }, (_, i) => base[i % base.length]);
  }

  function chart(spec, body, type, data, onPick) {
    if (charts[spec.id]) charts[spec.id].destroy();
    const canvas = el("canvas");
    body.replaceChildren(canvas);
    const rows = data.rows;
    charts[spec.id] = new Chart(canvas, {
      type: type,
      data: {
        labels: rows.map((row) => (row.suppressed ? `${label(row)} (<5)` : label(row))),
        datasets: [{
          label: unitOf[data.measure] || "",
          // A suppressed cell is drawn as nothing, and its tooltip says "<5".
          data: rows.map((row) => (row.suppressed ? null : row.value)),
          backgroundColor: type === "line" ? palette[0] : colours(spec, rows.length),
          borderColor: type === "line" ? palette[0] : undefined,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: type === "pie" || type === "doughnut" },
          tooltip: { callbacks: { label: (item) => `${shown(rows[item.dataIndex])} ${unitOf[data.measure] || ""}` } },
        },
        onClick: (event, elements) => elements.length && onPick && onPick(rows[elements[0].index]),
      },
    });
    if (data.total) body.append(el("p", `${english ? "Total" : "รวม"} ${shown(data.total)} ${unitOf[data.measure] || ""}`, "total"));
  }

  async function highlightFeatures(spec, row) {
    const response = await fetch(spec.features_url + "?" + query({ key: row.key }), { credentials: "same-origin" });
    if (!response.ok) return;
    const collection = await response.json();
    if (highlight) highlight.remove();
    highlight = L.geoJSON(collection, {
      style: { color: "#ff0080", weight: 6, opacity: 0.9 },
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 8, color: "#ff0080", weight: 3 }),
    }).addTo(map);
    if (collection.features.length) map.fitBounds(highlight.getBounds(), { maxZoom: 17, padding: [20, 20] });
  }

  const render = {
    kpi(spec, body, data) {
      body.replaceChildren(el("p", shown(data.total), "kpi"), el("p", unitOf[data.measure] || (english ? "features" : "รายการ"), "muted"));
    },
    bar(spec, body, data) {
      chart(spec, body, "bar", data, (row) => highlightFeatures(spec, row));
    },
    pie(spec, body, data) {
      chart(spec, body, "pie", data, (row) => highlightFeatures(spec, row));
    },
    line(spec, body, data) {
      chart(spec, body, "line", data, (row) => highlightFeatures(spec, row));
    },
    coverage(spec, body, data) {
      chart(spec, body, "doughnut", data);
      body.append(el("p", `${english ? "Radius" : "รัศมี"} ${Number(data.radius_m).toLocaleString(locale)} ${english ? "m" : "ม."}`, "muted"));
    },
    table(spec, body, data) {
      const table = el("table", null, "widget-table");
      const head = table.createTHead().insertRow();
      head.append(el("th", "#"));
      data.headers.forEach(([th, en]) => head.append(el("th", english ? en : th)));
      const rows = table.createTBody();
      const text = (column, value) => {
        if (value === null || value === undefined) return "";
        const choice = (data.choices[column] || {})[value];
        return choice ? choice[english ? 1 : 0] : String(value);
      };
      data.rows.forEach((row) => {
        const tr = rows.insertRow();
        tr.append(el("td", String(row.key)));
        row.values.forEach((value, i) => tr.append(el("td", text(data.columns[i], value))));
      });
      body.replaceChildren(table);
    },
    choropleth(spec, body, data) {
      const values = data.rows.map((row) => row.value || 0);
      const max = Math.max(1, ...values);
      const byZone = new Map(data.rows.map((row) => [row.key, row]));
      const shade = (row) => (row && row.value ? 0.15 + 0.7 * (row.value / max) : 0.05);
      if (zones) zones.eachLayer((layer) => layer.setStyle({ fillColor: colours(spec, 1)[0], fillOpacity: shade(byZone.get(layer.feature.id)) }));
      const list = el("ol", null, "zone-list");
      data.rows.slice().sort((a, b) => (b.value || 0) - (a.value || 0)).forEach((row) => {
        const item = el("li");
        item.append(el("span", label(row)), el("strong", `${shown(row)} ${unitOf[data.measure] || ""}`));
        list.append(item);
      });
      body.replaceChildren(list);
    },
  };

  function pickZone(feature, layer) {
    filters.zone = filters.zone === String(feature.id) ? "" : String(feature.id);
    delete filters.area;
    if (drawnLine) drawnLine.remove();
    zones.eachLayer((other) => other.setStyle({ weight: other === layer && filters.zone ? 4 : 1 }));
    refresh();
  }

  async function loadZones() {
    if (!page.zones_url) return;
    const response = await fetch(page.zones_url, { credentials: "same-origin" });
    if (!response.ok) return;
    zones = L.geoJSON(await response.json(), {
      style: { color: "#34495e", weight: 1, fillOpacity: 0.05 },
      onEachFeature: (feature, layer) => {
        const name = el("span", feature.properties.name_th || String(feature.id));
        layer.bindTooltip(name, { sticky: true });
        layer.on("click", () => pickZone(feature, layer));
      },
    }).addTo(map);
    if (!page.bounds && zones.getLayers().length) map.fitBounds(zones.getBounds());
  }

  // Drawing an area: click the corners, double-click to finish.
  function startDrawing() {
    drawing = [];
    map.doubleClickZoom.disable();
    if (drawnLine) drawnLine.remove();
    drawnLine = L.polygon([], { color: "#ff0080", dashArray: "4 4" }).addTo(map);
  }

  function finishDrawing() {
    map.doubleClickZoom.enable();
    const ring = drawing.map((latlng) => [latlng.lng, latlng.lat]);
    drawing = null;
    if (ring.length < 3) return;
    ring.push(ring[0]);
    filters.area = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    delete filters.zone;
    refresh();
  }

  function setUpMap() {
    map = L.map("dash-map");
    if (page.basemap_url) L.tileLayer(page.basemap_url, { maxZoom: 19, attribution: page.basemap_attribution || "" }).addTo(map);
    if (page.bounds) map.fitBounds([[page.bounds[1], page.bounds[0]], [page.bounds[3], page.bounds[2]]]);
    else map.setView([13.7, 100.0], 9);
    map.on("click", (event) => {
      if (!drawing) return;
      drawing.push(event.latlng);
      drawnLine.setLatLngs(drawing);
    });
    map.on("dblclick", () => drawing && finishDrawing());
    // The print layout resizes the map: Leaflet must measure it again.
    window.addEventListener("beforeprint", () => map.invalidateSize());
    window.matchMedia("print").addEventListener("change", () => map.invalidateSize());
    loadZones();
  }

  function setUpFilters() {
    const form = document.getElementById("dash-filters");
    form.addEventListener("change", (event) => {
      if (event.target.type !== "date") return;
      filters[event.target.name] = event.target.value;
      refresh();
    });
    form.addEventListener("click", (event) => {
      const action = event.target.dataset && event.target.dataset.action;
      if (action === "draw") startDrawing();
      if (action === "print") window.print();
      if (action === "clear") {
        Object.keys(filters).forEach((key) => delete filters[key]);
        form.querySelectorAll("input").forEach((input) => (input.value = ""));
        [drawnLine, highlight].forEach((layer) => layer && layer.remove());
        if (zones) zones.eachLayer((layer) => layer.setStyle({ weight: 1 }));
        refresh();
      }
    });
  }

  Chart.defaults.font.family = "Sarabun, sans-serif";
  setUpMap();
  setUpFilters();
  refresh();
})();
