/* The imagery page: while the worker converts, the progress bar follows the job and the
   page reloads when it is done (the user may leave and come back); once ready, a preview
   map of the imagery's own tiles. */
(function () {
  "use strict";
  const box = document.getElementById("imagery-status");
  if (box && ["queued", "running"].includes(box.dataset.status)) {
    const bar = box.querySelector("progress");
    const poll = async () => {
      try {
        const response = await fetch(box.dataset.url, { credentials: "same-origin" });
        const job = await response.json();
        if (bar) bar.value = job.progress;
        if (job.status === "ready" || job.status === "failed") return location.reload();
      } catch (error) {
        // A dropped connection is retried on the next tick.
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 1000);
  }
  const container = document.getElementById("imagery-preview");
  if (!container) return;
  const preview = GIS.readConfig("imagery-config");
  const map = L.map(container, { maxZoom: 22 });
  L.tileLayer(preview.url, { maxZoom: 22, maxNativeZoom: preview.max_zoom, attribution: "" }).addTo(map);
  map.fitBounds(preview.bounds);
  map.attributionControl.addAttribution(GIS.el("span", {}, preview.attribution).outerHTML);
})();
