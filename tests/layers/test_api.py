import base64
import json

from django.urls import reverse
from rest_framework.test import APIClient

from layers.models import Feature, Revision
from tests.conftest import PASSWORD, client_for


def collection(response):
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.getvalue())


def new_road(client, layer, **properties):
    body = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[100.251, 13.651], [100.252, 13.652]]},
        "properties": {"name_th": "ซอยวัดดอนไก่ดี", "surface": "concrete", "condition": "fair", **properties},
    }
    return client.post(reverse("layer-features", args=[layer.pk]), body, format="json")


def test_features_come_as_a_geojson_feature_collection_with_version(world):
    data = collection(client_for().get(reverse("layer-features", args=[world.roads.pk])))
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    assert feature["id"] == world.road.pk
    assert feature["version"] == 1
    assert feature["geometry"] == {"type": "LineString", "coordinates": [[100.25, 13.65], [100.26, 13.66]]}
    assert feature["properties"]["name_th"] == "ถนนกระทุ่มแบน"


def test_bbox_keeps_only_features_inside(world):
    url = reverse("layer-features", args=[world.roads.pk])
    inside = collection(client_for().get(url, {"bbox": "100.2,13.6,100.3,13.7"}))
    outside = collection(client_for().get(url, {"bbox": "99.0,13.0,99.1,13.1"}))
    assert len(inside["features"]) == 1
    assert outside["features"] == []


def test_property_filters_use_the_field_types(world):
    client = client_for(world.colleague)
    new_road(client, world.roads, lanes=4)
    url = reverse("layer-features", args=[world.roads.pk])
    assert [f["properties"]["name_th"] for f in collection(client.get(url, {"surface": "concrete"}))["features"]] == ["ซอยวัดดอนไก่ดี"]
    assert len(collection(client.get(url, {"lanes": "4"}))["features"]) == 1
    assert len(collection(client.get(url, {"lanes": "4.0"}))["features"]) == 1


def test_an_unknown_filter_is_refused_by_name(world):
    response = client_for().get(reverse("layer-features", args=[world.roads.pk]), {"colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()


def test_paging_gives_a_next_link_until_the_last_page(world):
    client = client_for(world.colleague)
    for i in range(4):
        new_road(client, world.roads, name_th=f"ซอย {i}")
    url = reverse("layer-features", args=[world.roads.pk])
    first = collection(client.get(url, {"limit": 2}))
    assert first["numberReturned"] == 2
    (link,) = first["links"]
    assert link["rel"] == "next" and "offset=2" in link["href"]
    last = collection(client.get(url, {"limit": 2, "offset": 4}))
    assert last["numberReturned"] == 1 and last["links"] == []
    ids = [f["id"] for f in first["features"]] + [f["id"] for f in collection(client.get(url, {"limit": 2, "offset": 2}))["features"]]
    assert len(set(ids)) == 4


def test_a_bad_bbox_or_limit_says_what_is_wrong(world):
    url = reverse("layer-features", args=[world.roads.pk])
    assert "bbox" in client_for().get(url, {"bbox": "1,2,3"}).json()
    assert "limit" in client_for().get(url, {"limit": "-1"}).json()


def test_an_editor_adds_a_feature_recorded_in_history(world):
    response = new_road(client_for(world.colleague), world.roads)
    assert response.status_code == 201
    created = json.loads(response.content)
    assert response["ETag"] == '"1"'
    feature = Feature.objects.get(pk=created["id"])
    assert feature.properties["surface"] == "concrete"
    assert feature.created_by == world.colleague
    (revision,) = Revision.objects.filter(feature_id=feature.pk)
    assert (revision.action, revision.user, revision.before) == ("create", world.colleague, None)


def test_validation_errors_name_the_field_in_thai_and_english(world):
    response = new_road(client_for(world.colleague), world.roads, surface="gold", width_m="wide")
    assert response.status_code == 400
    errors = response.json()
    assert "ต้องเป็นค่าใดค่าหนึ่งใน" in errors["surface"][0] and "Must be one of" in errors["surface"][0]
    assert "ต้องเป็นตัวเลข" in errors["width_m"][0] and "Must be a number" in errors["width_m"][0]
    assert Feature.objects.filter(layer=world.roads).count() == 1


def test_a_missing_required_field_and_a_wrong_geometry_are_refused(world):
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.25, 13.65]}, "properties": {"surface": "earth"}}
    response = client_for(world.colleague).post(reverse("layer-features", args=[world.roads.pk]), body, format="json")
    assert response.status_code == 400
    assert "This field is required" in response.json()["name_th"][0]
    assert "LineString" in response.json()["geometry"][0]


