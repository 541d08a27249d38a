"""A 10-widget dashboard over 100,000 features, against the same figures in raw SQL.

    DATABASE_URL=postgres://… python bench/dashboards.py [--features 100000] [--runs 3]

Our side is `dashboards.measures.compute` for every widget, as a member of the
municipality (so the permission subqueries are in the plan). The baseline is the floor:
hand-written SQL for each figure, fetched by psycopg, with no permission check. Data go
into a database of their own (gis_dash_bench), made once and kept between runs.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import django_setup, ensure_database  # noqa: E402

X0, Y0, SPAN = 100.20, 13.60, 0.12
RADIUS_M = 500


def make_world(size):
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point, Polygon
    from django.db import connection

    from dashboards.models import Dashboard, Widget
    from layers.models import Feature, Layer, Membership, Municipality

    place, _ = Municipality.objects.get_or_create(
        slug="bench-dash", defaults=dict(name_th="ทดสอบ", name_en="Bench", kind="town_municipality",
                                         province_th="-", province_en="-", dla_code="9999998"),
    )
    layers = {}
    for template in ("roads", "zones", "health_facilities", "welfare_cases"):
        layers[template] = Layer.objects.filter(municipality=place, template=template).first() or _save(Layer.from_template(place, template))
    roads = layers["roads"]
    if roads.features.count() != size:
        roads.features.all().delete()
        with connection.cursor() as cursor:
            # 100,000 short lines in one INSERT … SELECT: the data, not the loader, is the point.
            cursor.execute(
                """INSERT INTO layers_feature (layer_id, geom, properties, version, created_at, updated_at)
                SELECT %s, ST_SetSRID(ST_MakeLine(ST_MakePoint(x, y), ST_MakePoint(x + 0.002, y + 0.001)), 4326),
                       jsonb_build_object('name_th', 'ถนน ' || i,
                                          'surface', (ARRAY['asphalt','concrete','laterite','gravel','earth'])[1 + i %% 5],
                                          'condition', (ARRAY['good','fair','poor','damaged'])[1 + i %% 4],
                                          'width_m', 4 + i %% 6),
                       1, now() - (i %% 365) * interval '1 day', now() - (i %% 365) * interval '1 day'
                FROM (SELECT i, %s + random() * %s AS x, %s + random() * %s AS y FROM generate_series(1, %s) i) s""",
                [roads.pk, X0, SPAN, Y0, SPAN, size],
            )
        half = SPAN / 2
        for i, (x, y) in enumerate([(X0, Y0), (X0 + half, Y0), (X0, Y0 + half), (X0 + half, Y0 + half)]):
            Feature.objects.create(layer=layers["zones"], geom=Polygon.from_bbox((x, y, x + half, y + half)), properties={"name_th": f"เขต {i}"})
        for i in range(20):
            Feature.objects.create(layer=layers["health_facilities"], geom=Point(X0 + SPAN * (i % 5) / 5, Y0 + SPAN * (i // 5) / 4),
                                   properties={"name_th": f"รพ.สต. {i}", "kind": "sub_district"})
        for i in range(2000):
            Feature.objects.create(layer=layers["welfare_cases"], geom=Point(X0 + SPAN * (i % 50) / 50, Y0 + SPAN * (i // 50) / 40),
                                   properties={"case_code": str(i), "full_name": "-", "group": ["elderly", "disabled", "bedridden"][i % 3]})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE layers_feature")
    user, _ = get_user_model().objects.get_or_create(username="bench-dash-health")
    Membership.objects.get_or_create(user=user, municipality=place, defaults={"role": "viewer"})
    layers["welfare_cases"].grants.get_or_create(user=user)
    board, _ = Dashboard.objects.get_or_create(municipality=place, slug="bench", defaults={"title_th": "ทดสอบ", "is_published": True})
    board.widgets.all().delete()
    r, z, h, w = (layers[t].pk for t in ("roads", "zones", "health_facilities", "welfare_cases"))
    specs = [
        ("kpi", {"layer": r}),
        ("kpi", {"layer": r, "measure": "length_km"}),
        ("bar", {"layer": r, "measure": "length_km", "group_by": "surface"}),
        ("bar", {"layer": r, "measure": "length_km", "group_by": "condition"}),
        ("pie", {"layer": r, "group_by": "condition"}),
        ("kpi", {"layer": r, "measure": "sum", "field": "width_m"}),
        ("kpi", {"layer": r, "measure": "avg", "field": "width_m"}),
        ("line", {"layer": r, "group_by": "month"}),
        ("choropleth", {"layer": r, "measure": "length_km", "zones_layer": z}),
        ("coverage", {"layer": h, "target_layer": w, "radius_m": RADIUS_M}),
    ]
    widgets = [Widget.objects.create(dashboard=board, kind=kind, title_th=kind, config=config) for kind, config in specs]
    return user, widgets, (r, z, h, w)


def _save(layer):
    layer.save()
    return layer


def raw_queries(r, z, h, w):
    """The floor: each figure as one hand-written query (grouped widgets also need their
    total, as ours compute it)."""
    length = "sum(ST_Length(geom::geography)) / 1000"
    return [
        (f"SELECT count(*) FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT {length} FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT {length}, count(*) FROM layers_feature WHERE layer_id = {r}",
         f"SELECT properties->>'surface', {length}, count(*) FROM layers_feature WHERE layer_id = {r} GROUP BY 1"),
        (f"SELECT {length}, count(*) FROM layers_feature WHERE layer_id = {r}",
         f"SELECT properties->>'condition', {length}, count(*) FROM layers_feature WHERE layer_id = {r} GROUP BY 1"),
        (f"SELECT count(*) FROM layers_feature WHERE layer_id = {r}",
         f"SELECT properties->>'condition', count(*) FROM layers_feature WHERE layer_id = {r} GROUP BY 1"),
        (f"SELECT sum((properties->>'width_m')::float) FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT avg((properties->>'width_m')::float) FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT count(*) FROM layers_feature WHERE layer_id = {r}",
         f"SELECT date_trunc('month', updated_at), count(*) FROM layers_feature WHERE layer_id = {r} GROUP BY 1"),
        (f"""SELECT z.id, (SELECT sum(ST_Length(ST_Intersection(f.geom, z.geom)::geography)) / 1000
                          FROM layers_feature f WHERE f.layer_id = {r} AND ST_Intersects(f.geom, z.geom)),
                   (SELECT count(*) FROM layers_feature f WHERE f.layer_id = {r} AND ST_Intersects(f.geom, z.geom))
            FROM layers_feature z WHERE z.layer_id = {z}""",),
        (f"""SELECT EXISTS (SELECT 1 FROM layers_feature s WHERE s.layer_id = {h}
                              AND ST_DWithin(s.geom, t.geom, {RADIUS_M / 55660})
                              AND ST_DWithin(s.geom::geography, t.geom::geography, {RADIUS_M})), count(*)
            FROM layers_feature t WHERE t.layer_id = {w} GROUP BY 1""",),
    ]


def timed(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="gis_dash_bench")
    args = parser.parse_args()
    url = ensure_database(os.environ["DATABASE_URL"], args.database)
    django_setup(url)
    from dashboards.measures import compute

    user, widgets, ids = make_world(args.features)
    queries = raw_queries(*ids)
    with psycopg.connect(url) as conn:

        def baseline():
            for group in queries:
                for sql in group:
                    conn.execute(sql).fetchall()

        def ours():
            for widget in widgets:
                compute(widget, user)

        ours()  # warm both caches once
        baseline()
        print(f"{'widget':<12} {'ours s':>8} {'raw s':>8} {'ratio':>6}")
        for widget, group in zip(widgets, queries):
            a = timed(lambda: compute(widget, user), args.runs)
            b = timed(lambda: [conn.execute(sql).fetchall() for sql in group], args.runs)
            print(f"{widget.kind:<12} {a:8.3f} {b:8.3f} {a / b:6.2f}")
        total_ours, total_raw = timed(ours, args.runs), timed(baseline, args.runs)
    print(f"10-widget dashboard over {args.features:,} roads: ours {total_ours:.3f} s, raw SQL {total_raw:.3f} s, "
          f"ratio {total_ours / total_raw:.2f}")


if __name__ == "__main__":
    main()
