"""A 10-widget dashboard over 100,000 features, against the same figures in hand-written SQL.

`make bench` runs `dashboard_scenarios` (from bench/run.py, in its database). By hand, for
the figures widget by widget:

    DATABASE_URL=postgres://… python bench/dashboard_widgets.py [--features 100000] [--runs 3]

(Not bench/dashboards.py: run.py imports this module by name, and `dashboards` is the app.)

Our side is `dashboards.measures.compute` for every widget, as a member of the
municipality (so the permission subqueries are in the plan), cold: the figures' cache is
emptied before each run, so every figure is computed. Warm is the same dashboard viewed
again, answered from the cache (the permission checks and each layer's change marker
still run). The baseline is the floor: for each figure the hand-written SQL an expert
would write over the same table (the stored lengths, one GROUP BY with its total by
GROUPING SETS, zones clipping only the roads that cross their edge), fetched by psycopg
with the app's session settings and no permission check. Data go into a database of
their own, made once and kept between runs.
"""

import argparse
import os
import sys
from pathlib import Path

import psycopg
from timing import median_seconds

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 0.3  # issue 9: "a dashboard of 10 widgets over 100,000 features: under 300 ms server time"
SESSION = "-c jit=off -c max_parallel_workers_per_gather=0"  # as the app's connections (gis_portal/settings.py)

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
    """The floor: each figure as the hand-written SQL for it (grouped widgets with their
    total, as ours give it)."""
    grouped = "SELECT {key}, {value}, count(*) FROM layers_feature WHERE layer_id = {r} GROUP BY GROUPING SETS (({key}), ())"
    length = "sum(length_m) / 1000"
    inside = f"""SELECT CASE WHEN ST_Contains(z.geom, f.geom) THEN f.length_m
                            ELSE ST_Length(ST_Intersection(f.geom, z.geom)::geography) END AS metres
                 FROM layers_feature f WHERE f.layer_id = {r} AND ST_Intersects(f.geom, z.geom)"""
    return [
        (f"SELECT count(*) FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT {length}, count(*) FROM layers_feature WHERE layer_id = {r}",),
        (grouped.format(key="properties->>'surface'", value=length, r=r),),
        (grouped.format(key="properties->>'condition'", value=length, r=r),),
        (grouped.format(key="properties->>'condition'", value="count(*)", r=r),),
        (f"SELECT sum((properties->>'width_m')::float), count(*) FROM layers_feature WHERE layer_id = {r}",),
        (f"SELECT avg((properties->>'width_m')::float), count(*) FROM layers_feature WHERE layer_id = {r}",),
        (grouped.format(key="date_trunc('month', updated_at AT TIME ZONE 'Asia/Bangkok')", value="count(*)", r=r),),
        (f"""SELECT z.id, z.properties, figures.* FROM layers_feature z,
                    LATERAL (SELECT sum(metres) / 1000, count(*) FROM ({inside}) parts) figures
             WHERE z.layer_id = {z} ORDER BY z.id""",),
        (f"""SELECT ST_DWithin(t.geom::geography, s.every::geography, {RADIUS_M}), count(*)
             FROM layers_feature t, (SELECT ST_Collect(geom) AS every FROM layers_feature WHERE layer_id = {h}) s
             WHERE t.layer_id = {w} GROUP BY 1""",),
    ]


def dashboard_sides(database_url, size, runs):
    """Medians of the whole dashboard: (ours cold, ours warm, floor), and per widget
    (kind, ours cold, floor)."""
    from django.core.cache import cache

    from dashboards.measures import compute

    user, widgets, ids = make_world(size)
    queries = raw_queries(*ids)
    with psycopg.connect(database_url, options=SESSION) as conn:

        def floor(groups=queries):
            for group in groups:
                for sql in group:
                    conn.execute(sql).fetchall()

        def ours(chosen=widgets):
            for widget in chosen:
                compute(widget, user)

        def cold(chosen=widgets):
            cache.clear()
            ours(chosen)

        cold()  # warm PostgreSQL's buffers and both sides' plans once
        floor()
        per_widget = [(w.kind, median_seconds(lambda w=w: cold([w]), runs, warm_up=False),
                       median_seconds(lambda g=group: floor([g]), runs, warm_up=False))
                      for w, group in zip(widgets, queries, strict=True)]
        totals = (median_seconds(cold, runs, warm_up=False), median_seconds(ours, runs, warm_up=False),
                  median_seconds(floor, runs, warm_up=False))
    return totals, per_widget


def dashboard_scenarios(entry, database_url, size, runs):
    """For `make bench` (bench/run.py, which passes its `entry`): the cold dashboard is the
    goal's figure; the warm one and each widget's cold time ride along."""
    (cold, warm, floor), per_widget = dashboard_sides(database_url, size, runs)
    return [entry("dashboard of 10 widgets (cold)", size, cold, "hand-written SQL per figure", floor,
                  goal_s=GOAL_S, warm_median_s=round(warm, 4),
                  widgets_s=[{"kind": kind, "ours_s": round(a, 4), "baseline_s": round(b, 4)} for kind, a, b in per_widget])]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="gis_dash_bench")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from run import django_setup, ensure_database

    url = ensure_database(os.environ["DATABASE_URL"], args.database)
    django_setup(url)
    (cold, warm, floor), per_widget = dashboard_sides(url, args.features, args.runs)
    print(f"{'widget':<12} {'ours s':>8} {'raw s':>8} {'ratio':>6}")
    for kind, a, b in per_widget:
        print(f"{kind:<12} {a:8.3f} {b:8.3f} {a / b:6.2f}")
    print(f"10-widget dashboard over {args.features:,} roads: ours {cold:.3f} s cold, {warm:.3f} s warm (cached); "
          f"hand-written SQL {floor:.3f} s; cold ratio {cold / floor:.2f}; goal {GOAL_S * 1000:.0f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
