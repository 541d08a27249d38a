/* The field editor: draw and edit features of one layer, fill their form, attach photos,
   work offline, see history and settle conflicts. All data goes through /api/v1/. */
"use strict";

(function () {
  const root = document.getElementById("editor");
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const { text, label, message } = window.EditorForm;
  const Store = window.EditorStore;
  const user = root.dataset.user;
  const csrf = root.dataset.csrf;
  const $ = (id) => document.getElementById(id);

  const DRAW_SHAPE = { Point: "Marker", LineString: "Line", Polygon: "Polygon" };
  const MAX_PHOTO_SIDE = 2048;
  const THEIRS = { color: "#e67e22", weight: 5, radius: 9 };
  const MINE = { color: "#1f6feb", weight: 3, radius: 6, dashArray: "6 4" };

  // ---- map -----------------------------------------------------------------------
  const map = L.map("map", { zoomControl: true }).setView(data.municipality.center || [13.7, 100.3], 15);
  if (root.dataset.basemapUrl) {
    L.tileLayer(root.dataset.basemapUrl, { maxZoom: 20, attribution: "© OpenStreetMap" }).addTo(map);
  }
  map.pm.setGlobalOptions({ snappable: true, snapDistance: 25, allowSelfIntersection: false });
  const featuresLayer = L.featureGroup().addTo(map);
  const overlay = L.featureGroup().addTo(map); // history and conflict geometries
  let gpsMarker = null;

  // ---- state ---------------------------------------------------------------------
  let layer = null;          // the chosen layer's definition from the page data
  let editing = null;        // {shape: Leaflet layer, feature: GeoJSON or null (new)}
  let undoStack = [];        // geometry snapshots of the shape being edited
  let photos = [];           // [{blob, name, taken_at, lon, lat}] waiting to be uploaded
  let acceptedWarnings = ""; // the body whose warnings the user has seen
  let conflict = null;       // {current, currentVersion, mine}
  let lastPosition = null;
  let walk = null;           // {watch, paused, line}

  function draftKey() { return `${user}:${data.municipality.slug}`; }

  function setStatus(value, kind) {
    $("status").textContent = value;
    $("status").dataset.kind = kind || "";
  }

  function show(panelId) {
    for (const id of ["panel", "history", "deleted", "conflict"]) $(id).hidden = id !== panelId;
    $("tools").hidden = panelId !== null;
    map.invalidateSize(); // the panels take part of the map's height
  }

  async function api(method, url, body) {
    const options = { method, credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    const content = response.status === 204 ? null : await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, data: content };
  }

  // ---- layers and features ---------------------------------------------------------
  for (const item of data.layers) $("layer-select").append(new Option(label({ label_th: item.name_th, label_en: item.name_en }), item.id));
  $("layer-select").addEventListener("change", () => chooseLayer(Number($("layer-select").value)));

  function styleFor(def) {
    return Object.assign({ color: "#0b6e4f", weight: 3, radius: 6 }, def.style || {});
  }

  // A Leaflet shape for a GeoJSON geometry; without a style, points become draggable markers.
  function toShape(geometry, style) {
    const options = { pointToLayer: (_, latlng) => (style ? L.circleMarker(latlng, style) : L.marker(latlng)) };
    if (style) options.style = () => style;
    return L.geoJSON(geometry, options).getLayers()[0];
  }

  async function loadFeatures() {
    const chosen = layer;
    const response = await api("GET", `/api/v1/layers/${chosen.id}/features/`).catch(() => null);
    // A quicker switch to another layer wins over this slower answer.
    if (!response || !response.ok || chosen !== layer) return;
    featuresLayer.clearLayers();
    for (const feature of response.data.features) {
      const shape = toShape(feature.geometry, styleFor(layer));
      shape.feature = feature;
      shape.on("click", () => { if (!editing) startEdit(shape, feature); });
      featuresLayer.addLayer(shape);
    }
    if (featuresLayer.getLayers().length && !data.municipality.center) map.fitBounds(featuresLayer.getBounds(), { maxZoom: 17 });
  }

  function chooseLayer(id) {
    layer = data.layers.find((item) => item.id === id);
    $("layer-select").value = String(id);
    $("gps-point-button").hidden = layer.geometry_type !== "Point";
    $("walk-button").hidden = layer.geometry_type !== "LineString";
    return loadFeatures();
  }

  // ---- drawing and editing --------------------------------------------------------
  $("draw-button").addEventListener("click", () => {
    map.pm.enableDraw(DRAW_SHAPE[layer.geometry_type], { snappable: true });
    setStatus(text("แตะบนแผนที่เพื่อวาด", "Tap the map to draw"));
  });

  map.on("pm:create", (event) => {
    map.pm.disableDraw();
    startEdit(event.layer, null);
  });

  function snapshot() { return editing.shape.toGeoJSON().geometry; }

  function pushUndo() {
    undoStack.push(snapshot());
    $("undo-button").disabled = undoStack.length < 2;
    autosave();
  }

  function setGeometry(shape, geometry) {
    const fresh = L.GeoJSON.geometryToLayer({ type: "Feature", geometry, properties: {} });
    if (shape.setLatLng) shape.setLatLng(fresh.getLatLng());
    else shape.setLatLngs(fresh.getLatLngs());
  }

  $("undo-button").addEventListener("click", () => {
    if (undoStack.length < 2) return;
    undoStack.pop();
    // Re-enable editing so the vertex handles follow the restored geometry.
    editing.shape.pm.disable();
    setGeometry(editing.shape, undoStack[undoStack.length - 1]);
    editing.shape.pm.enable({ draggable: true, snappable: true });
    $("undo-button").disabled = undoStack.length < 2;
    autosave();
  });

  function startEdit(shape, feature, values) {
    editing = { shape, feature };
    if (!featuresLayer.hasLayer(shape)) featuresLayer.addLayer(shape);
    if (shape.setStyle) shape.setStyle({ color: MINE.color });
    shape.pm.enable({ draggable: true, snappable: true });
    shape.on("pm:edit pm:dragend", pushUndo);
    undoStack = [];
    photos = [];
    acceptedWarnings = "";
    $("form-title").textContent = feature ? `${label({ label_th: layer.name_th, label_en: layer.name_en })} #${feature.id}` : text("เพิ่มใหม่", "New feature");
    window.EditorForm.build($("fields"), layer.schema, values || (feature ? feature.properties : {}), autosave);
    $("check-messages").replaceChildren();
    $("delete-button").hidden = !feature;
    $("history-button").hidden = !feature;
    renderPhotos();
    if (feature) loadAttachments(feature.id);
    show("panel");
    // Keep the shape in view above the form, which now covers the lower part of the screen.
    if (shape.getBounds) map.fitBounds(shape.getBounds(), { maxZoom: 18, padding: [30, 30] });
    else map.panTo(shape.getLatLng());
    pushUndo(); // the first snapshot, taken once the form exists (it autosaves both)
  }

  function stopEdit() {
    if (editing) {
      editing.shape.off("pm:edit pm:dragend", pushUndo);
      editing.shape.pm.disable();
    }
    editing = null;
    overlay.clearLayers();
    Store.dropDraft(draftKey());
    show(null);
    return loadFeatures();
  }

  $("cancel-button").addEventListener("click", stopEdit);

  function autosave() {
    if (!editing) return;
    Store.saveDraft(draftKey(), {
      layer: layer.id,
      feature: editing.feature,
      geometry: snapshot(),
      properties: window.EditorForm.read($("fields"), layer.schema),
    });
  }

  function restoreDraft() {
    const draft = Store.loadDraft(draftKey());
    if (!draft || !data.layers.some((item) => item.id === draft.layer)) return;
    chooseLayer(draft.layer).then(() => {
      const shape = toShape(draft.geometry, null);
      startEdit(shape, draft.feature, draft.properties);
      setStatus(text("กู้คืนแบบฟอร์มที่ยังไม่ได้บันทึก", "Restored the unsaved form"));
    });
  }

  // ---- saving -----------------------------------------------------------------------
  function showMessages(errors, warnings) {
    const box = $("check-messages");
    box.replaceChildren();
    const general = window.EditorForm.showErrors($("fields"), box, errors);
    for (const [kind, list] of [["error", general], ["warning", (warnings || []).map(message)]]) {
      for (const item of list) {
        const p = document.createElement("p");
        p.className = kind;
        p.textContent = item;
        box.append(p);
      }
    }
  }

  function currentBody() {
    return { type: "Feature", geometry: snapshot(), properties: window.EditorForm.read($("fields"), layer.schema) };
  }

  $("feature-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = currentBody();
    if (navigator.onLine) {
      const check = await api("POST", `/api/v1/layers/${layer.id}/check/`, body).catch(() => null);
      if (check && check.ok) {
        const { errors, warnings } = check.data;
        showMessages(errors, warnings);
        if (Object.keys(errors).length) return setStatus(text("ยังบันทึกไม่ได้ แก้ตามข้อความ", "Not saved: see the messages"), "error");
        // Warnings do not stop a save, but the user sees them once before it happens.
        if (warnings.length && acceptedWarnings !== JSON.stringify(body)) {
          acceptedWarnings = JSON.stringify(body);
          return setStatus(text("มีคำเตือน กดบันทึกอีกครั้งเพื่อยืนยัน", "Warnings: press save again to confirm"), "warning");
        }
      }
    }
    await send(body, editing.feature ? editing.feature.version : null);
  });

  function requestFor(body, version) {
    if (!editing.feature) return { method: "POST", url: `/api/v1/layers/${layer.id}/features/`, body };
    return { method: "PUT", url: `/api/v1/features/${editing.feature.id}/`, body: Object.assign({ version }, body) };
  }

  async function send(body, version) {
    const request = requestFor(body, version);
    let response;
    try {
      response = await api(request.method, request.url, request.body);
    } catch (error) {
      response = null; // no connection
    }
    if (!response) {
      await Store.add({ user, request, photos });
      await showPending();
      setStatus(text("ไม่มีสัญญาณ เก็บไว้ส่งภายหลัง", "Offline: kept to send later"), "warning");
      return stopEdit();
    }
    if (response.status === 409) return showConflict(response.data, body);
    if (!response.ok) {
      showMessages(response.data, []);
      return setStatus(text("ยังบันทึกไม่ได้", "Not saved"), "error");
    }
    await uploadPhotos(response.data.id, photos);
    setStatus(text("บันทึกแล้ว", "Saved"), "ok");
    return stopEdit();
  }

  $("delete-button").addEventListener("click", async () => {
    if (!window.confirm(text("ลบรายการนี้?", "Delete this feature?"))) return;
    const response = await api("DELETE", `/api/v1/features/${editing.feature.id}/`, { version: editing.feature.version });
    if (response.status === 409) return showConflict(response.data, currentBody());
    setStatus(text("ลบแล้ว", "Deleted"), "ok");
    return stopEdit();
  });

  // ---- photos -----------------------------------------------------------------------
  // Phones take 12-megapixel photos; a 2048 px JPEG is plenty for a record and uploads
  // over a weak connection.
  async function resize(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  }

  // Where the photo was taken: a fresh fix if the device gives one quickly, else the last.
  function photoPosition() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(lastPosition);
      navigator.geolocation.getCurrentPosition(
        (position) => resolve(position.coords),
        () => resolve(lastPosition),
        { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 },
      );
    });
  }

  $("photo-input").addEventListener("change", async (event) => {
    const files = Array.from(event.target.files);
    event.target.value = "";
    const position = await photoPosition();
    for (const file of files) {
      photos.push({
        blob: await resize(file),
        name: file.name.replace(/\.[^.]*$/, "") + ".jpg",
        taken_at: new Date(file.lastModified || Date.now()).toISOString(),
        lon: position ? position.longitude : null,
        lat: position ? position.latitude : null,
      });
    }
    renderPhotos();
  });

  function photoItem(src, caption) {
    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = src;
    img.alt = caption;
    const note = document.createElement("figcaption");
    note.textContent = caption;
    figure.append(img, note);
    return figure;
  }

  function renderPhotos(stored) {
    const list = $("photo-list");
    list.querySelectorAll("[data-new]").forEach((el) => el.remove());
    for (const item of stored || []) list.append(photoItem(item.thumbnail_url, item.original_name));
    if (!stored) {
      if (!editing || !editing.feature) list.replaceChildren();
      for (const photo of photos) {
        const figure = photoItem(URL.createObjectURL(photo.blob), text("รอส่ง: ", "To upload: ") + photo.name);
        figure.dataset.new = "1";
        list.append(figure);
      }
    }
  }

  async function loadAttachments(featureId) {
    $("photo-list").replaceChildren();
    const response = await api("GET", `/api/v1/features/${featureId}/attachments/`).catch(() => null);
    if (response && response.ok) renderPhotos(response.data);
  }

  async function uploadPhotos(featureId, list) {
    for (const photo of list) {
      const form = new FormData();
      form.append("file", photo.blob, photo.name);
      form.append("taken_at", photo.taken_at);
      if (photo.lon !== null) {
        form.append("lon", photo.lon);
        form.append("lat", photo.lat);
      }
      await api("POST", `/api/v1/features/${featureId}/attachments/`, form);
    }
  }

  // ---- GPS: a point here, or a line by walking --------------------------------------
  function showPosition(position) {
    lastPosition = position.coords;
    const latlng = [position.coords.latitude, position.coords.longitude];
    if (gpsMarker) gpsMarker.remove();
    gpsMarker = L.circle(latlng, { radius: position.coords.accuracy, color: "#1f6feb", weight: 1, pmIgnore: true }).addTo(map);
    $("gps-info").hidden = false;
    $("gps-info").textContent = text(`ความแม่นยำ GPS ±${Math.round(position.coords.accuracy)} ม.`, `GPS accuracy ±${Math.round(position.coords.accuracy)} m`);
    return latlng;
  }

  function gpsFailed() { setStatus(text("หาตำแหน่ง GPS ไม่ได้", "No GPS position"), "error"); }

  $("gps-point-button").addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((position) => {
      const latlng = showPosition(position);
      map.setView(latlng, Math.max(map.getZoom(), 18));
      startEdit(L.marker(latlng), null);
    }, gpsFailed, { enableHighAccuracy: true, timeout: 20000 });
  });

  function walkButtons() {
    $("walk-button").hidden = Boolean(walk) || layer.geometry_type !== "LineString";
    $("walk-pause").hidden = !walk;
    $("walk-finish").hidden = !walk;
    $("walk-pause").textContent = walk && walk.paused ? text("เดินต่อ", "Resume") : text("หยุดชั่วคราว", "Pause");
  }

  $("walk-button").addEventListener("click", () => {
    walk = { paused: false, line: L.polyline([], { color: MINE.color, pmIgnore: true }).addTo(map) };
    walk.watch = navigator.geolocation.watchPosition((position) => {
      const latlng = showPosition(position);
      if (!walk.paused) walk.line.addLatLng(latlng);
    }, gpsFailed, { enableHighAccuracy: true });
    walkButtons();
  });

  $("walk-pause").addEventListener("click", () => { walk.paused = !walk.paused; walkButtons(); });

  $("walk-finish").addEventListener("click", () => {
    navigator.geolocation.clearWatch(walk.watch);
    const points = walk.line.getLatLngs();
    walk.line.remove();
    walk = null;
    walkButtons();
    if (points.length < 2) return setStatus(text("เส้นทางสั้นเกินไป", "Too few points for a line"), "error");
    startEdit(L.polyline(points), null);
  });

  // ---- offline queue ------------------------------------------------------------------
  async function showPending() {
    const items = await Store.all();
    $("pending").hidden = items.length === 0;
    $("pending").textContent = text(`รอส่ง (${items.length})`, `pending (${items.length})`);
  }

  let syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      const items = await Store.all();
      if (!items.length) return;
      for (const item of items) {
        // Edits left by someone else on a shared device are not sent under this session.
        if (item.user !== user) {
          await Store.remove(item.seq);
          continue;
        }
        let response;
        try {
          response = await api(item.request.method, item.request.url, item.request.body);
        } catch (error) {
          return; // still offline: try again at the next `online`
        }
        await Store.remove(item.seq);
        if (response.ok) await uploadPhotos(response.data.id, item.photos);
        else setStatus(text("มีรายการที่ส่งไม่สำเร็จ: ", "An edit was refused: ") + JSON.stringify(response.data).slice(0, 200), "error");
        await showPending();
      }
      setStatus(text("ส่งข้อมูลที่ค้างแล้ว", "Pending edits sent"), "ok");
      if (layer && !editing) await loadFeatures();
    } finally {
      syncing = false;
      await showPending();
    }
  }

  window.addEventListener("online", sync);

  // The device keeps nothing of a user after they sign out.
  document.querySelectorAll('form[action*="logout"]').forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await Store.clear();
      Store.dropAllDrafts();
      form.submit();
    });
  });

  // ---- history and deleted features -------------------------------------------------------
  function when(value) {
    return new Date(value).toLocaleString(root.dataset.lang === "en" ? "en-GB" : "th-TH");
  }

  const ACTIONS = {
    create: ["สร้าง", "created"], update: ["แก้ไข", "updated"], delete: ["ลบ", "deleted"],
    restore: ["กู้คืน", "restored"], import: ["นำเข้า", "imported"],
  };

  function revisionItem(revision, onRestore) {
    const li = document.createElement("li");
    const action = ACTIONS[revision.action] || [revision.action, revision.action];
    const summary = document.createElement("button");
    summary.type = "button";
    summary.className = "revision";
    summary.textContent = `v${revision.version} · ${text(...action)} · ${revision.user || "—"} · ${when(revision.created_at)}`;
    const state = revision.after || revision.before;
    summary.addEventListener("click", () => {
      overlay.clearLayers();
      if (state) {
        const shape = toShape(state.geometry, THEIRS).addTo(overlay);
        map.fitBounds(L.featureGroup([shape]).getBounds(), { maxZoom: 18 });
      }
    });
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "small";
    restore.textContent = text("กู้คืนฉบับนี้", "Restore this version");
    restore.addEventListener("click", () => onRestore(revision));
    li.append(summary, restore);
    return li;
  }

  async function restoreRevision(revision, body) {
    const response = await api("POST", `/api/v1/revisions/${revision.id}/restore/`, body);
    if (response.status === 409) return showConflict(response.data, currentBody());
    setStatus(response.ok ? text("กู้คืนแล้ว", "Restored") : message(JSON.stringify(response.data)), response.ok ? "ok" : "error");
    return stopEdit();
  }

  $("history-button").addEventListener("click", async () => {
    const response = await api("GET", `/api/v1/features/${editing.feature.id}/revisions/`);
    const list = $("history-list");
    list.replaceChildren();
    for (const revision of response.data) {
      list.append(revisionItem(revision, (r) => restoreRevision(r, { version: editing.feature.version })));
    }
    show("history");
  });
  $("history-close").addEventListener("click", () => { overlay.clearLayers(); show("panel"); });

  $("deleted-button").addEventListener("click", async () => {
    const response = await api("GET", `/api/v1/layers/${layer.id}/revisions/?action=delete`);
    const list = $("deleted-list");
    list.replaceChildren();
    const revisions = Array.isArray(response.data) ? response.data : response.data.results;
    for (const revision of revisions) list.append(revisionItem(revision, (r) => restoreRevision(r, {})));
    show("deleted");
  });
  $("deleted-close").addEventListener("click", () => { overlay.clearLayers(); show(editing ? "panel" : null); });

  // ---- conflicts -------------------------------------------------------------------------
  function display(field, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (field.type === "choice") {
      const choice = (field.choices || []).find((item) => item.value === value);
      return choice ? label(choice) : String(value);
    }
    if (field.type === "boolean") return value ? text("ใช่", "yes") : text("ไม่", "no");
    if (field.type === "date") return `${value} (${window.EditorForm.buddhistDate(value)})`;
    return String(value) + (field.unit ? ` ${field.unit}` : "");
  }

  function showConflict(response, mine) {
    conflict = { current: response.current, currentVersion: response.current_version, mine };
    const rows = $("conflict-rows");
    rows.replaceChildren();
    for (const field of layer.schema) {
      const tr = document.createElement("tr");
      const theirs = (response.current && response.current.properties || {})[field.name];
      const yours = mine.properties[field.name];
      if (JSON.stringify(theirs ?? null) !== JSON.stringify(yours ?? null)) tr.className = "differs";
      for (const value of [label(field), display(field, theirs), display(field, yours)]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.append(td);
      }
      rows.append(tr);
    }
    overlay.clearLayers();
    if (response.current) toShape(response.current.geometry, THEIRS).addTo(overlay);
    toShape(mine.geometry, MINE).addTo(overlay);
    map.fitBounds(overlay.getBounds(), { maxZoom: 18 });
    setStatus(message(response.detail), "error");
    show("conflict");
  }

  $("keep-theirs").addEventListener("click", () => {
    const { current } = conflict;
    conflict = null;
    overlay.clearLayers();
    if (!current) return stopEdit();
    editing.shape.pm.disable();
    setGeometry(editing.shape, current.geometry);
    const shape = editing.shape;
    editing.shape.off("pm:edit pm:dragend", pushUndo);
    startEdit(shape, current);
  });

  $("save-mine").addEventListener("click", async () => {
    const { mine, currentVersion } = conflict;
    conflict = null;
    overlay.clearLayers();
    show("panel");
    await send(mine, currentVersion);
  });

  // ---- start ---------------------------------------------------------------------------------
  chooseLayer(data.layers[0].id);
  showPending();
  restoreDraft();
  if (navigator.onLine) sync();
})();
