import pytest
from django.contrib.gis.geos import LineString
from django.db import DatabaseError, connection, transaction

from layers.models import Feature, Revision, StaleVersion


def test_revisions_cannot_be_rewritten_even_in_sql(world):
    revision = Revision.objects.filter(feature_id=world.road.pk).first()
    with pytest.raises(ValueError):
        revision.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE layers_revision SET action = 'update' WHERE id = %s", [revision.pk])


def test_a_stale_change_raises_and_leaves_the_row_alone(world):
    world.road.change(world.colleague, 1, properties={"condition": "poor"})
    with pytest.raises(StaleVersion) as error:
        world.road.change(world.owner, 1, properties={"condition": "good"})
    assert error.value.feature.version == 2
    assert Feature.objects.get(pk=world.road.pk).properties["condition"] == "poor"


def test_a_failed_validation_writes_no_revision(world):
    from django.core.exceptions import ValidationError

    before = Revision.objects.count()
    with pytest.raises(ValidationError):
        world.road.change(world.colleague, 1, geom=LineString((100.0, 13.0), (100.0, 13.0), srid=4326))
    assert Revision.objects.count() == before
    assert Feature.objects.get(pk=world.road.pk).version == 1


def test_restoring_a_deleted_feature_twice_updates_the_second_time(world):
    world.road.remove(world.colleague)
    deletion = Revision.objects.get(feature_id=world.road.pk, action="delete")
    restored = deletion.restore(world.colleague)
    assert restored.version == 2
    with pytest.raises(StaleVersion):
        deletion.restore(world.colleague, expected_version=1)
    assert deletion.restore(world.colleague, expected_version=2).version == 3


def test_coordinates_out_of_range_are_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="WGS84"):
        Feature.create_in(world.roads, LineString((660000, 1510000), (660100, 1510100), srid=4326), {"name_th": "ก"}, None)


def test_search_matches_values_and_choice_labels_not_keys(world):
    from layers.models import Feature

    assert set(Feature.objects.matching("ถนนกระทุ่ม")) == {world.road}
    assert set(Feature.objects.matching("ลาดยาง")) == {world.road, world.nd_road}  # the label of "asphalt"
    assert set(Feature.objects.matching("Elderly")) == {world.case, world.nd_case}
    assert not Feature.objects.matching("name_th").exists()
    assert not Feature.objects.matching("%").exists()


def test_a_feature_keeps_its_length_and_area_on_the_spheroid_and_none_it_cannot_have(world):
    import pyproj
    from django.contrib.gis.geos import Point, Polygon

    from layers.models import Layer

    geod = pyproj.Geod(ellps="WGS84")
    road = Feature.objects.get(pk=world.road.pk)
    lons, lats = zip(*road.geom.coords)
    assert road.length_m == pytest.approx(geod.line_length(lons, lats), rel=1e-6) and road.area_m2 == 0
    zones = Layer.from_template(world.kb, "zones")
    zones.save()
    ring = ((100.25, 13.64), (100.26, 13.64), (100.26, 13.65), (100.25, 13.65), (100.25, 13.64))
    zone = Feature.create_in(zones, Polygon(ring, srid=4326), {"name_th": "ชุมชน"}, world.owner)
    zone.refresh_from_db()
    area, _ = geod.polygon_area_perimeter(*zip(*ring))
    assert zone.area_m2 == pytest.approx(abs(area), rel=1e-6) and zone.length_m == 0
    temples = Layer.from_template(world.kb, "landmarks")
    temples.save()
    temple = Feature.create_in(temples, Point(100.2572, 13.6523, srid=4326), {"name_th": "วัด", "kind": "temple"}, world.owner)
    temple.refresh_from_db()
    assert (temple.length_m, temple.area_m2) == (0, 0)
