// The import page follows its job: the progress bar moves, and the page reloads with the
// report when the worker is done. The user may leave and come back at any time.
(function () {
  const box = document.getElementById("import-status");
  if (!box || !["queued", "running"].includes(box.dataset.status)) return;
  const bar = box.querySelector("progress");
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      const job = await response.json();
      if (bar) bar.value = job.progress;
      if (job.status === "done" || job.status === "failed") return location.reload();
    } catch (error) {
      // A dropped connection is retried on the next tick.
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
