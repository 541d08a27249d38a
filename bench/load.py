"""A load test on loopback: many users at once viewing maps, tiles and GeoJSON, searching
and editing the same features, against gunicorn with production settings.

    python bench/load.py                # 3,000 requests, 16 users (make bench)
    python bench/load.py --short        # 300 requests, 8 users (make test)

The bar: no errors, and no lost edits. Every editor bumps a counter on shared features,
sending the version it read; on a 409 it reads again and retries. At the end each
feature's counter must equal the number of successful saves. Bounded in requests and in
time; only 127.0.0.1 is contacted.
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, Server, django_setup, ensure_database  # noqa: E402

PASSWORD = "load-test-password-1"
MUNICIPALITY = "krathum-baen"


def prepare():
    """Demo data for one municipality, an editor with a token, and counter features."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from layers import demo
    from layers.models import Feature, Layer, Membership, Municipality, Role

    tambons = json.loads(demo.TAMBONS.read_text(encoding="utf-8"))["features"]
    spec = next(spec for spec in demo.MUNICIPALITIES if spec["slug"] == MUNICIPALITY)
    admin = demo.ensure_user("admin", PASSWORD, superuser=True)
    municipality = demo.ensure_municipality(spec, tambons)
    demo.ensure_users(municipality, PASSWORD)
    demo.ensure_layers(municipality, spec, tambons, admin)
    editor, _ = get_user_model().objects.get_or_create(username="load-editor")
    Membership.objects.get_or_create(user=editor, municipality=municipality, defaults={"role": Role.EDITOR})
    token, _ = Token.objects.get_or_create(user=editor)
    roads = Layer.objects.get(municipality=municipality, slug="roads")
    counters = list(Feature.objects.filter(layer=roads).order_by("pk")[:3])
    start = {f.pk: (f.properties.get("lanes") or 0) for f in counters}
    return {
        "token": token.key,
        "roads": roads.pk,
        "layers": list(Layer.objects.filter(municipality=municipality, access="public").values_list("pk", flat=True)),
        "bbox": list(Municipality.objects.get(pk=municipality.pk).boundary.extent),
        "counters": start,
    }


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = {}
        self.errors = []
        self.saves = {}

    def record(self, kind, seconds, error=None):
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")

    def saved(self, feature_id):
        with self.lock:
            self.saves[feature_id] = self.saves.get(feature_id, 0) + 1


def request(server, path, method="GET", body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url(path), data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(req, timeout=60) as response:
        return response.status, response.read()


def user_session(server, setup, recorder, rng, deadline, budget):
    """One simulated user: mostly map reading, sometimes a search or an edit."""
    xmin, ymin, xmax, ymax = setup["bbox"]
    while time.monotonic() < deadline and budget():
        kind = rng.choices(["layers", "geojson", "tile", "search", "edit"], [2, 4, 4, 1, 2])[0]
        started = time.monotonic()
        try:
            if kind == "layers":
                request(server, f"/api/v1/layers/?municipality={MUNICIPALITY}")
            elif kind == "geojson":
                x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
                layer = rng.choice(setup["layers"])
                request(server, f"/api/v1/layers/{layer}/features/?bbox={x - 0.004},{y - 0.004},{x + 0.004},{y + 0.004}")
            elif kind == "tile":
                z = rng.choice([14, 15, 16])
                tx, ty = tile_of(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), z)
                request(server, f"/tiles/{setup['roads']}/{z}/{tx}/{ty}.mvt")
            elif kind == "search":
                request(server, f"/api/v1/search/?q={urllib.parse.quote('ถนน')}&municipality={MUNICIPALITY}")
            else:
                edit(server, setup, recorder, rng)
            recorder.record(kind, time.monotonic() - started)
        except (urllib.error.URLError, OSError, ValueError) as error:
            recorder.record(kind, time.monotonic() - started, error=repr(error))


def edit(server, setup, recorder, rng):
    """Read, bump, save with the version read; on a conflict read again (bounded)."""
    feature_id = rng.choice(list(setup["counters"]))
    for _ in range(20):
        _, body = request(server, f"/api/v1/features/{feature_id}/", token=setup["token"])
        feature = json.loads(body)
        lanes = (feature["properties"].get("lanes") or 0) + 1
        try:
            request(server, f"/api/v1/features/{feature_id}/", "PATCH",
                    {"version": feature["version"], "properties": {"lanes": lanes}}, token=setup["token"])
        except urllib.error.HTTPError as error:
            if error.code == 409:
                continue
            raise
        recorder.saved(feature_id)
        return
    raise ValueError("20 conflicts in a row")


def tile_of(lon, lat, z):
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--database", default="gis_load")
    parser.add_argument("--out", default=str(ROOT / "bench"))
    args = parser.parse_args()
    requests_total, users, seconds = (300, 8, 60) if args.short else (3000, 16, 300)

    database_url = ensure_database(args.database_url, args.database)
    django_setup(database_url)
    setup = prepare()
    server = Server(database_url, workers=3)
    recorder = Recorder()
    left = [requests_total]
    lock = threading.Lock()

    def budget():
        with lock:
            left[0] -= 1
            return left[0] >= 0

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(users) as pool:
            deadline = started + seconds
            for i in range(users):
                pool.submit(user_session, server, setup, recorder, random.Random(i), deadline, budget)
    finally:
        server.stop()
    elapsed = time.monotonic() - started

    from layers.models import Feature

    lost = {}
    for feature_id, start in setup["counters"].items():
        stored = Feature.objects.get(pk=feature_id).properties.get("lanes") or 0
        if stored - start != recorder.saves.get(feature_id, 0):
            lost[feature_id] = {"saves": recorder.saves.get(feature_id, 0), "stored_increase": stored - start}
    every = [t for times in recorder.times.values() for t in times]
    report = {
        "requests": len(every),
        "users": users,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(every) / elapsed, 1),
        "errors": len(recorder.errors),
        "error_samples": recorder.errors[:5],
        "lost_edits": lost,
        "saves": sum(recorder.saves.values()),
        "p50_ms": round(percentile(every, 0.5) * 1000, 1),
        "p95_ms": round(percentile(every, 0.95) * 1000, 1),
        "by_kind": {
            kind: {"count": len(times), "p50_ms": round(statistics.median(times) * 1000, 1),
                   "p95_ms": round(percentile(times, 0.95) * 1000, 1)}
            for kind, times in sorted(recorder.times.items())
        },
    }
    Path(args.out, "load-results.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    sys.exit(1 if report["errors"] or lost else 0)


if __name__ == "__main__":
    main()
