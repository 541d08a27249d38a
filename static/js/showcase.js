/* The showcase map: one marker per card; "on the map" on a card flies to its marker. */
(function () {
  "use strict";
  const { el } = GIS;
  const config = GIS.readConfig("showcase-config");
  const COLORS = { landmarks: "#8e44ad", otop_products: "#e67e22", occupation_groups: "#27ae60" };
  const map = L.map("showcase-map", { preferCanvas: true, scrollWheelZoom: false, maxZoom: 19 });
  GIS.map = map;
  GIS.basemapOnMap(map, config.basemaps);
  const byId = new Map();
  for (const item of config.markers) {
    const popup = el("div");
    const link = el("a", { href: `#item-${item.id}` }, item.title);
    popup.append(link);
    const color = COLORS[item.template] || "#0b6e4f";
    byId.set(
      item.id,
      L.circleMarker([item.lat, item.lon], { radius: 8, color: "#fff", weight: 2, fillColor: color, fillOpacity: 1 })
        .bindTooltip(el("span", {}, item.title)) // Leaflet takes a string as HTML
        .bindPopup(popup)
        .addTo(map)
    );
  }
  if (byId.size) map.fitBounds(L.featureGroup([...byId.values()]).getBounds().pad(0.2), { maxZoom: 16 });
  else if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]]);
  // The municipality's outline, for some bearing even with no basemap (once the map has
  // a view: a canvas cannot draw before).
  if (config.boundary) {
    L.geoJSON(JSON.parse(config.boundary), { style: { color: "#0b6e4f", weight: 2, dashArray: "6 4", fill: false }, interactive: false }).addTo(map);
  }
  for (const link of document.querySelectorAll("a.on-map")) {
    link.addEventListener("click", () => {
      const marker = byId.get(Number(link.dataset.featureId));
      if (!marker) return;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
      marker.openPopup();
    });
  }
})();
