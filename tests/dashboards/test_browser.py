"""The dashboard page in headless Chromium: widgets draw their figures from the API, and
clicking a zone on the map filters every widget."""

import pytest
from django.contrib.gis.geos import LineString, Polygon

from dashboards.models import Dashboard, Widget
from layers.models import Feature, Layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_a_manager_builds_from_a_template_and_prints_it(world, live_server, browser, client, tmp_path):
    from basemaps.models import BasemapSource

    BasemapSource.objects.update(is_default=False)
    client.force_login(world.owner)
    page = browser.new_page(bypass_csp=True)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/dashboards/")
    page.select_option("form.dash-new select", "infrastructure")
    page.click("form.dash-new button[type=submit]")
    page.wait_for_url("**/build/")
    dashboard = Dashboard.objects.get(municipality=world.kb)
    assert dashboard.widgets.count() >= 3
    page.goto(f"{live_server.url}/dashboards/krathum-baen/{dashboard.slug}/")
    # Each widget asks for its own figures: the bar chart may be drawn after the KPI.
    page.locator(".kind-kpi .kpi").first.wait_for()
    page.locator(".kind-bar canvas").first.wait_for()
    # The print layout: A4 landscape with the Thai font, as the council gets it.
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (tmp_path / "dashboard.pdf").write_bytes(pdf)
    page.close()
