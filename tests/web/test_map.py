"""The municipality map in headless Chromium: it draws what the user may see and nothing
else, keeps its state in the URL, shows attributes escaped, and asks only our own host."""

import time

import pytest
from django.contrib.gis.geos import Point

from basemaps.models import BasemapSource
from layers.models import Feature, Layer
from tests.web.conftest import IDLE, drawn, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def open_map(visitor, query=""):
    page = visitor.open(f"/m/krathum-baen/{query}")
    page.wait_for_function(IDLE)
    return page


def tree_slugs(page):
    return page.eval_on_selector_all("#layer-tree .layer", "items => items.map(i => i.dataset.layerSlug)")


def click_at(page, lon, lat):
    x, y = page.evaluate(
        """([lon, lat]) => {
            const point = GIS.map.latLngToContainerPoint([lat, lon]);
            const box = GIS.map.getContainer().getBoundingClientRect();
            return [box.left + point.x, box.top + point.y];
        }""",
        [lon, lat],
    )
    page.mouse.click(x, y)


def test_anonymous_sees_and_draws_public_layers_only(web_world, visitor):
    page = open_map(visitor)
    assert sorted(tree_slugs(page)) == ["landmarks", "otop-products", "roads"]
    assert drawn(page) == 3  # a road, a temple, a product
    assert "ถนน" in page.inner_text("#layer-tree")
    visitor.screenshot("map-anonymous")
    visitor.check_clean()


def test_a_signed_in_editor_sees_the_internal_layers_too(web_world, visitor):
    visitor.sign_in(web_world.colleague)
    page = open_map(visitor)
    assert sorted(tree_slugs(page)) == ["drains", "landmarks", "otop-products", "roads", "secret-landmarks"]
    assert "welfare-cases" not in tree_slugs(page)
    assert drawn(page) == 5
    assert page.locator(".layer[data-layer-slug=drains] .badge").inner_text() == "ภายใน"
    visitor.screenshot("map-editor")
    visitor.check_clean()


def test_a_layer_toggles_and_the_url_keeps_it(web_world, visitor):
    page = open_map(visitor)
    page.uncheck(".layer[data-layer-slug=roads] input")
    assert drawn(page) == 2
    shown = page.evaluate("new URLSearchParams(location.search).get('layers').split(',').map(Number)")
    assert web_world.roads.pk not in shown and web_world.landmarks.pk in shown
    # The link opens the same map for someone else.
    other = open_map(visitor, "?" + page.url.split("?", 1)[1])
    assert not other.is_checked(".layer[data-layer-slug=roads] input")
    assert other.is_checked(".layer[data-layer-slug=landmarks] input")
    assert drawn(other) == 2
    visitor.check_clean()


def test_a_click_shows_the_feature_in_thai_under_its_labels(web_world, visitor):
    page = open_map(visitor)
    click_at(page, 100.255, 13.652)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "วัดดอนไก่ดี" in popup.inner_text()
    details = page.locator("#details")
    text = details.inner_text()
    assert "ประเภท\tวัด\n" in text  # a choice by its label, not its stored value "temple"
    assert "คำอธิบาย (ไทย)" in text and "วัดเก่าริมคลองกระทุ่มแบน" in text
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")  # faded in
    visitor.screenshot("map-popup")
    visitor.check_clean()


def test_english_shows_english_labels(web_world, visitor):
    visitor.choose_language("en")
    page = open_map(visitor)
    click_at(page, 100.258, 13.655)
    page.locator(".leaflet-popup-content").wait_for()
    text = page.inner_text("#details")
    assert "Rice dumplings" in text and "Category" in text and "Food" in text and "80 บาท" in text
    assert "layers" in page.inner_text(".sidebar").lower()
    assert page.inner_text(".basemap-select option[value=none]") == "No basemap"  # the scripts' own text too
    visitor.screenshot("map-english")
    visitor.check_clean()


def test_what_users_typed_is_shown_as_text_never_as_html(web_world, visitor):
    Feature.create_in(
        web_world.landmarks, Point(100.262, 13.658, srid=4326),
        {"name_th": '<img src="/x" id="injected" onerror="document.title=1">', "kind": "other"}, None,
    )
    page = open_map(visitor)
    click_at(page, 100.262, 13.658)
    page.locator(".leaflet-popup-content").wait_for()
    assert '<img src="/x"' in page.inner_text(".leaflet-popup-content")
    assert page.locator("#injected").count() == 0
    visitor.check_clean()


def test_search_finds_part_of_a_thai_word_and_opens_it(web_world, visitor):
    page = open_map(visitor)
    page.fill("#search", "ดอนไก่")
    result = page.locator("#search-results button")
    result.first.wait_for()
    assert result.count() == 1 and "วัดดอนไก่ดี" in result.first.inner_text()
    result.first.click()
    page.wait_for_function("document.getElementById('details').innerText.includes('วัดดอนไก่ดี')")
    page.fill("#search", "KB-001")  # the restricted welfare case: not for visitors
    page.locator("#search-results li.muted").wait_for()
    visitor.check_clean()


