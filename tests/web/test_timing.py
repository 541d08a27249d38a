"""Time to first features on Krathum Baen's demo map, for the notes (test-artifacts/timings.json)."""

import json

import pytest
from django.contrib.auth import get_user_model

from layers import demo
from layers.models import Feature
from tests.web.conftest import IDLE, drawn, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def load_krathum_baen():
    """The demo of one municipality only: the six take several times as long."""
    tambons = json.loads(demo.TAMBONS.read_text(encoding="utf-8"))["features"]
    spec = next(spec for spec in demo.MUNICIPALITIES if spec["slug"] == "krathum-baen")
    admin = demo.ensure_user("admin", "demo", superuser=True)
    municipality = demo.ensure_municipality(spec, tambons)
    demo.ensure_users(municipality, "demo")
    demo.ensure_layers(municipality, spec, tambons, admin)


def test_krathum_baen_demo_map_time_to_features(visitor):
    from basemaps.models import BasemapSource

    BasemapSource.objects.all().delete()
    load_krathum_baen()
    manager = get_user_model().objects.get(username="krathum-baen-manager")
    visitor.sign_in(manager)
    page = visitor.open("/m/krathum-baen/")
    page.wait_for_function(IDLE)
    first = page.evaluate("performance.getEntriesByName('gis:first-features')[0].startTime")
    idle = page.evaluate("performance.now()")
    features = drawn(page)
    # Every feature the manager may see is drawn (the welfare layer is not among them).
    assert features == Feature.objects.visible_to(manager).filter(layer__municipality__slug="krathum-baen").count()
    record("krathum_baen_demo", {"features_drawn": features, "ms_to_first_features": round(first), "ms_to_all_layers_drawn_at_most": round(idle)})
    visitor.screenshot("map-krathum-baen-demo")
    visitor.check_clean()
