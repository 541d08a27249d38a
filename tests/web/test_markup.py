"""Strings with markup never run as script anywhere they are shown: a feature's name, a
layer's name, a dashboard's title, a file's column names and a photo's name and caption,
each holding an <img onerror> and a <script>, on the map (tree, popup, side panel,
search), the showcase (cards, tooltips, an item's page), a dashboard (title, widgets,
zone tooltips), the import wizard and the editor's photo list.

The Content-Security-Policy would stop inline script anyway (tests/web/test_csp.py);
these pages are opened with it bypassed, so what is proven here is the escaping itself."""

import io

import pytest
from django.contrib.gis.geos import Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from dashboards.models import Dashboard, Widget
from layers.models import Attachment, Feature, Layer
from tests.web.conftest import IDLE
from tests.web.test_map import click_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKUP = '<img src=x id=xss onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture
def marked_world(web_world):
    """The web world with markup in every name a user or a manager types."""
    w = web_world
    w.landmarks.name_th = "สถานที่ " + MARKUP
    w.landmarks.save()
    Feature.objects.filter(pk=w.temple.pk).update(properties={**w.temple.properties, "name_th": "วัด " + MARKUP})
    zones = Layer.from_template(w.kb, "zones")
    zones.save()
    Feature.create_in(zones, Polygon.from_bbox((100.245, 13.645, 100.265, 13.665)), {"name_th": "เขต " + MARKUP}, None)
    w.board = Dashboard.objects.create(municipality=w.kb, slug="mayor", title_th="แดชบอร์ด " + MARKUP, is_published=True)
    Widget.objects.create(dashboard=w.board, kind="kpi", title_th="จำนวน " + MARKUP, config={"layer": w.landmarks.pk})
    Widget.objects.create(dashboard=w.board, kind="table", title_th="ตาราง", config={"layer": w.landmarks.pk, "columns": ["name_th"]})
    Widget.objects.create(dashboard=w.board, kind="text", title_th="ข้อความ", config={"text": MARKUP})
    return w


def assert_shown_as_text(page, where, times=1):
    """No script ran, no element was made from the text, and the text reads as typed."""
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#xss").count() == 0
    assert page.locator(where).first.inner_text().count("onerror=") >= times, page.locator(where).first.inner_text()


def open_idle_map(visitor, query=""):
    page = visitor.open(f"/m/krathum-baen/{query}")
    page.wait_for_function(IDLE)
    return page


def test_the_map_shows_markup_as_text_in_the_tree_popup_panel_and_search(marked_world, visitor):
    visitor.sign_in(marked_world.colleague)
    page = open_idle_map(visitor, f"?layers={marked_world.landmarks.pk}")
    assert_shown_as_text(page, "#layer-tree")
    click_at(page, 100.255, 13.652)
    page.locator(".leaflet-popup-content").wait_for()
    assert_shown_as_text(page, ".leaflet-popup-content")
    page = open_idle_map(visitor, f"?feature={marked_world.temple.pk}")
    page.wait_for_function("document.getElementById('details').innerText.includes('onerror')")
    assert_shown_as_text(page, "#details")
    page.fill("#search", "วัด")
    page.locator("#search-results button").first.wait_for()
    assert_shown_as_text(page, "#search-results")
    visitor.screenshot("markup-map")
    visitor.check_clean()


def open_tooltips(page):
    page.evaluate("() => GIS.map.eachLayer((layer) => layer.getTooltip && layer.getTooltip() && layer.openTooltip())")


def test_the_showcase_shows_markup_as_text_on_cards_tooltips_and_the_item_page(marked_world, visitor):
    page = visitor.open("/m/krathum-baen/showcase/")
    page.wait_for_load_state("networkidle")
    assert_shown_as_text(page, "main")
    open_tooltips(page)
    page.locator(".leaflet-tooltip").first.wait_for()
    assert_shown_as_text(page, ".leaflet-tooltip")
    visitor.screenshot("markup-showcase")
    page = visitor.open(f"/m/krathum-baen/showcase/{marked_world.temple.pk}/")
    page.wait_for_load_state("networkidle")
    assert_shown_as_text(page, "main")
    visitor.check_clean()


def test_a_dashboard_shows_markup_as_text_in_its_title_widgets_and_zones(marked_world, visitor):
    visitor.sign_in(marked_world.viewer)
    page = visitor.open("/dashboards/krathum-baen/mayor/")
    page.locator(".widget-table td").first.wait_for()
    page.locator("path.leaflet-interactive").first.hover(force=True)
    page.locator(".leaflet-tooltip").first.wait_for()
    assert_shown_as_text(page, "h1")
    assert_shown_as_text(page, "main", times=4)  # the title, a widget's title, the table, the text widget
    assert_shown_as_text(page, ".leaflet-tooltip")
    visitor.screenshot("markup-dashboard", full_page=True)
    visitor.check_clean()


def test_the_import_wizard_shows_a_files_markup_as_text(marked_world, visitor):
    client = Client()
    client.force_login(marked_world.colleague)
    sheet = f"name_th,kind,lon,lat,{MARKUP}\nวัด {MARKUP},temple,100.255,13.652,{MARKUP}\n".encode()
    uploaded = client.post("/m/krathum-baen/import/", {"file": SimpleUploadedFile("วัด.csv", sheet), "layer": marked_world.landmarks.pk})
    assert uploaded.status_code == 302
    visitor.sign_in(marked_world.colleague)
    page = visitor.open(uploaded["Location"])
    assert_shown_as_text(page, "table.preview", times=3)  # the column's name, in a cell and as a value
    assert_shown_as_text(page, "table.mapping")
    visitor.screenshot("markup-import", full_page=True)
    visitor.check_clean()


def test_the_editor_shows_a_photos_markup_as_text(marked_world, visitor):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(out, "JPEG")
    # A file name keeps what follows its last "/": the <img> part of the markup.
    name = MARKUP.split("<script>")[0] + ".jpg"
    Attachment.add(marked_world.road, SimpleUploadedFile(name, out.getvalue()), marked_world.colleague, caption=MARKUP)
    visitor.sign_in(marked_world.colleague)
    page = visitor.open("/m/krathum-baen/edit/")
    page.select_option("#layer-select", str(marked_world.roads.pk))
    page.wait_for_load_state("networkidle")
    page.locator("#map path.leaflet-interactive").first.click()
    page.locator("#photo-list figure").first.wait_for()
    assert_shown_as_text(page, "#photo-list")
    visitor.screenshot("markup-editor")
    visitor.check_clean()
