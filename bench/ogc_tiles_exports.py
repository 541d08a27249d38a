"""Benchmarks (not tests) of exports, vector tiles and OGC API items, each beside its
floor: plain ogr2ogr over the same SELECT, the bare ST_AsMVT query, the REST API.

    DATABASE_URL=... DJANGO_DEBUG=true .venv/bin/python bench/ogc_tiles_exports.py [features]

Adds (once) a layer `bench-roads` of sample roads to Krathum Baen in that database, so
run it against a development database with the demo loaded, never production.
"""

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from layers import exports, tiles  # noqa: E402
from layers.models import Feature, Layer, Municipality  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def timed(function):
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_layer(count):
    municipality = Municipality.objects.get(slug="krathum-baen")
    layer, created = Layer.objects.get_or_create(
        municipality=municipality, slug="bench-roads",
        defaults={**{k: v for k, v in vars(Layer.from_template(municipality, "roads")).items()
                     if k in ("name_th", "name_en", "category", "geometry_type", "schema", "style", "template")},
                  "access": "public", "is_sample": True},
    )
    missing = count - Feature.objects.filter(layer=layer).count()
    if missing > 0:
        roads = Layer.objects.get(municipality=municipality, slug="roads")
        with connection.cursor() as cursor:
            # Copies of the demo roads, shifted a little each time (bench data, no history).
            cursor.execute(
                f"""INSERT INTO "{Feature._meta.db_table}" (layer_id, geom, properties, version, created_at, updated_at)
                SELECT %s, ST_Translate(f.geom, (n %% 10) * 0.002, (n / 10 %% 10) * 0.002), f.properties, 1, now(), now()
                FROM "{Feature._meta.db_table}" f, generate_series(1, %s) n
                WHERE f.layer_id = %s ORDER BY n, f.id LIMIT %s""",
                [layer.pk, missing // max(1, roads.features.count()) + 1, roads.pk, missing],
            )
    return layer


def report(name, ours, floor, floor_name):
    print(f"{name:<34} {ours * 1000:9.1f} ms   {floor_name:<28} {floor * 1000:9.1f} ms   ratio {ours / floor:5.2f}")


def main():
    assert settings.DEBUG, "run against a development database (DJANGO_DEBUG=true)"
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    layer = bench_layer(count)
    print(f"layer {layer} with {layer.features.count()} features; median of {REPEAT}")
    with tempfile.TemporaryDirectory() as directory:
        def ours():
            path = exports.export_layer(layer, "gpkg", 32647, directory)
            path.unlink()

        source, env = exports.postgis_source()
        sql = exports.layer_sql(layer, "gpkg")
        plain = Path(directory, "plain.gpkg")

        def floor():
            subprocess.run(["ogr2ogr", "-f", "GPKG", str(plain), source, "-sql", sql, "-s_srs", "EPSG:4326", "-t_srs", "EPSG:32647"], env=env, check=True)
            plain.unlink()

        report("export GeoPackage (styled)", timed(ours), timed(floor), "ogr2ogr, same SELECT")

    client = Client(HTTP_HOST="127.0.0.1")
    extent = Feature.objects.filter(layer=layer).extent_by_layer()[layer.pk]
    lon, lat = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    for z in (12, 14, 16):
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        url = reverse("tile", args=[layer.pk, z, x, y])
        response = client.get(url)
        assert response.status_code == 200, response.content
        size = len(response.content)
        report(f"tile z{z} ({size:,} bytes)", timed(lambda: client.get(url).content), timed(lambda: tiles.make_tile(layer, z, x, y)), "bare ST_AsMVT query")
        etag = response["ETag"]
        report(f"tile z{z} revalidated (304)", timed(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag)), timed(lambda: tiles.make_tile(layer, z, x, y)), "bare ST_AsMVT query")

    items = reverse("ogc-items", args=[f"{layer.municipality.slug}.{layer.slug}"])
    api = reverse("layer-features", args=[layer.pk])
    report(
        "OGC items, limit=1000",
        timed(lambda: b"".join(client.get(items, {"limit": 1000}).streaming_content)),
        timed(lambda: b"".join(client.get(api, {"limit": 1000}).streaming_content)),
        "REST API features, limit=1000",
    )


if __name__ == "__main__":
    main()
