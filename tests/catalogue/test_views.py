"""Who gets which catalogue page and record, role by role; searching; a manager's edit."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import Dataset
from layers.models import Layer
from tests.layers.test_permissions import CAN_MANAGE, CAN_SEE, ROLES, layer_of

ACCESS_LEVELS = ["public", "internal", "restricted"]


def client_of(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def listed(response):
    """The datasets a catalogue page lists, as municipality/layer."""
    return set(re.findall(r'<h2><a href="/catalogue/([\w-]+/[\w-]+)/">', response.content.decode()))


def page_args(layer):
    return [layer.municipality.slug, layer.slug]


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue_lists_the_datasets_the_reader_may_see(world, role):
    response = client_of(world, role).get(reverse("catalogue"))
    assert response.status_code == 200
    expected = {f"krathum-baen/{layer_of(world, access).slug}" for access in ACCESS_LEVELS if role in CAN_SEE[access]}
    expected |= {"na-di/roads"} | ({"na-di/drains"} if role in ("stranger", "admin") else set())
    expected |= {"na-di/welfare-cases"} if role == "admin" else set()
    assert listed(response) == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("access", ACCESS_LEVELS)
def test_a_dataset_page_answers_each_role_by_access_level(world, role, access):
    response = client_of(world, role).get(reverse("dataset", args=page_args(layer_of(world, access))))
    assert response.status_code == (200 if role in CAN_SEE[access] else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("access", ACCESS_LEVELS)
def test_only_managers_who_may_see_the_layer_edit_its_metadata(world, role, access):
    url = reverse("dataset-edit", args=page_args(layer_of(world, access)))
    response = client_of(world, role).get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role not in CAN_SEE[access]:
        assert response.status_code == 404
    else:
        assert response.status_code == (200 if role in CAN_MANAGE else 403)
    if response.status_code != 200:  # nor can they save
        assert client_of(world, role).post(url, {"title_th": "x"}).status_code == response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("access", ACCESS_LEVELS)
@pytest.mark.parametrize("name", ["dataset-dcat", "dataset-iso"])
def test_machine_readable_records_exist_for_public_datasets_only_whoever_asks(world, role, access, name):
    response = client_of(world, role).get(reverse(name, args=page_args(layer_of(world, access))))
    assert response.status_code == (200 if access == "public" else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_harvestable_catalogue_is_the_same_public_list_for_every_role(world, role):
    client = client_of(world, role)
    dcat = client.get(reverse("catalogue-dcat")).content.decode()
    assert "krathum-baen/roads" in dcat and "na-di/roads" in dcat
    assert "drains" not in dcat and "welfare" not in dcat and "สมศรี" not in dcat
    for name in ("ckan-action", "ckan-action-unversioned"):
        names = client.get(reverse(name, args=["package_list"])).json()["result"]
        assert names == ["krathum-baen-roads", "na-di-roads"]
        found = client.get(reverse(name, args=["package_search"]), {"q": "", "rows": 100, "sort": "name asc"}).json()["result"]
        assert [item["name"] for item in found["results"]] == ["krathum-baen-roads", "na-di-roads"]
        missing = client.get(reverse(name, args=["package_show"]), {"id": "krathum-baen-drains"})
        assert missing.status_code == 404 and missing.json()["success"] is False


def test_searching_finds_words_in_thai_and_english_in_titles_keywords_and_the_data_dictionary(world):
    client = Client()
    search = lambda **params: listed(client.get(reverse("catalogue"), params))  # noqa: E731
    assert search(q="ถนน กระทุ่มแบน") == {"krathum-baen/roads"}
    assert search(q="roads") == {"krathum-baen/roads", "na-di/roads"}
    assert search(q="ลาดยาง") == {"krathum-baen/roads", "na-di/roads"}  # a choice label of the roads' surface
    assert search(q="transport zebra") == set()  # every word must match
    assert search(q="transport", municipality="na-di") == {"na-di/roads"}
    assert search(template="roads") == {"krathum-baen/roads", "na-di/roads"}
    assert search(category="welfare") == set()  # exists, but not for a visitor
    assert search(q="%") == set()  # a wildcard is only a character


def test_a_manager_edits_the_metadata_and_the_catalogue_finds_the_new_keyword(world):
    client = client_of(world, "owner")
    url = reverse("dataset-edit", args=page_args(world.roads))
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(keywords="ถนน, ถนนลาดยางสายหลัก, main roads", maintainer_email="gis@krathumbaen.go.th", high_value="on")
    response = client.post(url, data)
    assert response.status_code == 302
    stored = Dataset.objects.get(layer=world.roads)
    assert stored.keywords == ["ถนน", "ถนนลาดยางสายหลัก", "main roads"] and stored.high_value
    assert listed(Client().get(reverse("catalogue"), {"q": "main roads"})) == {"krathum-baen/roads"}
    page = client.get(reverse("dataset", args=page_args(world.roads))).content.decode()
    assert "gis@krathumbaen.go.th" in page and "บันทึกคำอธิบายชุดข้อมูลแล้ว" in page


def test_an_edit_that_breaks_a_rule_is_refused_with_a_message_in_both_languages(world):
    client = client_of(world, "owner")
    url = reverse("dataset-edit", args=page_args(world.roads))
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(data_category="personal", keywords="ถนน")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "This layer is public, so its data category is public" in response.content.decode()
    assert not Dataset.objects.filter(layer=world.roads).exists()


def test_a_dataset_page_shows_its_data_dictionary_quality_figures_and_downloads(world):
    page = Client().get(reverse("dataset", args=page_args(world.roads))).content.decode()
    assert "ผิวจราจร" in page and "Surface" in page and "ลาดยาง / Asphalt" in page
    assert 'id="feature-count">1<' in page and "100% (1/1)" in page
    for fmt in ("gpkg", "shp", "geojson", "kml", "csv", "dxf"):
        assert f"/api/v1/layers/{world.roads.pk}/export/?format={fmt}" in page


def test_harvesting_costs_the_same_queries_however_many_datasets_there_are(world):
    def queries(url, **params):
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(url, params).status_code == 200
        return len(captured.captured_queries)

    urls = [(reverse("catalogue-dcat"), {}), (reverse("ckan-action", args=["package_search"]), {"rows": 100})]
    before = [queries(url, **params) for url, params in urls]
    for template in ("landmarks", "otop_products", "occupation_groups"):
        Layer.from_template(world.kb, template).save()
    assert [queries(url, **params) for url, params in urls] == before
