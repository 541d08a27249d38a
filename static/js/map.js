/* A municipality's map. The layers and features come from the API, which answers only
   with what this user may see. Which layers are on, the basemap and the view live in the
   URL, so a link shows someone else the same map. */
import { VectorTileLayer } from "./vector-tiles.js";

const { gettext, el, inLanguage, lang } = GIS;
const config = GIS.readConfig("map-config");
// Above this many features a layer is drawn from its vector tiles (vector-tiles.js), a
// view's worth at a time; smaller ones are read whole as GeoJSON, once.
const BIG_LAYER = 2000;
// Above this many points a GeoJSON layer is clustered: hundreds of markers overlap.
const CLUSTER_POINTS = 500;
const params = new URLSearchParams(location.search);
const container = document.getElementById("map");
const numbers = new Intl.NumberFormat(lang === "th" ? "th-TH" : "en-GB");

// Canvas draws thousands of lines and dots far faster than one SVG element each.
// A fixed maxZoom: with no basemap nothing else sets one, and clustering needs it.
const map = L.map(container, { preferCanvas: true, zoomSnap: 0.5, maxZoom: 22 });
GIS.map = map; // for the browser tests and for a look from the console
const home = config.municipality.bbox
  ? L.latLngBounds([config.municipality.bbox[1], config.municipality.bbox[0]], [config.municipality.bbox[3], config.municipality.bbox[2]])
  : L.latLngBounds([5.6, 97.3], [20.5, 105.7]);
const at = (params.get("at") || "").split("/").map(Number);
if (at.length === 3 && at.every(Number.isFinite)) map.setView([at[1], at[2]], at[0]);
else map.fitBounds(home);

// One canvas per geometry kind, so that points stay above lines and lines above areas
// whichever layer happens to load first.
const PANES = { Polygon: "areas", LineString: "lines", Point: "points" };
Object.values(PANES).forEach((name, i) => (map.createPane(name).style.zIndex = String(401 + i)));

if (config.boundary) {
  L.geoJSON(JSON.parse(config.boundary), {
    style: { color: "#0b6e4f", weight: 2, dashArray: "6 4", fill: false },
    interactive: false,
  }).addTo(map);
}

let basemap = params.get("base");
document.getElementById("basemap").append(
  GIS.basemapControl(map, config.basemaps, basemap, (id) => {
    basemap = id;
    saveState();
  })
);

