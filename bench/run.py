"""Benchmarks, side by side with their baselines in the same run (these machines are
noisy, so only ratios measured together mean anything).

    python bench/run.py                 # full run (make bench)
    python bench/run.py --smoke         # tiny sizes: proves the harness works (make test)
    python bench/run.py --only geojson --only national   # some groups only

Our side is the real thing: gunicorn serving the app over loopback HTTP. The baseline is
the floor: the same FeatureCollection built by one SQL query in PostGIS, fetched by
psycopg. Results go to bench/results.json and bench/RESULTS.md.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

import dashboard_widgets
import exports
import peers
import webmap
from timing import median_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The area the roads spread over: ~13 km square around Krathum Baen.
X0, Y0, SPAN = 100.20, 13.60, 0.12
FEATURE_SQL = None  # filled from layers.geojson once Django is set up


def django_setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database(database_url, name):
    """A database of its own, so the demo data is never touched."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = database_url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def bench_layer(slug, size):
    """A roads layer of `size` lines of 10 vertices, made once and kept between runs."""
    from layers.models import Feature, Layer, Municipality

    municipality, _ = Municipality.objects.get_or_create(
        slug="bench", defaults=dict(name_th="ทดสอบ", name_en="Bench", kind="town_municipality",
                                    province_th="สมุทรสาคร", province_en="Samut Sakhon", dla_code="0000000"),
    )
    layer = Layer.objects.filter(municipality=municipality, slug=slug).first()
    if layer and Feature.objects.filter(layer=layer).count() == size:
        return layer
    if layer:
        layer.delete()
    layer = Layer.from_template(municipality, "roads", slug=slug)
    layer.save()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO layers_feature (layer_id, geom, properties, version, created_at, updated_at)
            SELECT %s,
                   ST_SetSRID(ST_MakeLine(ARRAY(
                       SELECT ST_MakePoint(s.x + k * 0.0008, s.y + k * 0.0008 * sin(s.i + k))
                       FROM generate_series(0, 9) k)), 4326),
                   jsonb_build_object('name_th', 'ถนนทดสอบ ' || s.i, 'surface',
                                      (ARRAY['asphalt','concrete','laterite','gravel','earth'])[1 + s.i %% 5],
                                      'condition', (ARRAY['good','fair','poor','damaged'])[1 + s.i %% 4],
                                      'width_m', 4 + s.i %% 5),
                   1, now(), now()
            FROM (SELECT i, %s + random() * %s AS x, %s + random() * %s AS y FROM generate_series(1, %s) i) s
            """,
            [layer.pk, X0, SPAN, Y0, SPAN, size],
        )
        cursor.execute("ANALYZE layers_feature")
    return layer


def bench_points(slug, size):
    """A street-lights layer of `size` points over the same area, made once and kept."""
    from django.db import connection

    from layers.models import Feature, Layer

    roads = bench_layer("roads-kb", 300)  # makes the bench municipality
    layer = Layer.objects.filter(municipality=roads.municipality, slug=slug).first()
    if layer and Feature.objects.filter(layer=layer).count() == size:
        return layer
    if layer:
        layer.delete()
    layer = Layer.from_template(roads.municipality, "street_lights", slug=slug, access="public")
    layer.save()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO layers_feature (layer_id, geom, properties, version, created_at, updated_at)
            SELECT %s, ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326),
                   jsonb_build_object('pole_code', 'P-' || i, 'lamp', (ARRAY['led','sodium','fluorescent'])[1 + i %% 3],
                                      'watts', 20 + i %% 5 * 10, 'working', i %% 7 <> 0),
                   1, now(), now()
            FROM generate_series(1, %s) i
            """,
            [layer.pk, X0, SPAN, Y0, SPAN, size],
        )
        cursor.execute("ANALYZE layers_feature")
    return layer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a free loopback port, production settings; one worker by default (so
    its memory can be read). `app`: another WSGI application to serve."""

    def __init__(self, database_url, workers=1, app="gis_portal.wsgi"):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "false",
               "DJANGO_SECRET_KEY": secrets.token_urlsafe(40), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
               "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "300", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/api/v1/municipalities/"), timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        with urllib.request.urlopen(self.url(path), timeout=600) as response:
            return response.read()

    def worker_peak_kb(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        status = Path(f"/proc/{children[0]}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def sql_collection(conn, where, params):
    """The floor: the same FeatureCollection assembled by one query in PostGIS."""
    sql = (
        "SELECT '{\"type\":\"FeatureCollection\",\"features\":[' || coalesce(string_agg(f, ',' ORDER BY id), '') || ']}' "
        f"FROM (SELECT layers_feature.id, {FEATURE_SQL} AS f FROM layers_feature WHERE {where}) q"
    )
    return conn.execute(sql, params).fetchone()[0]


def entry(name, size, ours, baseline_name, baseline, **extra):
    result = {"name": name, "size": size, "ours_median_s": round(ours, 4), "baseline": baseline_name,
              "baseline_median_s": round(baseline, 4), "ratio": round(ours / baseline, 2), **extra}
    print(f"{name:<40} {size:>9,}  ours {ours * 1000:9.1f} ms  {baseline_name} {baseline * 1000:9.1f} ms  ratio {result['ratio']:.2f}")
    return result


def paired_medians(ours, baseline, repeat):
    """Medians of ours and of the baseline, run in turns, so that both meet the same load
    of a shared machine (one after the other, a burst of someone else's work lands on one
    side only)."""
    ours()  # warm-up, as in median_seconds
    baseline()
    ours_times, baseline_times = [], []
    for _ in range(repeat):
        for fn, times in ((ours, ours_times), (baseline, baseline_times)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(ours_times), statistics.median(baseline_times)


def geojson_scenarios(server, conn, size, repeat):
    layer = bench_layer(f"roads-{size}", size)
    side = SPAN * min(1.0, (3000 / size) ** 0.5)
    bbox = (X0 + SPAN / 2 - side / 2, Y0 + SPAN / 2 - side / 2, X0 + SPAN / 2 + side / 2, Y0 + SPAN / 2 + side / 2)
    bbox_text = ",".join(f"{v:.6f}" for v in bbox)
    envelope = "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
    features = f"/api/v1/layers/{layer.pk}/features/"
    in_view = len(json.loads(server.get(f"{features}?bbox={bbox_text}"))["features"])
    floor = "one SQL query in PostGIS"
    map_view = paired_medians(lambda: server.get(f"{features}?bbox={bbox_text}"),
                              lambda: sql_collection(conn, f"layer_id = %s AND {envelope}", [layer.pk, *bbox]), repeat)
    page_ids = "id IN (SELECT id FROM layers_feature WHERE layer_id = %s ORDER BY id LIMIT 1000 OFFSET 1000)"
    page = paired_medians(lambda: server.get(f"{features}?limit=1000&offset=1000"),
                          lambda: sql_collection(conn, page_ids, [layer.pk]), repeat)
    whole = paired_medians(lambda: server.get(features), lambda: sql_collection(conn, "layer_id = %s", [layer.pk]),
                           max(1, repeat // 2))
    return [
        entry("geojson map view (bbox)", in_view, map_view[0], floor, map_view[1]),
        entry("geojson page of 1,000", min(1000, size), page[0], floor, page[1]),
        entry("geojson whole layer (streamed)", size, whole[0], floor, whole[1], server_peak_rss_kb=server.worker_peak_kb()),
    ]


def national_scenario(server, conn, repeat, authorities):
    """Listing one municipality's layers and serving its features, with six municipalities
    and then with every Thai local authority holding template layers."""
    from layers.models import Layer, Municipality

    kb_roads = bench_layer("roads-kb", 300)

    def measure():
        layers = median_seconds(lambda: server.get("/api/v1/layers/?municipality=bench"), repeat)
        features = median_seconds(lambda: server.get(f"/api/v1/layers/{kb_roads.pk}/features/"), repeat)
        return layers, features

    Municipality.objects.filter(slug__startswith="dla-").delete()
    for i in range(5):  # with "bench", six municipalities holding template layers
        place, created = Municipality.objects.get_or_create(
            slug=f"six-{i}", defaults=dict(name_th=f"ทดสอบ {i}", name_en=f"Six {i}", kind="town_municipality",
                                           province_th="-", province_en="-", dla_code=f"000000{i + 1}"))
        if created:
            Layer.objects.bulk_create([Layer.from_template(place, t) for t in ("roads", "landmarks", "health_facilities")])
    six = measure()
    records = json.loads((ROOT / "layers/data/local-authorities.json").read_text())["localAuthorities"]
    records = records[:authorities]
    Municipality.objects.bulk_create(
        [Municipality(slug=f"dla-{r['dlaCode']}", name_th=r["nameTh"], name_en=r["nameTh"], kind="subdistrict_municipality",
                      province_th=r["provinceCode"], province_en=r["provinceCode"], dla_code=r["dlaCode"])
         for r in records],
        ignore_conflicts=True,
    )
    others = Municipality.objects.filter(slug__startswith="dla-")
    Layer.objects.bulk_create(
        [Layer.from_template(m, template) for m in others for template in ("roads", "landmarks", "health_facilities")]
    )
    conn.execute(
        """INSERT INTO layers_feature (layer_id, geom, properties, version, created_at, updated_at)
           SELECT l.id, ST_SetSRID(ST_MakeLine(ST_MakePoint(100 + random(), 13 + random()),
                                               ST_MakePoint(100.001 + random(), 13.001 + random())), 4326),
                  '{"name_th": "ถนน", "surface": "asphalt", "condition": "good"}', 1, now(), now()
           FROM layers_layer l JOIN layers_municipality m ON m.id = l.municipality_id, generate_series(1, 20)
           WHERE m.slug LIKE 'dla-%%' AND l.slug = 'roads'"""
    )
    conn.execute("ANALYZE")
    national = measure()
    count = others.count()
    return [
        entry("national: list one municipality's layers", count, national[0], "same with six municipalities", six[0]),
        entry("national: one municipality's features", count, national[1], "same with six municipalities", six[1]),
    ]


def pg_conninfo(database_url):
    """GDAL's PG: connection string for the same database."""
    params = psycopg.conninfo.conninfo_to_dict(database_url)
    return "PG:" + " ".join(f"{key}={value}" for key, value in params.items() if key in ("dbname", "host", "port", "user", "password"))


