"""Throughput scenarios for bench/run.py: our server under four concurrent clients beside
(1) the same vector-tile SQL run by pgbench at four connections, and (2) pygeoapi's
PostgreSQL provider serving the same roads.

pygeoapi is installed at bench time into a throwaway venv (bench/.pygeoapi-venv, from
PyPI, gitignored): it is a peer to measure against, never a dependency of the platform.
"""

import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 4
PYGEOAPI = "pygeoapi==0.21.0"
PYGEOAPI_VENV = ROOT / "bench" / ".pygeoapi-venv"


def under_load(fetch, seconds, clients=CLIENTS):
    """fetch() in `clients` threads for `seconds`: requests per second, p50 and p95 (s).
    A first second unmeasured lets every server worker connect and warm its caches."""
    if seconds > 1:
        under_load(fetch, 1, clients)
    latencies, deadline = [], time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            fetch()
            latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(latencies, seconds)


def summary(latencies, seconds):
    latencies = sorted(latencies)
    return len(latencies) / seconds, statistics.median(latencies), latencies[int(len(latencies) * 0.95)]


def pgbench(database_url, sql, seconds, clients=CLIENTS):
    """The same SQL run by pgbench: transactions per second, p50 and p95 (s), from its
    per-transaction log."""
    from django.conf import settings

    params = psycopg.conninfo.conninfo_to_dict(database_url)
    # The session settings of the app's own connections (JIT and parallel workers off),
    # or pgbench would be timing another plan of the same SQL.
    env = {**os.environ, "PGOPTIONS": settings.DATABASES["default"]["OPTIONS"].get("options", "")}
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory, "tile.sql")
        script.write_text(sql.strip() + ";\n")
        subprocess.run(
            ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", str(clients), "-T", str(seconds),
             "-l", "--log-prefix", str(Path(directory, "log")),
             "-h", params.get("host", ""), "-p", str(params.get("port", 5432)), "-U", params.get("user", "postgres"),
             params["dbname"]],
            env=env, check=True, capture_output=True,
        )
        # Each log line: client, transaction, latency in microseconds, script, epoch, µs.
        latencies = [int(line.split()[2]) / 1e6 for log in Path(directory).glob("log*") for line in log.read_text().splitlines()]
    return summary(latencies, seconds)


def tile_of(lon, lat, z):
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_scenarios(server, database_url, layers, centre, seconds):
    """Tiles z12, z14 and z16 at the centre of the data, one tile per zoom, fetched over
    and over (our ETag is not sent, so every request makes the tile), at four clients and
    at one: four saturate the two cores, where Python and PostgreSQL compete; one shows
    the fixed cost of our request beside the query alone."""
    from django.urls import reverse

    from layers import tiles

    results = []
    for layer, what in layers:
        for z in (12, 14, 16):
            z, x, y = tile_of(*centre, z)
            path = reverse("tile", args=[layer.pk, z, x, y])
            body = server.get(path)
            params = {"z": z, "x": x, "y": y, "name": layer.slug, "layers": [layer.pk]}
            with psycopg.connect(database_url) as conn:
                sql = psycopg.ClientCursor(conn).mogrify(tiles.TILE_SQL, params)
            for clients in (CLIENTS, 1):
                ours = under_load(lambda: server.get(path), seconds, clients)
                floor = pgbench(database_url, sql, seconds, clients)
                name = f"vector tile z{z} ({what})" + ("" if clients == CLIENTS else f", {clients} client")
                connections = f"{clients} connection{'s' if clients > 1 else ''}"
                gap_ms = round((ours[1] - floor[1]) * 1000, 1)
                results.append(throughput_entry(name, layer.features.count(), ours, f"same SQL by pgbench, {connections}", floor,
                                                tile_bytes=len(body), clients=clients, p50_gap_ms=gap_ms))
    return results


