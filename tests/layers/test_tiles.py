"""Vector tiles: decoded with mapbox-vector-tile, through the one permission path."""

import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import LineString, Point
from django.urls import reverse

from layers.models import Feature, Layer
from layers.tiles import MAX_FEATURES
from tests.conftest import client_for
from tests.layers.test_permissions import CAN_SEE, ROLES


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tile_url(layer, lon=100.255, lat=13.655, z=14):
    return reverse("tile", args=[layer.pk, *tile_of(lon, lat, z)])


def decode(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


def test_a_tile_holds_the_layer_features_with_thai_properties(world):
    layers = decode(client_for().get(tile_url(world.roads)))
    assert list(layers) == ["roads"]
    (feature,) = layers["roads"]["features"]
    assert feature["id"] == world.road.pk
    assert feature["properties"] == {"name_th": "ถนนกระทุ่มแบน", "surface": "asphalt", "condition": "good"}
    assert feature["geometry"]["type"] == "LineString"


def test_a_tile_elsewhere_is_empty(world):
    response = client_for().get(tile_url(world.roads, lon=99.0, lat=18.0))
    assert response.status_code == 200 and response.content == b""


def test_the_index_filter_keeps_other_layers_out(world):
    # Na Di's roads lie at the same coordinates in the test world: they stay in their layer.
    assert len(decode(client_for().get(tile_url(world.nd_roads)))["roads"]["features"]) == 1


@pytest.mark.parametrize("role", ROLES)
def test_tiles_answer_each_role_by_access_level(world, role):
    client = client_for(None if role == "anonymous" else getattr(world, role))
    for access, layer in (("public", world.roads), ("internal", world.drains), ("restricted", world.welfare)):
        for url in (tile_url(layer), reverse("tilejson", args=[layer.pk])):
            response = client.get(url)
            expected = 200 if role in CAN_SEE[access] else 404
            assert response.status_code == expected, (role, access, url)
            if expected == 404:
                assert "ไม่พบข้อมูล".encode() in response.content and b"KB-001" not in response.content


def test_missing_layer_and_tile_out_of_range_are_404(world):
    client = client_for(world.admin)
    assert client.get(reverse("tile", args=[999999, 0, 0, 0])).status_code == 404
    assert client.get(reverse("tile", args=[world.roads.pk, 2, 4, 0])).status_code == 404
    assert client.get(reverse("tile", args=[world.roads.pk, 23, 0, 0])).status_code == 404


def test_etag_gives_304_until_the_layer_changes(world):
    client = client_for()
    url = tile_url(world.roads)
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache"
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    Feature.create_in(world.roads, LineString((100.3, 13.7), (100.31, 13.71), srid=4326), {"name_th": "ซอยใหม่"}, None)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    world.road.remove(None)
    assert client.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_tiles_of_non_public_layers_are_private(world):
    response = client_for(world.viewer).get(tile_url(world.drains))
    assert response["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response["Vary"]


def test_tilejson_names_the_template_bounds_and_fields(world):
    data = client_for().get(reverse("tilejson", args=[world.roads.pk])).json()
    assert data["tiles"] == [f"http://testserver/tiles/{world.roads.pk}/{{z}}/{{x}}/{{y}}.mvt"]
    assert data["bounds"] == [100.25, 13.65, 100.26, 13.66]
    (layer,) = data["vector_layers"]
    assert layer["id"] == "roads" and layer["fields"]["lanes"] == "Number" and layer["fields"]["name_th"] == "String"


def dense_roads(layer, count):
    """`count` roads of ten vertices packed into the z12 tile of the test world (100.195–100.283 E,
    13.582–13.667 N)."""
    roads = [
        Feature(layer=layer, properties={"name_th": f"ถนนทดสอบ {i}", "surface": "asphalt", "condition": "good"},
                geom=LineString([(100.2 + (i % 100) * 0.0007 + k * 0.0003, 13.59 + (i // 100) * 0.0007 + (k % 2) * 0.0001)
                                 for k in range(10)], srid=4326))
        for i in range(count)
    ]
    Feature.objects.bulk_create(roads)


def test_a_dense_low_zoom_tile_stays_small_and_still_carries_the_first_features(world):
    dense_roads(world.roads, MAX_FEATURES + 1500)
    response = client_for().get(tile_url(world.roads, z=12))
    features = decode(response)["roads"]["features"]
    assert len(response.content) < 500_000
    assert len(features) == MAX_FEATURES
    # The cap keeps the first made: the world's own road, then the dense ones in order.
    ids = sorted(feature["id"] for feature in features)
    assert ids == list(Feature.objects.filter(layer=world.roads).order_by("id").values_list("id", flat=True)[:MAX_FEATURES])
    assert world.road.pk in ids
    assert features[0]["properties"]["surface"] == "asphalt"


def test_a_low_zoom_tile_simplifies_lines_to_its_pixels(world):
    # A 1 km road zigzagging 5 m either side every 10 m: wider than a tile unit at z12
    # (2.4 m), well under its pixel (38 m), so the tile draws it straight.
    Feature.objects.filter(layer=world.roads).delete()
    Feature.create_in(world.roads, LineString([(100.25 + i * 0.0001, 13.65 + (i % 2) * 0.00005) for i in range(100)],
                                              srid=4326), {"name_th": "ถนนยาว"}, None)
    (coarse,) = decode(client_for().get(tile_url(world.roads, z=12)))["roads"]["features"]
    assert coarse["properties"]["name_th"] == "ถนนยาว"
    assert coarse["geometry"]["type"] == "LineString" and len(coarse["geometry"]["coordinates"]) < 5


def test_a_line_smaller_than_a_pixel_shows_only_when_zoomed_in_but_a_point_always_shows(world):
    # 3 metres long: under a pixel at z12, many pixels at z18.
    tiny = Feature.create_in(world.roads, LineString((100.2551, 13.6551), (100.25513, 13.6551), srid=4326),
                             {"name_th": "ซอยสั้น"}, None)
    at_z12 = {feature["id"] for feature in decode(client_for().get(tile_url(world.roads, lon=100.2551, lat=13.6551, z=12)))["roads"]["features"]}
    at_z18 = {feature["id"] for feature in decode(client_for().get(tile_url(world.roads, lon=100.2551, lat=13.6551, z=18)))["roads"]["features"]}
    assert tiny.pk not in at_z12 and world.road.pk in at_z12
    assert tiny.pk in at_z18
    lights = Layer.from_template(world.kb, "street_lights", access="public")
    lights.save()
    light = Feature.create_in(lights, Point(100.2551, 13.6551, srid=4326), {"pole_code": "P-1"}, None)
    (shown,) = decode(client_for().get(tile_url(lights, lon=100.2551, lat=13.6551, z=12)))["street-lights"]["features"]
    assert shown["id"] == light.pk


def test_a_tile_costs_one_query_for_layer_permission_and_etag_and_one_for_the_tile(world, django_assert_num_queries):
    client = client_for(world.viewer)
    url = tile_url(world.drains)
    with django_assert_num_queries(2):
        etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