# How each format is written from the bench layer, and how ogr2ogr is told to read it back.
IMPORT_FORMATS = {
    "Shapefile": (".shp", ["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"], []),
    "GeoPackage": (".gpkg", ["-f", "GPKG"], []),
    "GeoJSON": (".geojson", ["-f", "GeoJSON"], []),
    "CSV": (".csv", ["-f", "CSV", "-lco", "GEOMETRY=AS_XY"],
            ["-oo", "X_POSSIBLE_NAMES=X", "-oo", "Y_POSSIBLE_NAMES=Y", "-a_srs", "EPSG:4326"]),
}


def import_scenario(conn, database_url, layer, kind, repeat, workdir):
    """Importing `layer`'s features written as a `kind` file, with our validation, history
    and all-or-nothing transaction on, against ogr2ogr loading the same file into PostGIS
    (COPY into a table of its own, index built after, no validation, no history)."""
    from importers.importing import import_file
    from layers.models import Feature, Layer

    size = Feature.objects.filter(layer=layer).count()
    suffix, write_options, read_options = IMPORT_FORMATS[kind]
    path = Path(workdir) / f"{layer.slug}{suffix}"
    if not path.exists():
        columns = ", ".join(f"properties->>'{f['name']}' AS {f['name']}" for f in layer.schema)
        subprocess.run(["ogr2ogr", *write_options, str(path), pg_conninfo(database_url), "-sql",
                        f"SELECT geom, {columns} FROM layers_feature WHERE layer_id = {layer.pk}"], check=True, capture_output=True)
    def ours():
        Layer.objects.filter(municipality=layer.municipality, slug="import-target").delete()
        target = Layer.from_template(layer.municipality, layer.template, slug="import-target")
        target.save()
        report = import_file(path, target, None)
        assert report.created == size, report.rejected[:3]

    def baseline():
        subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg_conninfo(database_url), str(path), *read_options, "-nln", "import_baseline",
                        "-overwrite", "-lco", "GEOMETRY_NAME=geom", "-nlt", "PROMOTE_TO_MULTI"], check=True, capture_output=True)

    # An import of 100,000 rows or more runs long enough that a warm-up would only double it.
    warm_up = size < 100_000
    ours_s, base_s = median_seconds(ours, repeat, warm_up), median_seconds(baseline, repeat, warm_up)
    Layer.objects.filter(municipality=layer.municipality, slug="import-target").delete()
    conn.execute("DROP TABLE IF EXISTS import_baseline")
    return [entry(f"import {kind} (validated, with history)", size, ours_s, "ogr2ogr into PostGIS", base_s,
                  features_per_second=round(size / ours_s), baseline_features_per_second=round(size / base_s))]


