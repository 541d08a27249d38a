"""OGC API – Features: every endpoint through Django's test client, and GDAL's OAPIF
driver (ogrinfo) against a live server as a real client."""

import base64
import json
import os
import subprocess

import pytest
from django.contrib.gis.geos import LineString
from django.urls import reverse

from layers.models import Feature
from tests.conftest import PASSWORD, client_for
from tests.layers.test_permissions import CAN_SEE, ROLES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
UTM47 = "http://www.opengis.net/def/crs/EPSG/0/32647"


def items_url(collection):
    return reverse("ogc-items", args=[collection])


def test_landing_page_links_conformance_and_data(world):
    data = client_for().get(reverse("ogc-landing")).json()
    rels = {link["rel"]: link["href"] for link in data["links"]}
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    assert rels["self"].endswith("/ogc/?f=json")
    assert rels["service-desc"].endswith("/ogc/api")


def test_openapi_document_describes_the_items_parameters(world):
    response = client_for().get(reverse("ogc-api"))
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    data = response.json()
    assert data["openapi"].startswith("3.0") and data["servers"] == [{"url": "http://testserver/ogc"}]
    limit = next(p for p in data["paths"]["/collections/{collectionId}/items"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}


def test_conformance_claims_only_what_is_implemented(world):
    classes = client_for().get(reverse("ogc-conformance")).json()["conformsTo"]
    assert {uri.rsplit("/", 1)[1] for uri in classes} == {"core", "geojson", "html", "oas30", "crs"}


@pytest.mark.parametrize(
    "role,expected",
    [
        (None, {"krathum-baen.roads", "na-di.roads"}),
        ("viewer", {"krathum-baen.roads", "krathum-baen.drains", "na-di.roads"}),
        ("health", {"krathum-baen.roads", "krathum-baen.drains", "krathum-baen.welfare-cases", "na-di.roads"}),
        ("stranger", {"krathum-baen.roads", "na-di.roads", "na-di.drains"}),
    ],
)
def test_collections_are_the_layers_the_user_may_see(world, role, expected):
    response = client_for(getattr(world, role) if role else None).get(reverse("ogc-collections"))
    collections = response.json()["collections"]
    assert {c["id"] for c in collections} == expected
    roads = next(c for c in collections if c["id"] == "krathum-baen.roads")
    assert roads["title"] == "ถนน กระทุ่มแบน / Roads, Krathum Baen"
    assert roads["extent"]["spatial"]["bbox"] == [[100.25, 13.65, 100.26, 13.66]]
    assert roads["storageCrs"] == CRS84 and UTM47 in roads["crs"] and EPSG4326 in roads["crs"]


def test_hidden_collection_challenges_anonymous_and_is_missing_for_others(world):
    for collection in ("krathum-baen.welfare-cases", "krathum-baen.no-such-layer"):
        for name in ("ogc-collection", "ogc-queryables", "ogc-items"):
            anonymous = client_for().get(reverse(name, args=[collection]))
            assert anonymous.status_code == 401
            assert anonymous["WWW-Authenticate"].startswith("Basic")
            signed_in = client_for(world.viewer).get(reverse(name, args=[collection]))
            assert signed_in.status_code == 404
            assert "สมศรี".encode() not in signed_in.content and b"welfare" not in signed_in.content
    item = reverse("ogc-item", args=["krathum-baen.welfare-cases", world.case.pk])
    assert client_for(world.viewer).get(item).status_code == 404
    assert client_for(world.health).get(item).json()["properties"]["full_name"] == "สมศรี ใจดี"


def test_http_basic_opens_a_restricted_collection(world):
    header = "Basic " + base64.b64encode(f"health:{PASSWORD}".encode()).decode()
    response = client_for().get(items_url("krathum-baen.welfare-cases"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 200
    assert "Authorization" in response["Vary"] and response["Cache-Control"] == "no-store"
    assert "สมศรี ใจดี" in response.getvalue().decode()


def test_a_feature_of_another_collection_is_not_found_through_this_one(world):
    url = reverse("ogc-item", args=["krathum-baen.roads", world.nd_road.pk])
    assert client_for(world.admin).get(url).status_code == 404
    assert client_for(world.admin).get(reverse("ogc-item", args=["krathum-baen.roads", "abc"])).status_code == 404


def read(response):
    assert response.status_code == 200, response.content
    return response.json() if not response.streaming else json.loads(b"".join(response.streaming_content))


def add_roads(world, count):
    for i in range(count):
        Feature.create_in(
            world.roads,
            LineString((100.30 + i / 100, 13.70), (100.31 + i / 100, 13.71), srid=4326),
            {"name_th": f"ซอย {i}", "surface": "concrete"},
            None,
        )


def test_items_page_with_limit_offset_next_and_prev(world):
    add_roads(world, 4)
    client = client_for()
    first = read(client.get(items_url("krathum-baen.roads"), {"limit": 2}))
    assert first["numberMatched"] == 5 and first["numberReturned"] == 2
    assert first["features"][0]["id"] == world.road.pk
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links and "offset=2" in links["next"]
    last = read(client.get(links["next"].replace("offset=2", "offset=4")))
    links = {link["rel"]: link["href"] for link in last["links"]}
    assert last["numberReturned"] == 1 and "next" not in links and "offset=2" in links["prev"]


def test_items_default_and_maximum_limit(world):
    add_roads(world, 11)
    client = client_for()
    assert read(client.get(items_url("krathum-baen.roads")))["numberReturned"] == 10
    assert read(client.get(items_url("krathum-baen.roads"), {"limit": 99999}))["numberReturned"] == 12
    assert client.get(items_url("krathum-baen.roads"), {"limit": 0}).status_code == 400
    assert client.get(items_url("krathum-baen.roads"), {"limit": "ten"}).status_code == 400


def test_items_filter_by_bbox_and_by_field(world):
    add_roads(world, 2)
    client = client_for()
    url = items_url("krathum-baen.roads")
    assert read(client.get(url, {"bbox": "100.2,13.6,100.27,13.67"}))["numberMatched"] == 1
    assert read(client.get(url, {"surface": "concrete"}))["numberMatched"] == 2
    assert read(client.get(url, {"surface": "asphalt", "bbox": "100.29,13.69,101,14"}))["numberMatched"] == 0
    # EPSG:4326 in OGC order is latitude first
    assert read(client.get(url, {"bbox": "13.6,100.2,13.67,100.27", "bbox-crs": EPSG4326}))["numberMatched"] == 1
    # UTM 47N: eastings and northings around Krathum Baen
    assert read(client.get(url, {"bbox": "630000,1505000,640000,1515000", "bbox-crs": UTM47}))["numberMatched"] == 1


def test_items_refuse_unknown_parameters_and_bad_values(world):
    client = client_for()
    url = items_url("krathum-baen.roads")
    for params in ({"colour": "red"}, {"bbox": "1,2,3"}, {"bbox": "1,5,3,2"}, {"bbox": "nan,1,2,3"}, {"crs": "EPSG:9999"}, {"surface": "gold"}):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "InvalidParameterValue"
        assert " / " in response.json()["description"]  # Thai / English


def test_items_in_other_crs_mind_the_axis_order(world):
    client = client_for()
    url = items_url("krathum-baen.roads")
    default = client.get(url)
    assert default["Content-Crs"] == f"<{CRS84}>"
    assert read(default)["features"][0]["geometry"]["coordinates"][0] == [100.25, 13.65]
    latlon = client.get(url, {"crs": EPSG4326})
    assert latlon["Content-Crs"] == f"<{EPSG4326}>"
    assert read(latlon)["features"][0]["geometry"]["coordinates"][0] == [13.65, 100.25]
    utm = client.get(url, {"crs": UTM47})
    easting, northing = read(utm)["features"][0]["geometry"]["coordinates"][0]
    # 100.25E 13.65N in UTM 47N (central meridian 99E), checked with `cs2cs EPSG:4326 EPSG:32647`
    assert (round(easting), round(northing)) == (635200, 1509367)
    item = client.get(reverse("ogc-item", args=["krathum-baen.roads", world.road.pk]), {"crs": UTM47})
    assert item["Content-Crs"] == f"<{UTM47}>"
    assert item.json()["geometry"]["coordinates"][0] == [easting, northing]


def test_item_and_its_links(world):
    data = client_for().get(reverse("ogc-item", args=["krathum-baen.roads", world.road.pk])).json()
    assert data["properties"]["name_th"] == "ถนนกระทุ่มแบน"
    assert {link["rel"] for link in data["links"]} == {"self", "alternate", "collection"}


def test_queryables_are_the_layer_schema(world):
    response = client_for().get(reverse("ogc-queryables", args=["krathum-baen.roads"]))
    assert response["Content-Type"] == "application/schema+json"
    properties = response.json()["properties"]
    assert properties["surface"]["enum"][:2] == ["asphalt", "concrete"]
    assert properties["name_th"]["type"] == "string"
    assert properties["survey_date"] == {"title": "วันที่สำรวจ / Survey date", "type": "string", "format": "date"}


def test_html_pages_escape_what_users_typed(world):
    world.road.change(None, 1, properties={"name_th": "<script>alert(1)</script>"})
    client = client_for()
    for url in (
        reverse("ogc-landing"),
        reverse("ogc-api"),
        reverse("ogc-conformance"),
        reverse("ogc-collections"),
        reverse("ogc-collection", args=["krathum-baen.roads"]),
        reverse("ogc-queryables", args=["krathum-baen.roads"]),
        items_url("krathum-baen.roads"),
        reverse("ogc-item", args=["krathum-baen.roads", world.road.pk]),
    ):
        response = client.get(url, {"f": "html"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), url
        assert b"<script>alert" not in response.content
    page = client.get(items_url("krathum-baen.roads"), HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;".encode() in page.content


def ogrinfo(url, *args, user=None):
    env = dict(os.environ, GDAL_HTTP_TIMEOUT="20")
    if user:
        env.update(GDAL_HTTP_AUTH="BASIC", GDAL_HTTP_USERPWD=f"{user}:{PASSWORD}")
    result = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{url}/ogc/", *args], capture_output=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_gdal_lists_visible_layers_and_reads_thai_text(world, live_server):
    listing = ogrinfo(live_server.url, "-so")
    assert b"krathum-baen.roads" in listing and b"na-di.roads" in listing
    assert b"drains" not in listing and b"welfare" not in listing
    assert "ถนน กระทุ่มแบน / Roads, Krathum Baen".encode() in listing
    features = ogrinfo(live_server.url, "krathum-baen.roads")
    assert "name_th (String) = ถนนกระทุ่มแบน".encode() in features
    assert b"LINESTRING (100.25 13.65,100.26 13.66)" in features


@pytest.mark.django_db(transaction=True)
def test_gdal_with_http_basic_sees_a_restricted_layer_only_when_granted(world, live_server):
    assert b"krathum-baen.welfare-cases" not in ogrinfo(live_server.url, "-so", user="viewer")
    assert b"krathum-baen.welfare-cases" in ogrinfo(live_server.url, "-so", user="health")
    case = ogrinfo(live_server.url, "krathum-baen.welfare-cases", user="health")
    assert "full_name (String) = สมศรี ใจดี".encode() in case


@pytest.mark.parametrize("role", ROLES)
def test_every_collection_endpoint_answers_each_role_by_access_level(world, role):
    client = client_for(None if role == "anonymous" else getattr(world, role))
    for access, layer, feature in (
        ("public", world.roads, world.road),
        ("internal", world.drains, world.drain),
        ("restricted", world.welfare, world.case),
    ):
        collection = f"krathum-baen.{layer.slug}"
        for url in (
            reverse("ogc-collection", args=[collection]),
            reverse("ogc-queryables", args=[collection]),
            items_url(collection),
            reverse("ogc-item", args=[collection, feature.pk]),
        ):
            response = client.get(url)
            expected = 200 if role in CAN_SEE[access] else 401 if role == "anonymous" else 404
            assert response.status_code == expected, (role, access, url)
            if expected != 200:
                assert layer.name_th.encode() not in response.content and b"KB-001" not in response.content
