import re

from tests.conftest import PASSWORD


def test_admin_feature_page_uses_our_own_leaflet(world, client):
    client.login(username="admin", password=PASSWORD)
    html = client.get(f"/admin/layers/feature/{world.road.pk}/change/").content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    assert not [url for url in scripts if url.startswith(("http:", "https:", "//"))]
    assert "openlayers" not in html.lower()


def test_an_edit_in_the_admin_is_versioned_and_recorded(world, client):
    client.login(username="admin", password=PASSWORD)
    response = client.post(
        f"/admin/layers/feature/{world.road.pk}/change/",
        {
            "layer": world.roads.pk,
            "geom": world.road.geom.json,
            "properties": '{"name_th": "ถนนแก้แล้ว", "surface": "asphalt", "condition": "good"}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.road.refresh_from_db()
    assert world.road.version == 2 and world.road.properties["name_th"] == "ถนนแก้แล้ว"
    from layers.models import Revision

    latest = Revision.objects.filter(feature_id=world.road.pk).first()
    assert (latest.action, latest.user, latest.before["properties"]["name_th"]) == ("update", world.admin, "ถนนกระทุ่มแบน")


def test_the_home_page_lists_municipalities_in_thai(world, client):
    html = client.get("/").content.decode()
    assert "เทศบาลเมืองกระทุ่มแบน" in html and "Krathum Baen" in html
