"""Dashboard figures against values computed by hand on a few features of known size.

Lengths on the WGS84 ellipsoid: a short meridian arc is M·Δφ and a short arc of a
parallel is N·cosφ·Δλ, with M and N the radii of curvature at that latitude.
"""

import math
from datetime import timedelta

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.exceptions import ValidationError
from django.utils import timezone

from dashboards.measures import Filters, NoAccess, compute, rollup
from dashboards.models import Dashboard, Widget
from layers.models import Feature, Layer

A, E2 = 6378137.0, 0.00669437999014
LAT, LON, STEP = 13.70, 100.30, 0.01


def radii(lat):
    s2 = math.sin(math.radians(lat)) ** 2
    return A * (1 - E2) / (1 - E2 * s2) ** 1.5, A / math.sqrt(1 - E2 * s2)


def meridian_m(lat0, lat1):
    m, _ = radii((lat0 + lat1) / 2)
    return m * math.radians(lat1 - lat0)


def parallel_m(lat, lon0, lon1):
    _, n = radii(lat)
    return n * math.cos(math.radians(lat)) * math.radians(lon1 - lon0)


NORTH_M = meridian_m(LAT, LAT + STEP)  # ≈ 1106 m
EAST_M = parallel_m(LAT, LON, LON + STEP)  # ≈ 1081 m


def widget(dashboard, kind, **config):
    w = Widget(dashboard=dashboard, kind=kind, title_th=kind, config=config)
    w.full_clean()
    w.save()
    return w


@pytest.fixture
def town(world):
    """A second roads layer in Krathum Baen with two roads of known length, two zones
    that split the east-going road in half, health facilities and welfare cases."""
    t = world
    t.board = Dashboard.objects.create(municipality=t.kb, slug="town", title_th="เมือง", is_published=True)
    t.streets = Layer.from_template(t.kb, "roads", slug="streets")
    t.streets.save()
    north = LineString((LON, LAT), (LON, LAT + STEP), srid=4326)
    east = LineString((LON, LAT), (LON + STEP, LAT), srid=4326)
    Feature.create_in(t.streets, north, {"name_th": "เหนือ", "surface": "asphalt", "condition": "good", "width_m": 6}, None)
    Feature.create_in(t.streets, east, {"name_th": "ตะวันออก", "surface": "concrete", "condition": "poor", "width_m": 9}, None)
    t.zones = Layer.from_template(t.kb, "zones")
    t.zones.save()
    half = LON + STEP / 2
    box = lambda x0, x1: Polygon.from_bbox((x0, LAT - 0.001, x1, LAT + 0.001))  # noqa: E731
    t.west = Feature.create_in(t.zones, box(LON - 0.001, half), {"name_th": "ตะวันตก"}, None)
    t.east_zone = Feature.create_in(t.zones, box(half, LON + STEP + 0.001), {"name_th": "ตะวันออก"}, None)
    return t


def test_length_by_surface_is_measured_on_the_ellipsoid(town):
    data = compute(widget(town.board, "bar", layer=town.streets.pk, measure="length_km", group_by="surface"), town.viewer)
    by_key = {row["key"]: row for row in data["rows"]}
    assert by_key["asphalt"]["value"] == pytest.approx(NORTH_M / 1000, abs=0.001)
    assert by_key["concrete"]["value"] == pytest.approx(EAST_M / 1000, abs=0.001)
    assert by_key["asphalt"]["label_th"] == "ลาดยาง"
    assert data["total"]["value"] == pytest.approx((NORTH_M + EAST_M) / 1000, abs=0.001)


def test_count_sum_and_average_of_a_field(town):
    count = compute(widget(town.board, "kpi", layer=town.streets.pk), town.viewer)
    total = compute(widget(town.board, "kpi", layer=town.streets.pk, measure="sum", field="width_m"), town.viewer)
    mean = compute(widget(town.board, "kpi", layer=town.streets.pk, measure="avg", field="width_m"), town.viewer)
    poor = compute(widget(town.board, "kpi", layer=town.streets.pk, filters={"condition": "poor"}), town.viewer)
    assert (count["total"]["value"], total["total"]["value"], mean["total"]["value"], poor["total"]["value"]) == (2, 15, 7.5, 1)