def throughput_entry(name, size, ours, baseline_name, floor, **extra):
    (rps, p50, p95), (base_rps, base_p50, base_p95) = ours, floor
    result = {
        "name": name, "size": size, "ours_median_s": round(p50, 4), "baseline": baseline_name,
        "baseline_median_s": round(base_p50, 4), "ratio": round(p50 / base_p50, 2),
        "requests_per_second": round(rps, 1), "p50_s": round(p50, 4), "p95_s": round(p95, 4),
        "baseline_requests_per_second": round(base_rps, 1), "baseline_p95_s": round(base_p95, 4),
        "throughput_ratio": round(rps / base_rps, 2), **extra,
    }
    print(f"{name:<40} {size:>9,}  ours {rps:7.1f}/s p50 {p50 * 1000:7.1f} ms  {baseline_name} {base_rps:7.1f}/s "
          f"p50 {base_p50 * 1000:7.1f} ms  throughput ratio {result['throughput_ratio']:.2f}")
    return result


def pygeoapi_venv():
    """The throwaway venv, made once from PyPI."""
    python = PYGEOAPI_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PYGEOAPI_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PYGEOAPI, "SQLAlchemy", "GeoAlchemy2",
                        "psycopg2-binary", "gunicorn"], check=True)
    return PYGEOAPI_VENV / "bin"


PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 1000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none, url: http://127.0.0.1}}
  license: {{name: none, url: http://127.0.0.1}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench}}
resources:
  roads:
    type: collection
    title: roads
    description: bench roads
    keywords: [roads]
    extents:
      spatial: {{bbox: [100, 13, 101, 14], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: '{host}', port: {db_port}, dbname: {dbname}, user: {user}, search_path: [public]}}
        id_field: id
        table: {table}
        geom_field: geom
"""


class Pygeoapi:
    """pygeoapi under gunicorn, four workers as ours, serving `table`."""

    def __init__(self, database_url, table, port):
        bin_dir = pygeoapi_venv()
        params = psycopg.conninfo.conninfo_to_dict(database_url)
        self.directory = tempfile.TemporaryDirectory()
        config, openapi = Path(self.directory.name, "config.yml"), Path(self.directory.name, "openapi.yml")
        config.write_text(PYGEOAPI_CONFIG.format(port=port, host=params.get("host", ""), db_port=params.get("port", 5432),
                                                 dbname=params["dbname"], user=params.get("user", "postgres"), table=table))
        env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        subprocess.run([str(bin_dir / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
                       env=env, check=True, capture_output=True)
        self.port = port
        self.process = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{port}", "--workers", str(CLIENTS),
             "--log-level", "warning"], env=env, cwd=self.directory.name,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.get("/collections/roads/items?limit=1")
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("pygeoapi did not start")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=600) as response:
            return response.read()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.directory.cleanup()


def ogc_scenarios(server, database_url, conn, layer, bbox, seconds, free_port):
    """OGC API items, pages of 1,000 and a bbox query, ours against pygeoapi on the same
    roads. pygeoapi's provider reflects a table of plain columns, so it gets the layer's
    attributes as columns (a copy made here), where ours reads them from jsonb."""
    from django.urls import reverse

    table = f"bench_pygeoapi_{layer.pk}"
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(
        f"""CREATE TABLE {table} AS SELECT id, geom, properties->>'name_th' AS name_th, properties->>'surface' AS surface,
                   properties->>'condition' AS condition, (properties->>'width_m')::int AS width_m
            FROM layers_feature WHERE layer_id = %s""", [layer.pk])
    conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
    conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    conn.execute(f"ANALYZE {table}")
    bbox_text = ",".join(f"{v:.6f}" for v in bbox)
    items = reverse("ogc-items", args=[f"{layer.municipality.slug}.{layer.slug}"])
    peer = Pygeoapi(database_url, table, free_port())
    try:
        results = []
        for name, ours_path, peer_path in (
            ("OGC items, page of 1,000", f"{items}?limit=1000&offset=1000", "/collections/roads/items?f=json&limit=1000&offset=1000"),
            ("OGC items, bbox (limit 1,000)", f"{items}?limit=1000&bbox={bbox_text}", f"/collections/roads/items?f=json&limit=1000&bbox={bbox_text}"),
        ):
            ours = under_load(lambda: server.get(ours_path), seconds)
            floor = under_load(lambda: peer.get(peer_path), seconds)
            results.append(throughput_entry(name, layer.features.count(), ours, f"{PYGEOAPI} (PostgreSQL provider)", floor))
        return results
    finally:
        peer.stop()
        conn.execute(f"DROP TABLE IF EXISTS {table}")
