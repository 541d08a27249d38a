"""The CKAN read API, called with CKAN's own client library (ckanapi) against a live
server, as a CKAN portal's harvester would."""

import datetime
import json

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN, SearchQueryError, ValidationError
from django.contrib.gis.geos import GEOSGeometry, Point

from layers.models import Feature, Layer


@pytest.fixture
def portal(world, live_server):
    """Two municipalities with a public landmarks layer each, beside the world's roads."""
    for municipality, name in ((world.kb, "วัดดอนไก่ดี"), (world.nd, "วัดนาดี")):
        landmarks = Layer.from_template(municipality, "landmarks")
        landmarks.save()
        Feature.create_in(landmarks, Point(100.27, 13.6, srid=4326), {"name_th": name, "kind": "temple"}, None)
    # Closed after the test: a kept-alive connection holds a server thread and its database session.
    with RemoteCKAN(live_server.url, user_agent="catalogue-tests") as portal:
        yield portal


def extras_of(package):
    return {extra["key"]: extra["value"] for extra in package["extras"]}


PUBLIC = ["krathum-baen-landmarks", "krathum-baen-roads", "na-di-landmarks", "na-di-roads"]


def test_a_harvester_lists_the_public_datasets_only(portal):
    assert portal.action.package_list() == PUBLIC
    assert portal.action.package_list(limit=2, offset=1) == PUBLIC[1:3]


def test_a_package_has_ckans_shape_gd_catalog_fields_and_a_spatial_extra(world, portal):
    package = portal.action.package_show(id="krathum-baen-roads")
    assert package["title"] == "ถนน เทศบาลเมืองกระทุ่มแบน"
    assert package["organization"]["name"] == "krathum-baen" and package["organization"]["title"] == "เทศบาลเมืองกระทุ่มแบน"
    assert package["private"] is False and package["state"] == "active"
    assert {tag["name"] for tag in package["tags"]} >= {"ถนน", "roads"}
    assert package["data_type"] == "ข้อมูลภูมิสารสนเทศเชิงพื้นที่" and package["data_category"] == "ข้อมูลสาธารณะ"
    assert package["license_id"] == "Open Government License - Thailand"
    assert package["geo_coverage"] == "เทศบาล/อบต." and package["update_frequency_unit"] == "ปี"
    assert {resource["format"] for resource in package["resources"]} == {"GPKG", "SHP", "GeoJSON", "KML", "CSV", "DXF"}
    extras = extras_of(package)
    assert extras["template"] == "roads" and extras["feature_count"] == "1"
    spatial = GEOSGeometry(extras["spatial"])
    assert spatial.covers(world.road.geom)
    # The same package by its id, and its download really is the data.
    assert portal.action.package_show(id=package["id"])["name"] == "krathum-baen-roads"
    gpkg = next(resource for resource in package["resources"] if resource["format"] == "GPKG")
    download = requests.get(gpkg["url"], timeout=60)
    assert download.status_code == 200 and download.content[:16] == b"SQLite format 3\x00"


@pytest.mark.parametrize("name", ["krathum-baen-drains", "krathum-baen-welfare-cases", "no-such-dataset"])
def test_private_or_missing_packages_are_not_found(portal, name):
    with pytest.raises(NotFound):
        portal.action.package_show(id=name)


def test_one_templates_data_comes_back_from_every_municipality_that_publishes_it(portal):
    found = portal.action.package_search(fq="template:landmarks", rows=10, sort="name asc")
    assert found["count"] == 2
    assert [item["organization"]["name"] for item in found["results"]] == ["krathum-baen", "na-di"]
    # The same fields (the same meaning) in each: the layers line up.
    dictionaries = [json.loads(extras_of(item)["data_dictionary"]) for item in found["results"]]
    assert dictionaries[0] == dictionaries[1]
    assert {"name": "kind", "type": "choice", "label_th": "ประเภท", "label_en": "Kind", "required": True} in dictionaries[0]


def test_search_takes_thai_words_filters_paging_and_sorting(portal):
    assert [p["name"] for p in portal.action.package_search(q="วัด", sort="name asc")["results"]] == ["krathum-baen-landmarks", "na-di-landmarks"]
    assert [p["name"] for p in portal.action.package_search(q="วัด", fq="organization:na-di")["results"]] == ["na-di-landmarks"]
    page = portal.action.package_search(rows=1, start=1, sort="name asc")
    assert page["count"] == 4 and [p["name"] for p in page["results"]] == ["krathum-baen-roads"]
    assert portal.action.package_search(fq='tags:"ถนน"')["count"] == 2
    assert portal.action.package_search(fq="res_format:GPKG")["count"] == 4
    assert portal.action.package_search(fq="res_format:XLS")["count"] == 0
    recent = portal.action.package_search(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]", sort="metadata_modified desc")
    assert recent["count"] == 4
    assert portal.action.package_search(fq="metadata_modified:[2999-01-01T00:00:00Z TO *]")["count"] == 0


def test_a_ckanext_harvest_style_gather_gets_what_it_asks_for(world, portal):
    """The terms ckanext-harvest's CKAN harvester sends: organisations in or out, an
    incremental window in UTC with microseconds, paging by id."""
    since = (world.road.updated_at - datetime.timedelta(hours=1)).astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat()
    fq = f"organization:krathum-baen OR organization:na-di metadata_modified:[{since}Z TO *]"
    pages = [portal.action.package_search(fq=fq, rows=3, start=start, sort="id asc") for start in (0, 3)]
    ids = [item["id"] for page in pages for item in page["results"]]
    assert pages[0]["count"] == 4 and len(ids) == 4 and ids == sorted(ids)
    excluded = portal.action.package_search(fq="-organization:na-di", rows=100)
    assert {item["organization"]["name"] for item in excluded["results"]} == {"krathum-baen"}
    assert portal.action.package_search(fq="+dataset_type:dataset", rows=100)["count"] == 4


def test_bad_searches_get_ckans_errors(portal):
    with pytest.raises(SearchQueryError):
        portal.action.package_search(fq="owner_secret:yes")
    with pytest.raises(ValidationError):
        portal.action.package_search(rows="many")


def test_a_get_only_client_and_the_versioned_address_answer_the_same(portal, live_server):
    with RemoteCKAN(live_server.url, get_only=True) as get_only:
        assert get_only.action.package_list() == PUBLIC
    answer = requests.get(f"{live_server.url}/api/3/action/package_search", params={"q": "วัด", "rows": 1}, timeout=30).json()
    assert answer["success"] is True and answer["help"].endswith("package_search")
    assert answer["result"]["count"] == 2 and len(answer["result"]["results"]) == 1
    unknown = requests.get(f"{live_server.url}/api/3/action/user_list", timeout=30)
    assert unknown.status_code == 400 and json.loads(unknown.content)["success"] is False
