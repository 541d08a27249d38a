"""Vector tiles: decoded with mapbox-vector-tile, through the one permission path."""

import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse

from layers.models import Feature
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
