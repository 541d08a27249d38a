// The import wizard's map: the first rows of the uploaded file, already transformed to
// WGS84 by the server, over the municipality's outline. A file in the wrong coordinate
// system shows at once as shapes far from the outline. Nothing here is user HTML: the
// popups are row numbers set as text.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("preview-data").textContent);
  const map = L.map("preview-map", { preferCanvas: true });
  if (data.basemap) {
    L.tileLayer(data.basemap.url, { maxZoom: data.basemap.max_zoom, attribution: data.basemap.attribution }).addTo(map);
  }
  const row = gettext("แถว");
  const bounds = L.latLngBounds([]);
  if (data.boundary) {
    const outline = L.geoJSON(data.boundary, { style: { color: "#555", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
    bounds.extend(outline.getBounds());
  }
  if (data.shapes && data.shapes.features.length) {
    const shapes = L.geoJSON(data.shapes, {
      style: { color: "#d35400", weight: 3, fillOpacity: 0.3 },
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 5, color: "#d35400", weight: 2, fillOpacity: 0.7 }),
      onEachFeature: (feature, layer) => {
        const text = document.createElement("span");
        text.textContent = `${row} ${feature.id}`;
        layer.bindPopup(text);
      },
    }).addTo(map);
    bounds.extend(shapes.getBounds());
  }
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
  } else {
    map.setView([13.7, 100.5], 6);
  }
})();