def test_a_grouped_widget_totals_over_the_features_not_over_the_groups(town):
    Feature.create_in(town.streets, LineString((LON, LAT), (LON, LAT + STEP / 2), srid=4326),
                      {"name_th": "ซอย", "surface": "concrete", "condition": "good", "width_m": 12}, None)
    Feature.create_in(town.streets, LineString((LON, LAT), (LON, LAT + STEP / 4), srid=4326),
                      {"name_th": "ทางเดิน", "surface": "earth", "condition": "good"}, None)  # no width: not averaged
    streets = town.streets.pk
    mean = compute(widget(town.board, "bar", layer=streets, measure="avg", field="width_m", group_by="surface"), town.viewer)
    assert {row["key"]: row["value"] for row in mean["rows"]} == {"asphalt": 6, "concrete": 10.5, "earth": None}
    # (6 + 9 + 12) / 3, not the mean of the groups' means (8.25).
    assert (mean["total"]["value"], mean["total"]["n"]) == (9, 4)
    total = compute(widget(town.board, "pie", layer=streets, measure="sum", field="width_m", group_by="condition"), town.viewer)
    assert (total["total"]["value"], total["total"]["n"]) == (27, 4)
    count = compute(widget(town.board, "pie", layer=streets, group_by="condition"), town.viewer)
    assert [(row["key"], row["value"]) for row in count["rows"]] == [("good", 3), ("poor", 1)]
    assert count["total"]["value"] == 4


def test_area_in_rai_and_square_kilometres(town):
    rai = compute(widget(town.board, "kpi", layer=town.zones.pk, measure="area_rai"), town.viewer)
    km2 = compute(widget(town.board, "kpi", layer=town.zones.pk, measure="area_km2"), town.viewer)
    # Both boxes together: 0.012° of longitude by 0.002° of latitude.
    expected = meridian_m(LAT - 0.001, LAT + 0.001) * parallel_m(LAT, LON, LON + STEP + 0.002)
    assert rai["total"]["value"] == pytest.approx(expected / 1600, rel=1e-4)
    assert km2["total"]["value"] == pytest.approx(expected / 1e6, rel=1e-3)


def test_choropleth_splits_a_road_at_the_zone_boundary(town):
    data = compute(
        widget(town.board, "choropleth", layer=town.streets.pk, measure="length_km", zones_layer=town.zones.pk),
        town.viewer,
    )
    by_zone = {row["key"]: row for row in data["rows"]}
    # The north road starts inside the west zone: 0.001° of it lies in the box.
    west = (EAST_M / 2 + meridian_m(LAT, LAT + 0.001)) / 1000
    assert by_zone[town.west.pk]["value"] == pytest.approx(west, abs=0.001)
    assert by_zone[town.east_zone.pk]["value"] == pytest.approx(EAST_M / 2 / 1000, abs=0.001)
    assert (by_zone[town.west.pk]["n"], by_zone[town.east_zone.pk]["n"]) == (2, 1)


def test_zone_area_and_date_filters_apply(town):
    w = widget(town.board, "kpi", layer=town.streets.pk, measure="length_km")
    in_east = compute(w, town.viewer, Filters.from_params({"zone": str(town.east_zone.pk)}, town.viewer))
    assert in_east["total"]["value"] == pytest.approx(EAST_M / 2 / 1000, abs=0.001)
    drawn = '{"type":"Polygon","coordinates":[[[100.299,13.705],[100.301,13.705],[100.301,13.711],[100.299,13.711],[100.299,13.705]]]}'
    in_drawn = compute(w, town.viewer, Filters.from_params({"area": drawn}, town.viewer))
    assert in_drawn["total"]["value"] == pytest.approx(meridian_m(LAT + 0.005, LAT + STEP) / 1000, abs=0.001)
    # The filter compares local (Bangkok) dates: after 17:00 UTC, UTC is a day behind.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert compute(w, town.viewer, Filters.from_params({"from": tomorrow}, town.viewer))["total"]["value"] is None
    assert compute(w, town.viewer, Filters.from_params({"to": tomorrow}, town.viewer))["total"]["n"] == 2


def test_a_zone_the_reader_cannot_see_is_refused(town):
    town.zones.access = "internal"
    town.zones.save()
    with pytest.raises(ValidationError):
        Filters.from_params({"zone": str(town.west.pk)}, town.stranger)


def welfare_cases(world, groups):
    for i, group in enumerate(groups):
        Feature.create_in(
            world.welfare, Point(LON + i * 0.0001, LAT, srid=4326), {"case_code": f"C{i}", "full_name": "ทดสอบ", "group": group}, None
        )


def test_small_groups_of_a_restricted_layer_are_suppressed(town):
    welfare_cases(town, ["elderly"] * 5 + ["disabled"] * 2)  # plus the world's one elderly case
    data = compute(widget(town.board, "bar", layer=town.welfare.pk, group_by="group"), town.health)
    by_key = {row["key"]: row for row in data["rows"]}
    assert by_key["elderly"]["value"] == 6
    assert by_key["disabled"] == {**by_key["disabled"], "value": None, "n": None, "suppressed": True}
    # With one group hidden, the total would give it away (total − elderly).
    assert data["total"]["value"] is None and data["total"]["suppressed"]


def test_restricted_layer_is_no_access_for_members_without_a_grant(town):
    w = widget(town.board, "kpi", layer=town.welfare.pk)
    with pytest.raises(NoAccess):
        compute(w, town.viewer)
    with pytest.raises(NoAccess):
        compute(widget(town.board, "kpi", layer=town.drains.pk), town.stranger)


