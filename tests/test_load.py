"""The load test in its short form: many users reading and editing at once, against
gunicorn on loopback. No errors and no lost edits is the bar."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_many_users_at_once_get_no_errors_and_lose_no_edits(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--short", "--database", "gis_load_smoke", "--out", str(tmp_path)],
        cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=300,
    )
    report = json.loads((tmp_path / "load-results.json").read_text())
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert report["errors"] == 0 and report["lost_edits"] == {}
    assert report["requests"] == 300 and report["saves"] > 0
    assert set(report["by_kind"]) == {"layers", "geojson", "tile", "search", "edit"}