def test_a_self_intersecting_polygon_is_refused(world):
    from layers.models import Layer

    zones = Layer.from_template(world.kb, "zones")
    zones.save()
    bowtie = {"type": "Polygon", "coordinates": [[[100, 13], [100.1, 13.1], [100.1, 13], [100, 13.1], [100, 13]]]}
    response = client_for(world.owner).post(
        reverse("layer-features", args=[zones.pk]),
        {"type": "Feature", "geometry": bowtie, "properties": {"name_th": "ชุมชน"}},
        format="json",
    )
    assert response.status_code == 400
    assert "Self-intersection" in response.json()["geometry"][0]


def test_patch_with_the_current_version_updates_and_bumps_it(world):
    url = reverse("feature-detail", args=[world.road.pk])
    response = client_for(world.colleague).patch(url, {"version": 1, "properties": {"condition": "damaged"}}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    world.road.refresh_from_db()
    assert world.road.properties == {"name_th": "ถนนกระทุ่มแบน", "surface": "asphalt", "condition": "damaged"}
    revision = Revision.objects.filter(feature_id=world.road.pk).first()
    assert revision.action == "update"
    assert revision.before["properties"]["condition"] == "good"
    assert revision.after["properties"]["condition"] == "damaged"


def test_a_stale_patch_gets_409_and_changes_nothing(world):
    url = reverse("feature-detail", args=[world.road.pk])
    alice, bob = client_for(world.colleague), client_for(world.owner)
    assert alice.patch(url, {"version": 1, "properties": {"condition": "poor"}}, format="json").status_code == 200
    response = bob.patch(url, {"version": 1, "properties": {"condition": "good"}}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["current"]["properties"]["condition"] == "poor"
    assert "Someone else changed this feature first" in body["detail"]
    world.road.refresh_from_db()
    assert (world.road.version, world.road.properties["condition"]) == (2, "poor")
    assert Revision.objects.filter(feature_id=world.road.pk).count() == 2


def test_if_match_carries_the_version(world):
    url = reverse("feature-detail", args=[world.road.pk])
    client = client_for(world.colleague)
    stale = client.patch(url, {"properties": {"condition": "poor"}}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 409
    fresh = client.patch(url, {"properties": {"condition": "poor"}}, format="json", HTTP_IF_MATCH='"1"')
    assert fresh.status_code == 200


def test_a_patch_without_a_version_is_refused(world):
    response = client_for(world.colleague).patch(
        reverse("feature-detail", args=[world.road.pk]), {"properties": {"condition": "poor"}}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_put_replaces_properties_and_geometry(world):
    body = {
        "version": 1,
        "geometry": {"type": "LineString", "coordinates": [[100.3, 13.7], [100.31, 13.71]]},
        "properties": {"name_th": "ถนนใหม่", "surface": "earth", "condition": "poor"},
    }
    response = client_for(world.colleague).put(reverse("feature-detail", args=[world.road.pk]), body, format="json")
    assert response.status_code == 200
    world.road.refresh_from_db()
    assert world.road.properties == body["properties"]
    assert world.road.geom.coords == ((100.3, 13.7), (100.31, 13.71))


def test_a_deleted_feature_comes_back_under_its_id_with_its_history(world):
    client = client_for(world.colleague)
    road_id = world.road.pk
    assert client.delete(reverse("feature-detail", args=[road_id])).status_code == 204
    assert not Feature.objects.filter(pk=road_id).exists()
    deleted = client.get(reverse("layer-revisions", args=[world.roads.pk]), {"action": "delete"}).json()
    (revision,) = deleted
    assert revision["feature_id"] == road_id and revision["user"] == "colleague"
    response = client.post(reverse("revision-restore", args=[revision["id"]]), {}, format="json")
    assert response.status_code == 200
    restored = Feature.objects.get(pk=road_id)
    assert restored.properties["name_th"] == "ถนนกระทุ่มแบน"
    assert restored.version == 2
    actions = [r["action"] for r in client.get(reverse("feature-revisions", args=[road_id])).json()]
    assert actions == ["restore", "delete", "create"]


def test_an_earlier_version_can_be_restored(world):
    client = client_for(world.colleague)
    url = reverse("feature-detail", args=[world.road.pk])
    client.patch(url, {"version": 1, "properties": {"condition": "damaged"}}, format="json")
    first = Revision.objects.get(feature_id=world.road.pk, action="create")
    assert client.post(reverse("revision-restore", args=[first.pk]), {}, format="json").status_code == 400
    response = client.post(reverse("revision-restore", args=[first.pk]), {"version": 2}, format="json")
    assert response.status_code == 200
    world.road.refresh_from_db()
    assert (world.road.version, world.road.properties["condition"]) == (3, "good")


def test_a_token_signs_in_for_scripts(world):
    response = APIClient().post(reverse("auth-token"), {"username": "health", "password": PASSWORD}, format="json")
    token = response.json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(reverse("feature-detail", args=[world.case.pk])).status_code == 200
    assert APIClient().get(reverse("feature-detail", args=[world.case.pk])).status_code == 404


def test_http_basic_works_for_qgis_and_gdal(world):
    credentials = base64.b64encode(f"viewer:{PASSWORD}".encode()).decode()
    client = APIClient(HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert client.get(reverse("feature-detail", args=[world.drain.pk])).status_code == 200
    wrong = APIClient(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"viewer:nope").decode())
    assert wrong.get(reverse("feature-detail", args=[world.drain.pk])).status_code == 401


def test_browser_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="colleague", password=PASSWORD)
    url = reverse("feature-detail", args=[world.road.pk])
    response = client.patch(url, {"version": 1, "properties": {"condition": "poor"}}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_me_lists_the_roles(world):
    me = client_for(world.health).get(reverse("me")).json()
    assert me["memberships"] == [{"municipality": "krathum-baen", "role": "editor"}]
    assert client_for().get(reverse("me")).status_code in (401, 403)


def test_a_manager_creates_a_layer_from_a_template(world):
    client = client_for(world.owner)
    response = client.post(reverse("layer-list"), {"municipality": "krathum-baen", "template": "landmarks"}, format="json")
    assert response.status_code == 201, response.content
    layer = response.json()
    assert (layer["slug"], layer["access"], layer["geometry_type"]) == ("landmarks", "public", "Point")
    assert "kind" in [field["name"] for field in layer["schema"]]
    again = client.post(reverse("layer-list"), {"municipality": "krathum-baen", "template": "landmarks"}, format="json")
    assert again.status_code == 400
    elsewhere = client.post(reverse("layer-list"), {"municipality": "na-di", "template": "landmarks"}, format="json")
    assert elsewhere.status_code == 400
    assert client_for(world.colleague).post(
        reverse("layer-list"), {"municipality": "krathum-baen", "template": "otop_products"}, format="json"
    ).status_code == 400


def test_a_layer_schema_is_checked(world):
    response = client_for(world.owner).patch(
        reverse("layer-detail", args=[world.roads.pk]), {"schema": [{"name": "Bad Name", "type": "text"}]}, format="json"
    )
    assert response.status_code == 400
    assert "Bad Name" in json.dumps(response.json(), ensure_ascii=False)


def test_openapi_schema_and_docs_are_served_from_our_host(world):
    schema = client_for().get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/layers/{id}/features/" in schema.content
    docs = client_for().get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "https://" not in html and "http://" not in html.replace("http://testserver", "")


def test_a_check_before_saving_warns_about_a_feature_far_outside_the_municipality(world):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    world.kb.boundary = MultiPolygon(Polygon.from_bbox((100.25, 13.645, 100.265, 13.66)), srid=4326)
    world.kb.save()
    url = reverse("layer-check", args=[world.roads.pk])
    client = client_for(world.colleague)
    near = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[100.26, 13.65], [100.266, 13.65]]},
            "properties": {"name_th": "ซอยใน"}}
    assert client.post(url, near, format="json").json() == {"errors": {}, "warnings": []}
    # 0.1° east is about 10.8 km at this latitude
    far = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[100.365, 13.65], [100.37, 13.65]]},
           "properties": {"name_th": "ซอยไกล"}}
    (warning,) = client.post(url, far, format="json").json()["warnings"]
    assert "outside the municipality" in warning and "นอกเขตเทศบาล" in warning
    assert "10,8" in warning
    broken = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[100.26, 13.65], [100.26, 13.65]]},
              "properties": {}}
    errors = client.post(url, broken, format="json").json()["errors"]
    assert set(errors) == {"geometry", "name_th"}
    assert Feature.objects.filter(layer=world.roads).count() == 1


