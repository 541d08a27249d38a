// Admin geometry widget: shows the GeoJSON in the textarea on a Leaflet map and follows edits.
(function () {
  function setUp(box) {
    var text = box.querySelector(".geometry-widget-text");
    var map = L.map(box.querySelector(".geometry-widget-map"), { preferCanvas: true }).setView([13.7, 100.0], 8);
    var url = box.dataset.basemap;
    if (url) {
      L.tileLayer(url, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    var shown = null;
    function draw() {
      if (shown) { map.removeLayer(shown); shown = null; }
      text.classList.remove("errors");
      if (!text.value.trim()) return;
      try {
        shown = L.geoJSON(JSON.parse(text.value)).addTo(map);
        map.fitBounds(shown.getBounds(), { maxZoom: 17 });
      } catch (e) {
        text.classList.add("errors");
      }
    }
    text.addEventListener("change", draw);
    draw();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".geometry-widget").forEach(setUp);
  });
})();