def test_pointer_coordinates_show_wgs84_and_utm_47n(web_world, visitor):
    page = open_map(visitor)
    expected = Point(100.26, 13.65, srid=4326).transform(32647, clone=True)
    easting, northing = page.evaluate("GIS.toUtm(100.26, 13.65, 47)")
    assert abs(easting - expected.x) < 0.05 and abs(northing - expected.y) < 0.05
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "UTM 47N" in page.inner_text(".coordinates")
    assert page.locator(".leaflet-control-scale").count() == 1
    visitor.check_clean()


# Whether the tile canvases of the points pane have a drawn pixel at a place on the map.
DRAWN_AT = """([lon, lat]) => {
    const point = GIS.map.latLngToContainerPoint([lat, lon]);
    const box = GIS.map.getContainer().getBoundingClientRect();
    const [x, y] = [box.left + point.x, box.top + point.y];
    return [...document.querySelectorAll('.leaflet-points-pane canvas.leaflet-tile')].some((tile) => {
        const r = tile.getBoundingClientRect();
        if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) return false;
        const ratio = tile.width / r.width;
        return tile.getContext('2d').getImageData((x - r.left) * ratio, (y - r.top) * ratio, 1, 1).data[3] > 0;
    });
}"""


def test_a_big_layer_is_drawn_from_vector_tiles_and_its_points_open(web_world, visitor):
    layer = Layer.from_template(web_world.kb, "street_lights", access="public")
    layer.save()
    n = 6000  # a 100 x 60 grid inside the municipality's boundary
    Feature.objects.bulk_create(
        Feature(layer=layer, geom=Point(100.24 + (i % 100) * 0.0003, 13.64 + (i // 100) * 0.0005, srid=4326),
                properties={"pole_code": f"L{i}"})
        for i in range(n)
    )
    started = time.monotonic()
    page = open_map(visitor, f"?layers={layer.pk}")
    seconds = time.monotonic() - started
    tiles = [url for url in visitor.requests if f"/tiles/{layer.pk}/" in url]
    assert tiles and not [url for url in visitor.requests if f"/layers/{layer.pk}/features/" in url]
    # The map shows the whole boundary, so every light is in a drawn tile, counted once.
    assert drawn(page) == n
    assert page.inner_text(".layer[data-layer-slug=street-lights] .note")
    # Not counted exactly (over 5,000), and the list says so.
    assert page.inner_text(".layer[data-layer-slug=street-lights] .count").startswith("≈")
    # A light is drawn where it stands and nothing between the rows.
    assert page.evaluate(DRAWN_AT, [100.255, 13.665])
    assert not page.evaluate(DRAWN_AT, [100.25515, 13.66525])
    # A click on it opens that light, from the API.
    click_at(page, 100.255, 13.665)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "L5050" in popup.inner_text() and "L5050" in page.inner_text("#details")
    # A pan asks only for the tiles it uncovers.
    visitor.requests.clear()
    page.evaluate("GIS.map.panBy([300, 0], { animate: false })")
    page.wait_for_function(f"() => performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/{layer.pk}/')).length > {len(tiles)}")
    page.wait_for_function(IDLE)
    more = [url for url in visitor.requests if f"/tiles/{layer.pk}/" in url]
    assert more and not set(more) & set(tiles)
    record("big_layer", {"features": n, "seconds_to_idle": round(seconds, 2)})
    visitor.screenshot("map-big-layer")
    visitor.check_clean()


def test_a_link_to_a_feature_opens_it_for_those_who_may_see_it(web_world, visitor):
    page = open_map(visitor, f"?feature={web_world.temple.pk}")
    page.wait_for_function("document.getElementById('details').innerText.includes('วัดดอนไก่ดี')")
    page.click("#details .close")
    assert "feature=" not in page.url
    # An internal feature's link tells a visitor nothing about it.
    page = open_map(visitor, f"?feature={web_world.drain.pk}")
    page.wait_for_function("document.getElementById('map-status').innerText.length > 0")
    assert page.is_hidden("#details")
    visitor.check_clean()


def test_the_chosen_basemap_is_drawn_and_no_basemap_asks_for_no_tiles(web_world, visitor, live_server):
    # A "tile server" on our own host, so that the test needs no network.
    BasemapSource.objects.create(
        municipality=web_world.kb, name_th="แผนที่ทดสอบ", name_en="Test tiles", is_default=True,
        url_template=live_server.url + "/static/img/favicon.svg?z={z}&x={x}&y={y}",
    )
    page = open_map(visitor)
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    tiles = [url for url in visitor.requests if "favicon.svg?z=" in url]
    assert tiles
    page.select_option(".basemap-select", "none")
    assert "base=none" in page.url
    visitor.requests.clear()
    page = open_map(visitor, "?" + page.url.split("?", 1)[1])
    assert page.locator(".leaflet-tile").count() == 0
    assert not [url for url in visitor.requests if "favicon.svg?z=" in url]
    visitor.check_clean()
