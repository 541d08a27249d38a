/* Shared by every map page: page data, language, basemaps, value formatting.
   Everything a user or an admin typed reaches the page through textContent or
   setAttribute, never as HTML. */
(function () {
  "use strict";
  const lang = document.documentElement.lang === "en" ? "en" : "th";
  // gettext comes from Django's JavaScript catalogue (/jsi18n/); without it, Thai.
  const gettext = window.gettext || ((text) => text);

  function readConfig(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  /* `base_th` or `base_en` of an object in the page's language, else the other one. */
  function inLanguage(item, base) {
    const first = item[base + "_" + lang], second = item[base + "_" + (lang === "th" ? "en" : "th")];
    return first || second || "";
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* Leaflet writes attributions as HTML: an admin's text is escaped first. */
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function tileLayer(option) {
    return L.tileLayer(option.url, {
      maxZoom: 22,
      maxNativeZoom: option.max_zoom,
      attribution: escapeHtml(option.attribution || ""),
    });
  }

  /* The basemap picker: the municipality's sources plus "no basemap" (works offline).
     Calls onChange(id or "none") after a change. */
  function basemapControl(map, basemaps, chosen, onChange) {
    const byId = new Map(basemaps.options.map((option) => [String(option.id), option]));
    let current = null;
    const select = el("select", { "aria-label": gettext("แผนที่ฐาน"), class: "basemap-select" });
    select.append(el("option", { value: "none" }, gettext("ไม่มีแผนที่ฐาน")));
    for (const option of basemaps.options) select.append(el("option", { value: String(option.id) }, inLanguage(option, "name")));

    function show(id) {
      if (current) map.removeLayer(current);
      current = byId.has(id) ? tileLayer(byId.get(id)).addTo(map) : null;
      select.value = current ? id : "none";
    }
    const start = chosen && (chosen === "none" || byId.has(chosen)) ? chosen : String(basemaps.default ?? "none");
    show(start);
    select.addEventListener("change", () => {
      show(select.value);
      if (onChange) onChange(select.value);
    });
    return select;
  }

  /* The basemap picker as a control in the map's corner, for the smaller maps. */
  function basemapOnMap(map, basemaps) {
    const Picker = L.Control.extend({
      onAdd() {
        const box = el("div", { class: "leaflet-bar basemap-control" });
        box.append(basemapControl(map, basemaps, null));
        L.DomEvent.disableClickPropagation(box);
        return box;
      },
    });
    new Picker({ position: "topright" }).addTo(map);
  }

  const dateFormat = new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium" });
  const numberFormat = new Intl.NumberFormat(lang === "th" ? "th-TH" : "en-GB", { maximumFractionDigits: 3 });

  /* A node showing a property value as people read it: a choice by its label, yes/no in
     words, numbers with their unit, dates in the Buddhist era in Thai, links as links. */
  function valueNode(field, value) {
    if (field.type === "choice") {
      const choice = (field.choices || []).find((c) => c.value === value);
      return document.createTextNode(choice ? inLanguage(choice, "label") : String(value));
    }
    if (field.type === "boolean") return document.createTextNode(value ? gettext("ใช่") : gettext("ไม่ใช่"));
    if (field.type === "number" || field.type === "integer") {
      return document.createTextNode(numberFormat.format(value) + (field.unit ? " " + field.unit : ""));
    }
    if (field.type === "date") {
      const day = new Date(value + "T00:00:00");
      return document.createTextNode(isNaN(day) ? String(value) : dateFormat.format(day));
    }
    if (field.type === "url" && /^https?:\/\//i.test(String(value))) {
      return el("a", { href: String(value), rel: "noopener noreferrer", target: "_blank" }, String(value));
    }
    return document.createTextNode(String(value));
  }

  /* A table of a feature's properties under the schema's labels, in the schema's order. */
  function propertyTable(schema, properties, only) {
    const table = el("table", { class: "properties" });
    const fields = schema.filter((field) => properties[field.name] !== undefined && properties[field.name] !== null && properties[field.name] !== "");
    for (const field of only ? fields.slice(0, only) : fields) {
      const row = table.insertRow();
      row.append(el("th", { scope: "row" }, inLanguage(field, "label")));
      const cell = row.insertCell();
      cell.append(valueNode(field, properties[field.name]));
    }
    return table;
  }

  /* The name people call a feature by: its name, else its first text value. */
  function featureLabel(schema, properties, id) {
    const name = inLanguage(properties, "name");
    if (name) return String(name);
    const text = schema.find((field) => field.type === "text" && properties[field.name]);
    return text ? String(properties[text.name]) : "#" + id;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  window.GIS = { lang, gettext, readConfig, inLanguage, el, basemapControl, basemapOnMap, valueNode, propertyTable, featureLabel, debounce };
})();