def test_repeated_wrong_passwords_lock_that_account_out_for_a_while(world):
    client = APIClient()
    for _ in range(5):
        assert client.post(reverse("auth-token"), {"username": "viewer", "password": "guess"}, format="json").status_code == 400
    locked = client.post(reverse("auth-token"), {"username": "viewer", "password": PASSWORD}, format="json")
    assert locked.status_code in (400, 403, 429)
    assert "token" not in locked.json()
    basic = APIClient(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"viewer:{PASSWORD}".encode()).decode())
    assert basic.get(reverse("feature-detail", args=[world.drain.pk])).status_code in (401, 403, 429)
    # Another account from the same address is not locked out by it.
    other = APIClient().post(reverse("auth-token"), {"username": "colleague", "password": PASSWORD}, format="json")
    assert "token" in other.json()


def test_a_nul_character_is_refused_not_a_server_error(world):
    listed = client_for().get(reverse("layer-list"), {"municipality": "krathum\x00baen"})
    assert listed.status_code == 400 and "NUL" in listed.json()["detail"]
    created = new_road(client_for(world.colleague), world.roads, name_th="ซอย\x00")
    assert created.status_code == 400 and "NUL" in created.json()["name_th"][0]
    assert Feature.objects.filter(layer=world.roads).count() == 1


