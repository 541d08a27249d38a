"""Who may open the field editor page, and what it tells the browser."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/m/krathum-baen/edit/"


def page_data(response):
    html = response.content.decode()
    start = html.index('id="editor-data"')
    text = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(text)


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_the_login(world):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_viewer_may_not_edit(world):
    assert client_of(world.viewer).get(URL).status_code == 403


def test_stranger_sees_no_editor(world):
    assert client_of(world.stranger).get(URL).status_code == 404


def test_editor_gets_the_layers_they_may_edit(world):
    data = page_data(client_of(world.colleague).get(URL))
    assert {layer["id"] for layer in data["layers"]} == {world.roads.pk, world.drains.pk}


def test_granted_user_gets_the_restricted_layer_marked(world):
    layers = {layer["id"]: layer for layer in page_data(client_of(world.health).get(URL))["layers"]}
    assert layers[world.welfare.pk]["restricted"] is True
    assert layers[world.roads.pk]["restricted"] is False


def test_user_text_is_escaped(world):
    world.roads.name_th = "</script><script>alert(1)</script>"
    world.roads.save()
    html = client_of(world.colleague).get(URL).content.decode()
    assert "<script>alert(1)" not in html
