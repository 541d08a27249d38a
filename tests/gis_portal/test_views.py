"""The pages without a browser: what each one puts in front of whom."""

import json
import re

from django.test import Client

from tests.conftest import PASSWORD


def page_config(response, name):
    return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode(), re.S).group(1))


def test_pages_are_thai_unless_english_was_chosen(world, client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert '<html lang="th">' in response.content.decode()
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_map_page_gives_the_script_its_municipality_basemaps_and_api(world, client):
    response = client.get("/m/krathum-baen/")
    assert response.status_code == 200
    config = page_config(response, "map-config")
    assert config["municipality"]["slug"] == "krathum-baen"
    assert config["api"]["layers"] == "/api/v1/layers/?municipality=krathum-baen"
    assert [option["name_en"] for option in config["basemaps"]["options"]] == ["OpenStreetMap"]
    assert config["municipality"]["utm_zone"] == 47
    assert client.get("/m/nowhere/").status_code == 404


def test_pages_load_scripts_and_styles_from_our_own_host_only(world, client):
    for path in ("/", "/m/krathum-baen/", "/m/krathum-baen/showcase/", "/accounts/login/"):
        html = client.get(path).content.decode()
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert not [url for url in urls if url.startswith(("http:", "https:", "//"))], path
        assert not re.search(r"<script>(?!\s*$)", html), "no inline scripts: a content security policy forbids them"
        assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


def test_a_viewer_signs_in_on_our_own_page(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD, "next": "/m/krathum-baen/"})
    assert response.status_code == 302 and response["Location"] == "/m/krathum-baen/"
    assert "viewer" in client.get("/").content.decode()


def test_the_showcase_hides_internal_layers_even_from_members(world, client):
    from django.contrib.gis.geos import Point

    from layers.models import Feature, Layer

    inside = Layer.from_template(world.kb, "landmarks", slug="inside", access="internal")
    inside.save()
    secret = Feature.create_in(inside, Point(100.25, 13.65, srid=4326), {"name_th": "ลับ", "kind": "other"}, None)
    client.force_login(world.owner)
    assert "ลับ" not in client.get("/m/krathum-baen/showcase/").content.decode()
    assert client.get(f"/m/krathum-baen/showcase/{secret.pk}/").status_code == 404