def test_coverage_counts_targets_within_the_radius(town):
    clinics = Layer.from_template(town.kb, "health_facilities")
    clinics.save()
    Feature.create_in(clinics, Point(LON, LAT, srid=4326), {"name_th": "รพ.สต.", "kind": "sub_district"}, None)
    # Six cases 0, 100, …, 500 m north of the clinic (and the world's case, far away).
    per_degree = meridian_m(LAT, LAT + 0.001) / 0.001
    for i in range(6):
        Feature.create_in(
            town.welfare, Point(LON, LAT + i * 100 / per_degree, srid=4326), {"case_code": f"N{i}", "full_name": "ทดสอบ", "group": "elderly"}, None
        )
    w = widget(town.board, "coverage", layer=clinics.pk, target_layer=town.welfare.pk, radius_m=450)
    data = compute(w, town.health)
    by_key = {row["key"]: row for row in data["rows"]}
    assert by_key["covered"]["value"] == 5
    # One case out of reach: a cell of one person, suppressed.
    assert by_key["not_covered"]["suppressed"]
    with pytest.raises(NoAccess):
        compute(w, town.viewer)


def test_monthly_line_groups_by_updated_at(town):
    data = compute(widget(town.board, "line", layer=town.streets.pk, group_by="month"), town.viewer)
    assert data["rows"] == [{**data["rows"][0], "key": timezone.now().strftime("%Y-%m"), "value": 2}]


def test_a_table_never_lists_a_restricted_layer(town):
    with pytest.raises(ValidationError):
        widget(town.board, "table", layer=town.welfare.pk)
    rows = compute(widget(town.board, "table", layer=town.streets.pk, columns=["name_th", "surface"]), town.viewer)["rows"]
    assert [r["values"] for r in rows] == [["เหนือ", "asphalt"], ["ตะวันออก", "concrete"]]


@pytest.mark.parametrize(
    "kind,config",
    [
        ("kpi", {"layer": 0}),
        ("kpi", {"measure": "length_km"}),  # layer filled in below: landmarks are points
        ("bar", {"measure": "count"}),
        ("kpi", {"measure": "sum", "field": "surface"}),
        ("bar", {"group_by": "no_such_field"}),
        ("kpi", {"filters": {"condition": "excellent"}}),
        ("coverage", {"radius_m": 0, "target_layer": None}),
        ("choropleth", {"zones_layer": None}),
        ("kpi", {"colors": ["red"]}),
    ],
)
def test_config_is_checked_against_the_layer_schema(town, kind, config):
    landmarks = Layer.from_template(town.kb, "landmarks")
    landmarks.save()
    config = {"layer": landmarks.pk if "layer" not in config else config["layer"], **{k: v for k, v in config.items() if k != "layer"}}
    if "target_layer" in config:
        config["target_layer"] = town.roads.pk
    with pytest.raises(ValidationError) as error:
        Widget(dashboard=town.board, kind=kind, title_th="x", config=config).full_clean()
    assert " / " in error.value.messages[0]  # Thai / English


def test_a_widget_cannot_use_another_municipalitys_layer(town):
    with pytest.raises(ValidationError):
        Widget(dashboard=town.board, kind="kpi", title_th="x", config={"layer": town.nd_roads.pk}).full_clean()


def test_rollup_gives_each_municipality_its_figure(town):
    data = rollup(town.admin, "roads", "count")
    assert {row["key"]: row["value"] for row in data["rows"]} == {"krathum-baen": 3, "na-di": 1}
    # A viewer's roll-up holds only what the viewer may see: here all roads are public.
    welfare = rollup(town.viewer, "welfare_cases", "count")
    assert welfare["rows"] == []


def test_restricted_figures_refuse_a_drawn_area(town):
    w = widget(town.board, "kpi", layer=town.welfare.pk)
    drawn = '{"type":"Polygon","coordinates":[[[100.25,13.65],[100.26,13.65],[100.26,13.66],[100.25,13.65]]]}'
    with pytest.raises(ValidationError):
        compute(w, town.health, Filters.from_params({"area": drawn}, town.health))
    # A zone is fine: here it holds nobody, and an empty cell reveals no one.
    assert compute(w, town.health, Filters.from_params({"zone": str(town.west.pk)}, town.health))["total"]["value"] == 0


def test_a_date_range_filters_the_features_not_the_zones(town):
    w = widget(town.board, "choropleth", layer=town.streets.pk, zones_layer=town.zones.pk)
    # The filter compares local (Bangkok) dates: after 17:00 UTC, UTC is a day behind.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = compute(w, town.viewer, Filters.from_params({"from": tomorrow}, town.viewer))
    assert [(row["key"], row["n"]) for row in data["rows"]] == [(town.west.pk, 0), (town.east_zone.pk, 0)]
