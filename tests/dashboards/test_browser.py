"""The dashboard page in headless Chromium: widgets draw their figures from the API, and
clicking a zone on the map filters every widget."""

import os
import shutil

import pytest
from django.contrib.gis.geos import LineString, Polygon
from django.db import connection

from dashboards.models import Dashboard, Widget
from layers.models import Feature, Layer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")


@pytest.fixture
def browser(transactional_db):
    playwright = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
    # A live-server thread can still hold a connection to the test database when the
    # session ends, and the database then cannot be dropped: end those sessions here.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def test_a_zone_click_filters_every_widget(world, live_server, browser, client, settings):
    from basemaps.models import BasemapSource

    BasemapSource.objects.update(is_default=False)  # no basemap: no request leaves the machine
    zones = Layer.from_template(world.kb, "zones")
    zones.save()
    Feature.create_in(zones, Polygon.from_bbox((100.249, 13.649, 100.252, 13.652)), {"name_th": "เขตหนึ่ง"}, None)
    Feature.create_in(world.roads, LineString((100.30, 13.70), (100.31, 13.70), srid=4326),
                      {"name_th": "ไกล", "surface": "concrete", "condition": "good"}, None)
    board = Dashboard.objects.create(municipality=world.kb, slug="mayor", title_th="ผู้บริหาร", is_published=True)
    Widget.objects.create(dashboard=board, kind="kpi", title_th="ถนน", config={"layer": world.roads.pk})
    Widget.objects.create(dashboard=board, kind="bar", title_th="ผิว", config={"layer": world.roads.pk, "group_by": "surface"})
    Widget.objects.create(dashboard=board, kind="kpi", title_th="สวัสดิการ", config={"layer": world.welfare.pk})

    client.force_login(world.viewer)
    # Playwright's wait_for_function evaluates a string, which the pages' CSP forbids;
    # tests/web/test_csp.py checks the pages with the policy enforced.
    page = browser.new_page(bypass_csp=True)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/dashboards/krathum-baen/mayor/")
    kpi = page.locator(".kind-kpi .kpi").first
    kpi.wait_for()
    assert kpi.text_content() == "2"
    page.locator(".kind-bar canvas").wait_for()
    assert "No access" in page.locator(".kind-kpi").nth(1).text_content()
    page.locator("path.leaflet-interactive").first.click(force=True)
    page.wait_for_function("document.querySelector('.kind-kpi .kpi').textContent === '1'")
    page.close()
    assert errors == []