def add_roads(layer, count):
    """`count` short roads in the layer, written by one INSERT (as an import's COPY would)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO layers_feature (layer_id, geom, properties, version, created_at, updated_at)
               SELECT %s, ST_SetSRID(ST_MakeLine(ST_MakePoint(100.25 + i * 1e-6, 13.65),
                                                 ST_MakePoint(100.2501 + i * 1e-6, 13.6501)), 4326),
                      '{"name_th": "ซอย", "surface": "asphalt", "condition": "good"}', 1, now(), now()
               FROM generate_series(1, %s) i""",
            [layer.pk, count],
        )
        cursor.execute("ANALYZE layers_feature")


def test_a_big_layer_lists_postgresql_s_estimate_of_its_features_and_says_so(world):
    from layers.models import FEATURE_COUNT_EXACT_UP_TO

    add_roads(world.roads, FEATURE_COUNT_EXACT_UP_TO + 500)
    listed = client_for(world.viewer).get(reverse("layer-list"), {"municipality": "krathum-baen"}).json()
    roads, drains = ({layer["slug"]: layer for layer in listed}[slug] for slug in ("roads", "drains"))
    assert roads["feature_count_estimated"] is True
    # Statistics of a table this small are taken from every row: the estimate is close.
    actual = FEATURE_COUNT_EXACT_UP_TO + 501
    assert FEATURE_COUNT_EXACT_UP_TO < roads["feature_count"] and abs(roads["feature_count"] - actual) < 100
    assert (drains["feature_count"], drains["feature_count_estimated"]) == (1, False)
    shown = client_for().get(reverse("layer-detail", args=[world.roads.pk])).json()
    assert shown["feature_count_estimated"] is True and shown["feature_count"] == roads["feature_count"]


def test_a_page_filtered_by_bbox_and_field_is_whole_with_its_length_and_a_next_link(world):
    client = client_for(world.colleague)
    for i in range(3):
        new_road(client, world.roads, name_th=f"ซอย {i}", surface="concrete")
    new_road(client, world.roads, name_th="ซอยลูกรัง", surface="laterite")
    url = reverse("layer-features", args=[world.roads.pk])
    params = {"bbox": "100.2505,13.6505,100.2525,13.6525", "surface": "concrete", "limit": 2}
    response = client.get(url, params)
    assert int(response["Content-Length"]) == len(response.content)
    first = collection(response)
    assert first["numberReturned"] == 2 and {f["properties"]["surface"] for f in first["features"]} == {"concrete"}
    (link,) = first["links"]
    assert "offset=2" in link["href"] and "surface=concrete" in link["href"]
    rest = collection(client.get(url, {**params, "offset": 2}))
    assert rest["numberReturned"] == 1 and rest["links"] == []
    beyond = collection(client.get(url, {**params, "offset": 10}))
    assert beyond["features"] == [] and beyond["numberReturned"] == 0 and beyond["links"] == []
