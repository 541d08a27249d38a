"""A small run of the benchmark harness: the benchmarks themselves are not tests (these
machines are noisy), but the harness must keep working."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_harness_runs_and_writes_ratios(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--database", "gis_bench_smoke", "--out", str(tmp_path)],
        cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    names = {r["name"] for r in results}
    assert {"geojson map view (bbox)", "geojson whole layer (streamed)", "national: list one municipality's layers",
            "dashboard of 10 widgets (cold)"} <= names
    assert {"export GeoPackage, 200 roads (export job)", "export Shapefile, 200 roads (HTTP download)",
            "export Shapefile, 500 points (export job)"} <= names
    # Tiles are measured at four clients and at one (the fixed cost of a request).
    assert {r.get("clients") for r in results if r["name"].startswith("vector tile")} == {4, 1}
    assert all(r["ratio"] > 0 and r["baseline_median_s"] > 0 for r in results)
    assert "| scenario |" in (tmp_path / "RESULTS.md").read_text()
