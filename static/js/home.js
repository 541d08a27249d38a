/* The overview map: one marker per municipality, linking to its map. */
(function () {
  "use strict";
  const { el } = GIS;
  const config = GIS.readConfig("home-config");
  const map = L.map("overview-map", { preferCanvas: true, scrollWheelZoom: false, maxZoom: 19 });
  GIS.map = map;
  GIS.basemapOnMap(map, config.basemaps);
  const markers = config.markers.map((m) => {
    const link = el("a", { href: m.url }, m.name);
    return L.circleMarker(m.latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#0b6e4f", fillOpacity: 1 })
      .bindTooltip(el("span", {}, m.name)) // Leaflet takes a string as HTML
      .bindPopup(link)
      .addTo(map);
  });
  // Fit all of them, but never closer than a town's scale (one marker has no extent).
  if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 11 });
  else map.setView([13.7, 100.3], 8);
})();
