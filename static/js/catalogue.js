/* A dataset's small map: its features from the GeoJSON API, in the layer's own style. */
(function () {
  "use strict";
  const config = GIS.readConfig("dataset-config");
  if (!config.features) return;
  const box = document.getElementById("dataset-map");
  const map = L.map(box, { preferCanvas: true, scrollWheelZoom: false, maxZoom: 19 });
  GIS.basemapOnMap(map, config.basemaps);
  const e = config.extent;
  // Leaflet takes [lat, lon]; the extent is (west, south, east, north) in lon/lat.
  if (e) map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { maxZoom: 16, padding: [20, 20] });
  else map.setView([13.75, 100.5], 6);
  if (config.boundary) {
    L.geoJSON(JSON.parse(config.boundary), { style: { color: "#0b6e4f", weight: 2, dashArray: "6 4", fill: false }, interactive: false }).addTo(map);
  }
  const style = config.style || {};
  fetch(config.features, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.status))))
    .then((data) => {
      const layer = L.geoJSON(data, {
        style: () => style,
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 6, ...style }),
        // bindTooltip with a string would be HTML: the label goes in as a text node.
        onEachFeature: (feature, shape) => shape.bindTooltip(GIS.el("span", {}, GIS.featureLabel(config.schema, feature.properties, feature.id))),
      }).addTo(map);
      box.dataset.drawn = String(data.features.length);
    })
    .catch(() => { box.dataset.drawn = "error"; });
})();