/* ---- URL state ---------------------------------------------------------------- */
const layers = new Map(); // id -> state
let shownFeature = params.get("feature");
function saveState() {
  const query = new URLSearchParams();
  const on = [...layers.values()].filter((s) => s.on).map((s) => s.meta.id);
  if (layers.size) query.set("layers", on.join(","));
  if (basemap) query.set("base", basemap);
  if (shownFeature) query.set("feature", shownFeature);
  const c = map.getCenter();
  query.set("at", `${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
  history.replaceState(null, "", "?" + query.toString().replaceAll("%2C", ",").replaceAll("%2F", "/"));
}
map.on("moveend", saveState);

/* ---- controls: home, locate, scale, pointer coordinates ------------------------- */
const Buttons = L.Control.extend({
  onAdd() {
    const bar = el("div", { class: "leaflet-bar map-buttons" });
    const zoomHome = el("button", { type: "button", title: gettext("ทั้งเทศบาล"), "aria-label": gettext("ทั้งเทศบาล") }, "⌂");
    zoomHome.addEventListener("click", () => map.fitBounds(home));
    const locate = el("button", { type: "button", title: gettext("ตำแหน่งของฉัน"), "aria-label": gettext("ตำแหน่งของฉัน") }, "◎");
    locate.addEventListener("click", () => map.locate({ setView: true, maxZoom: 17 }));
    bar.append(zoomHome, locate);
    L.DomEvent.disableClickPropagation(bar);
    return bar;
  },
});
new Buttons({ position: "topleft" }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);
let here = null;
map.on("locationfound", (event) => {
  if (here) map.removeLayer(here);
  here = L.circle(event.latlng, { radius: event.accuracy, color: "#1565c0", weight: 2, fillOpacity: 0.1 }).addTo(map);
});
map.on("locationerror", () => status(gettext("หาตำแหน่งไม่ได้ (ต้องอนุญาตให้เว็บใช้ตำแหน่ง)")));

const Coordinates = L.Control.extend({
  onAdd() {
    this.box = el("div", { class: "coordinates", "aria-live": "off" }, gettext("ชี้บนแผนที่เพื่อดูพิกัด"));
    return this.box;
  },
});
const coordinates = new Coordinates({ position: "bottomright" }).addTo(map);
map.on("mousemove", (event) => {
  const { lat, lng } = event.latlng;
  const zone = config.municipality.utm_zone;
  const [e, n] = GIS.toUtm(lng, lat, zone);
  coordinates.box.textContent = `${lat.toFixed(6)}, ${lng.toFixed(6)} · UTM ${zone}N ${e.toFixed(0)} E ${n.toFixed(0)} N`;
});

const statusBox = document.getElementById("map-status");
function status(text) {
  statusBox.textContent = text;
}

/* ---- details: popup and side panel ---------------------------------------------- */
const details = document.getElementById("details");
let highlight = null;
function showDetails(state, feature, latlng) {
  const { schema } = state.meta;
  const title = GIS.featureLabel(schema, feature.properties, feature.id);
  const layerName = inLanguage(state.meta, "name");

  const popup = el("div", { class: "popup" });
  popup.append(el("strong", {}, title), el("div", { class: "muted" }, layerName), GIS.propertyTable(schema, feature.properties, 3));
  L.popup({ maxWidth: 280 }).setLatLng(latlng).setContent(popup).openOn(map);

  const close = el("button", { type: "button", class: "close", "aria-label": gettext("ปิด"), title: gettext("ปิด") }, "×");
  close.addEventListener("click", clearDetails);
  details.replaceChildren(
    close,
    el("h2", {}, title),
    el("p", { class: "muted" }, `${layerName} · #${feature.id}`),
    GIS.propertyTable(schema, feature.properties)
  );
  details.hidden = false;
  shownFeature = String(feature.id);
  saveState();
  if (highlight) map.removeLayer(highlight);
  highlight = L.geoJSON(feature, {
    style: { color: "#00e5ff", weight: 6, opacity: 0.7, fill: false },
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 12, color: "#00e5ff", weight: 3, fill: false }),
    interactive: false,
  }).addTo(map);
}

function clearDetails() {
  details.hidden = true;
  details.replaceChildren();
  shownFeature = null;
  saveState();
  map.closePopup();
  if (highlight) map.removeLayer(highlight);
  highlight = null;
}

/* ---- layers -------------------------------------------------------------------- */
function legendSymbol(meta) {
  const style = meta.style || {};
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 20 14");
  svg.setAttribute("class", "legend");
  svg.setAttribute("aria-hidden", "true");
  let shape;
  if (meta.geometry_type === "Point") {
    shape = document.createElementNS(ns, "circle");
    Object.entries({ cx: 10, cy: 7, r: 5 }).forEach(([k, v]) => shape.setAttribute(k, v));
  } else if (meta.geometry_type === "LineString") {
    shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", "M1 11 L7 4 L13 9 L19 3");
    shape.setAttribute("fill", "none");
  } else {
    shape = document.createElementNS(ns, "rect");
    Object.entries({ x: 2, y: 2, width: 16, height: 10 }).forEach(([k, v]) => shape.setAttribute(k, v));
  }
  shape.setAttribute("stroke", style.color || "#3388ff");
  shape.setAttribute("stroke-width", Math.min(style.weight || 2, 4));
  if (style.dashArray) shape.setAttribute("stroke-dasharray", style.dashArray);
  if (meta.geometry_type !== "LineString") {
    shape.setAttribute("fill", style.fillColor || style.color || "#3388ff");
    shape.setAttribute("fill-opacity", Math.max(style.fillOpacity ?? 0.2, 0.15));
  }
  svg.append(shape);
  return svg;
}

function geoJsonLayer(state) {
  const style = { ...state.meta.style, pane: PANES[state.meta.geometry_type] || "overlayPane" };
  return L.geoJSON(null, {
    style: () => style,
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 6, ...style }),
    onEachFeature: (feature, layer) =>
      layer.on("click", (event) => {
        L.DomEvent.stopPropagation(event); // not again by the tiles' click below
        showDetails(state, feature, event.latlng);
      }),
  });
}

function draw(state, collection) {
  state.group.clearLayers();
  const features = geoJsonLayer(state);
  features.addData(collection);
  if (state.cluster) state.group.addLayers(features.getLayers());
  else state.group.addLayer(features);
  featuresDrawn(state, collection.features.length);
}