# What --only can pick: each runs its scenarios at the sizes of the run.
SCENARIO_GROUPS = ("geojson", "tiles", "ogc", "webmap", "national", "exports", "imports", "dashboards")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to prove the harness works")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--database", default="gis_bench")
    parser.add_argument("--out", default=str(ROOT / "bench"))
    parser.add_argument("--only", action="append", choices=SCENARIO_GROUPS,
                        help="run only these groups of scenarios (repeatable); results still go to --out")
    args = parser.parse_args()
    only = set(args.only or SCENARIO_GROUPS)
    sizes, repeat, authorities = ([200], 2, 30) if args.smoke else ([10_000, 100_000], 7, None)
    points, seconds = (500, 1) if args.smoke else (1_000_000, 5)
    map_sizes, map_repeat = ([200], 1) if args.smoke else ([5_000, 20_000, 100_000], 3)

    database_url = ensure_database(args.database_url, args.database)
    django_setup(database_url)
    global FEATURE_SQL
    from layers.geojson import FEATURE_SQL

    results = []
    from django.conf import settings

    # The floor runs with the app's session settings (JIT and parallel workers off), as
    # pgbench does in peers.py: otherwise it would time another plan of the same SQL.
    session = settings.DATABASES["default"]["OPTIONS"].get("options", "")
    with psycopg.connect(database_url, autocommit=True, options=session) as conn:
        for size in sizes:
            bench_layer(f"roads-{size}", size)
        bench_layer("roads-kb", 300)
        roads, lights = bench_layer(f"roads-{sizes[-1]}", sizes[-1]), bench_points(f"lights-{points}", points)
        if "geojson" in only:
            server = Server(database_url)
            try:
                for size in sizes:
                    results += geojson_scenarios(server, conn, size, repeat)
            finally:
                server.stop()
        if only & {"tiles", "ogc"}:
            # Throughput: four workers for four concurrent clients.
            server = Server(database_url, workers=peers.CLIENTS)
            try:
                centre = (X0 + SPAN / 2, Y0 + SPAN / 2)
                if "tiles" in only:
                    tile_layers = [(roads, f"{sizes[-1]:,} roads"), (lights, f"{points:,} points")]
                    results += peers.tile_scenarios(server, database_url, tile_layers, centre, seconds)
                if "ogc" in only and not args.smoke:  # pygeoapi comes from PyPI: not in make test
                    side = SPAN * min(1.0, (3000 / sizes[-1]) ** 0.5)
                    bbox = (centre[0] - side / 2, centre[1] - side / 2, centre[0] + side / 2, centre[1] + side / 2)
                    results += peers.ogc_scenarios(server, database_url, conn, roads, bbox, seconds, free_port)
            finally:
                server.stop()
        if "webmap" in only:
            map_layers = [(bench_points(f"lights-{n}", n), n) for n in map_sizes]
            # As deployed (Dockerfile: three workers), the static files that nginx serves
            # there handled by the app's own workers (bench/static_wsgi.py).
            server = Server(database_url, workers=3, app="bench.static_wsgi")
            try:
                results += webmap.webmap_scenarios(server.url(""), map_layers, (X0 + SPAN / 2, Y0 + SPAN / 2), map_repeat)
            finally:
                server.stop()
        if only & {"national", "exports"}:
            server = Server(database_url)
            try:
                if "national" in only:
                    results += national_scenario(server, conn, repeat, authorities)
                if "exports" in only:
                    with tempfile.TemporaryDirectory() as workdir:
                        targets = [(bench_layer(f"roads-{n}", n), f"{n:,} roads") for n in sizes] + [(lights, f"{points:,} points")]
                        results += exports.export_scenarios(server, targets, 1 if args.smoke else 3, workdir, entry)
            finally:
                server.stop()
        if "imports" in only:
            with tempfile.TemporaryDirectory() as workdir:
                for size in sizes:
                    for kind in ("Shapefile", "GeoPackage", "GeoJSON"):
                        results += import_scenario(conn, database_url, bench_layer(f"roads-{size}", size), kind,
                                                   1 if size >= 100_000 else 3, workdir)
                for kind in ("CSV", "GeoPackage"):
                    results += import_scenario(conn, database_url, lights, kind, 1 if points >= 100_000 else 3, workdir)
    if "dashboards" in only:
        results += dashboard_widgets.dashboard_scenarios(entry, database_url, 200 if args.smoke else 100_000, repeat)
    write(results, Path(args.out))


def write(results, out):
    machine = f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · {platform.platform()}"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (out / "results.json").write_text(json.dumps({"machine": machine, "date": when, "results": results}, indent=2, ensure_ascii=False))
    lines = [f"# Benchmark results\n\n{when} · {machine}\n", "ratio = ours / baseline (medians of repeated runs, same run; for throughput rows, of the "
             "latencies under load)\n",
             "| scenario | size | ours (ms) | baseline | baseline (ms) | ratio | notes |", "| --- | ---: | ---: | --- | ---: | ---: | --- |"]
    for r in results:
        notes = []
        if "server_peak_rss_kb" in r:
            notes.append(f"server peak RSS {r['server_peak_rss_kb'] / 1024:.0f} MB")
        if "throughput_ratio" in r:
            notes.append(f"{r['requests_per_second']:.0f} against {r['baseline_requests_per_second']:.0f} requests/s at "
                         f"{r.get('clients', peers.CLIENTS)} clients (throughput ratio {r['throughput_ratio']:.2f}); "
                         f"p95 {r['p95_s'] * 1000:.0f} ms")
        if "p50_gap_ms" in r:
            notes.append(f"p50 {r['p50_gap_ms']:.1f} ms above the baseline")
        if "max_long_task_ms" in r:
            notes.append(f"longest main-thread task while panning {r['max_long_task_ms']} ms (goal < {r['long_task_goal_ms']})")
        if "tile_bytes" in r:
            notes.append(f"tile {r['tile_bytes'] / 1024:.0f} KB")
        if "goal_s" in r:
            met = "met" if r["ours_median_s"] < r["goal_s"] else "not met"
            notes.append(f"goal < {r['goal_s'] * 1000:.0f} ms cold: {met}; warm (cached) {r['warm_median_s'] * 1000:.1f} ms")
        notes = "; ".join(notes)
        lines.append(f"| {r['name']} | {r['size']:,} | {r['ours_median_s'] * 1000:.1f} | {r['baseline']} | "
                     f"{r['baseline_median_s'] * 1000:.1f} | {r['ratio']:.2f} | {notes} |")
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