function tilesDrawn(state) {
  state.note.textContent = state.group.capped() ? gettext("แสดงบางส่วน ซูมเข้าเพื่อดูทั้งหมด") : gettext("แสดงเฉพาะในกรอบแผนที่");
  featuresDrawn(state, state.group.count());
}

function featuresDrawn(state, count) {
  state.drawn = count;
  drawnChanged();
  if (!performance.getEntriesByName("gis:first-features").length && count) performance.mark("gis:first-features");
}

function drawnChanged() {
  const total = [...layers.values()].filter((s) => s.on).reduce((sum, s) => sum + s.drawn, 0);
  container.dataset.drawn = String(total);
}

// How many layer requests are under way, on the map element for anyone waiting on it.
let pending = 0;
function busy(change) {
  pending += change;
  container.dataset.loading = String(pending);
}

async function load(state) {
  if (state.abort) state.abort.abort();
  state.abort = new AbortController();
  const url = new URL(state.meta.features_url, location.href);
  state.item.classList.add("loading");
  busy(+1);
  try {
    const response = await fetch(url.pathname + url.search, { signal: state.abort.signal });
    if (!response.ok) throw new Error(response.status);
    const collection = await response.json();
    if (state.on) draw(state, collection);
    state.loaded = true;
  } catch (error) {
    if (error.name !== "AbortError") status(gettext("โหลดชั้นข้อมูลไม่สำเร็จ") + ": " + inLanguage(state.meta, "name"));
  } finally {
    state.item.classList.remove("loading");
    busy(-1);
  }
}

function setOn(state, on) {
  state.on = on;
  state.checkbox.checked = on;
  if (on) {
    map.addLayer(state.group);
    if (state.mode === "all" && !state.loaded) load(state);
  } else {
    map.removeLayer(state.group);
    if (state.abort) state.abort.abort();
  }
  drawnChanged();
  saveState();
}

/* A click on a tiled layer: the tiles say which feature is there (points above lines
   above areas), the API gives the whole of it. */
function tiledFeatureAt(latlng) {
  for (const kind of ["Point", "LineString", "Polygon"]) {
    for (const state of layers.values()) {
      if (!state.on || state.mode !== "tiles" || state.meta.geometry_type !== kind) continue;
      const id = state.group.featureAt(latlng);
      if (id !== null) return { state, id };
    }
  }
  return null;
}
// Tiles are pictures: the pointer shows where a click finds something.
map.on("mousemove", (event) => (container.style.cursor = tiledFeatureAt(event.latlng) ? "pointer" : ""));
map.on("click", async (event) => {
  const hit = tiledFeatureAt(event.latlng);
  if (!hit) return;
  try {
    showDetails(hit.state, await fetchFeature(hit.id), event.latlng);
  } catch (error) {
    status(gettext("โหลดชั้นข้อมูลไม่สำเร็จ") + ": " + inLanguage(hit.state.meta, "name"));
  }
});

function layerItem(state) {
  const { meta } = state;
  const item = el("li", { class: "layer", "data-layer-id": meta.id, "data-layer-slug": meta.slug });
  const label = el("label");
  state.checkbox = el("input", { type: "checkbox" });
  state.checkbox.addEventListener("change", () => setOn(state, state.checkbox.checked));
  label.append(state.checkbox, legendSymbol(meta), el("span", { class: "name" }, inLanguage(meta, "name")),
    // Above 5,000 features the API gives PostgreSQL's estimate rather than counting.
    el("span", { class: "count" }, (meta.feature_count_estimated ? "≈ " : "") + numbers.format(meta.feature_count)));
  if (meta.access !== "public") label.append(el("span", { class: "badge " + meta.access }, meta.access === "internal" ? gettext("ภายใน") : gettext("จำกัดสิทธิ์")));
  state.note = el("div", { class: "note" });
  item.append(label, state.note);
  state.item = item;
  return item;
}

function layerGroup(state) {
  const { meta } = state;
  if (state.mode === "tiles") {
    return new VectorTileLayer({
      url: config.api.tile.replace("/0/0/0/0.mvt", `/${meta.id}/{z}/{x}/{y}.mvt`),
      name: meta.slug,
      style: meta.style || {},
      pane: PANES[meta.geometry_type] || "overlayPane",
      busy,
      changed: () => tilesDrawn(state),
    }).on("tileerror", () => status(gettext("โหลดชั้นข้อมูลไม่สำเร็จ") + ": " + inLanguage(meta, "name")));
  }
  return state.cluster ? L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: 19 }) : L.layerGroup();
}

function buildTree(metas) {
  const tree = document.getElementById("layer-tree");
  const wanted = params.has("layers") ? new Set(params.get("layers").split(",").filter(Boolean).map(Number)) : null;
  const byCategory = new Map(config.categories.map(([value]) => [value, []]));
  for (const meta of metas) {
    const state = {
      meta,
      on: false,
      loaded: false,
      drawn: 0,
      mode: meta.feature_count > BIG_LAYER ? "tiles" : "all",
    };
    state.cluster = state.mode === "all" && meta.geometry_type === "Point" && meta.feature_count > CLUSTER_POINTS;
    state.group = layerGroup(state);
    layers.set(meta.id, state);
    (byCategory.get(meta.category) || byCategory.get("other")).push(state);
  }
  tree.replaceChildren();
  for (const [value, label] of config.categories) {
    const states = byCategory.get(value);
    if (!states.length) continue;
    const group = el("li", { class: "category" });
    const list = el("ul");
    states.forEach((state) => list.append(layerItem(state)));
    group.append(el("h3", {}, label), list);
    tree.append(group);
  }
  if (!metas.length) tree.append(el("li", { class: "muted" }, gettext("ไม่มีชั้นข้อมูลที่คุณดูได้")));
  layers.forEach((state) => setOn(state, wanted ? wanted.has(state.meta.id) : true));
  container.dataset.ready = "true";
}

/* ---- search -------------------------------------------------------------------- */
const searchBox = document.getElementById("search");
const results = document.getElementById("search-results");
let searching = null;
async function search() {
  const text = searchBox.value.trim();
  if (searching) searching.abort();
  if (!text) return results.replaceChildren();
  searching = new AbortController();
  const url = `${config.api.search}?${new URLSearchParams({ q: text, municipality: config.municipality.slug })}`;
  try {
    const hits = (await (await fetch(url, { signal: searching.signal })).json()).results;
    results.replaceChildren(...hits.map(resultItem));
    if (!hits.length) results.append(el("li", { class: "muted" }, gettext("ไม่พบ")));
  } catch (error) {
    if (error.name !== "AbortError") status(gettext("ค้นหาไม่สำเร็จ"));
  }
}
function resultItem(hit) {
  const button = el("button", { type: "button" });
  button.append(el("span", {}, hit.label), el("small", {}, inLanguage(hit, "layer_name")));
  button.addEventListener("click", () => open(hit));
  const item = el("li");
  item.append(button);
  return item;
}
async function open(hit) {
  const state = layers.get(hit.layer);
  if (!state) return;
  if (!state.on) setOn(state, true);
  const [w, s, e, n] = hit.bbox;
  map.fitBounds([[s, w], [n, e]], { maxZoom: 18 });
  const feature = await fetchFeature(hit.id);
  showDetails(state, feature, L.latLng(hit.point[1], hit.point[0]));
}
async function fetchFeature(id) {
  const response = await fetch(config.api.feature.replace("/0/", `/${encodeURIComponent(id)}/`));
  if (!response.ok) throw new Error(response.status);
  return response.json();
}
/* A shared link may name a feature (?feature=id): show it, if this user may see it. */
async function openShared(id) {
  try {
    const feature = await fetchFeature(id);
    const state = layers.get(feature.layer);
    if (!state) return;
    if (!state.on) setOn(state, true);
    const bounds = L.geoJSON(feature).getBounds();
    if (!params.has("at")) map.fitBounds(bounds, { maxZoom: 18 });
    showDetails(state, feature, bounds.getCenter());
  } catch (error) {
    shownFeature = null;
    saveState();
    status(gettext("ไม่พบข้อมูลที่ลิงก์ระบุ หรือคุณไม่มีสิทธิ์ดู"));
  }
}
searchBox.addEventListener("input", GIS.debounce(search, 300));
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});

/* ---- start --------------------------------------------------------------------- */
fetch(config.api.layers)
  .then((response) => {
    if (!response.ok) throw new Error(response.status);
    return response.json();
  })
  .then(buildTree)
  .then(() => shownFeature && openShared(shownFeature))
  .catch(() => status(gettext("โหลดรายชื่อชั้นข้อมูลไม่สำเร็จ")));
