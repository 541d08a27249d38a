"""The field editor in a real browser (Debian's Chromium) against a live server.

Every test records the page's requests and proves that none leaves the server's host.
Screenshots on a phone-sized viewport go to test-artifacts/.
"""

from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from basemaps.models import BasemapSource
from layers.models import Attachment, Feature, Layer
from tests.conftest import ARTIFACTS, PASSWORD
from tests.web.conftest import settle

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 13.655, "longitude": 100.255, "accuracy": 8}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_basemap():
    # An outside tile server would break the "own host only" check below.
    BasemapSource.objects.update(is_default=False)


@pytest.fixture
def landmarks(world):
    layer = Layer.from_template(world.kb, "landmarks")
    layer.save()
    return layer


class Editor:
    """One signed-in browser context on the editor page."""

    def __init__(self, browser, live_server, user, locale="th-TH", **context_options):
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        # bypass_csp: Playwright evaluates strings, which our CSP forbids (test_csp.py
        # checks the pages with the policy on).
        self.context = browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True, **context_options)
        cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        if locale.startswith("en"):
            # Pages are Thai unless the visitor chose English (the language cookie).
            cookies.append({"name": "django_language", "value": "en", "url": live_server.url})
        self.context.add_cookies(cookies)
        self.requests = []
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.host = urlparse(live_server.url).netloc
        self.url = f"{live_server.url}/m/krathum-baen/edit/"

    def open(self, layer):
        self.page.goto(self.url)
        self.page.select_option("#layer-select", str(layer.pk))
        self.page.wait_for_load_state("networkidle")

    def map_point(self, dx, dy):
        box = self.page.locator("#map").bounding_box()
        return box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy

    def click_map(self, dx, dy):
        self.page.mouse.click(*self.map_point(dx, dy))

    def open_feature(self):
        self.page.locator("#map path.leaflet-interactive").first.click()
        expect(self.page.locator("#panel")).to_be_visible()

    def save(self, status="บันทึกแล้ว"):
        self.page.click("#save-button")
        expect(self.page.locator("#status")).to_have_text(status)

    def shot(self, name):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"editor-{name}.png"))

    def close(self):
        outside = [url for url in self.requests if url.startswith("http") and urlparse(url).netloc != self.host]
        self.context.close()
        settle()
        assert outside == []


@pytest.fixture
def editor_for(browser, live_server):
    opened = []

    def make(user, **options):
        opened.append(Editor(browser, live_server, user, **options))
        return opened[-1]

    yield make
    for editor in opened:
        editor.close()


def test_draw_a_road_and_a_landmark_then_see_them_after_a_reload(world, landmarks, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    page.click("#draw-button")
    for dx, dy in [(-120, 120), (-20, 160), (80, 140), (80, 140)]:  # a click on the last vertex ends the line
        editor.click_map(dx, dy)
    expect(page.locator("#panel")).to_be_visible()
    page.fill("#field-name_th", "ซอยเทศบาล 9")
    page.select_option("#field-surface", "concrete")
    editor.shot("road-form")
    editor.save()
    road = Feature.objects.get(layer=world.roads, properties__name_th="ซอยเทศบาล 9")
    assert road.properties["surface"] == "concrete" and len(road.geom.coords) == 3

    page.select_option("#layer-select", str(landmarks.pk))
    page.click("#draw-button")
    editor.click_map(-40, -100)
    page.fill("#field-name_th", "วัดดอนไก่ดี")
    page.select_option("#field-kind", "temple")
    editor.save()
    assert Feature.objects.get(layer=landmarks).properties["name_th"] == "วัดดอนไก่ดี"

    page.reload()
    page.select_option("#layer-select", str(world.roads.pk))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)
    editor.shot("after-reload")


def test_required_field_message_is_shown_next_to_the_field(world, landmarks, editor_for):
    editor = editor_for(world.colleague)
    editor.open(landmarks)
    editor.page.click("#draw-button")
    editor.click_map(0, 0)
    editor.page.click("#save-button")
    expect(editor.page.locator('[data-error-for="name_th"]')).to_have_text("ต้องกรอกข้อมูลนี้")
    editor.shot("required")
    assert not Feature.objects.filter(layer=landmarks).exists()


def test_move_a_vertex(world, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    editor.open_feature()

    def drag_first_vertex():
        box = page.locator(".marker-icon:not(.marker-icon-middle)").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] - 40, steps=5)
        page.mouse.up()

    drag_first_vertex()
    expect(page.locator("#undo-button")).to_be_enabled()
    page.click("#undo-button")
    expect(page.locator("#undo-button")).to_be_disabled()
    drag_first_vertex()
    editor.shot("vertex")
    editor.save()
    world.road.refresh_from_db()
    assert world.road.version == 2
    assert world.road.geom.coords[0] != (100.25, 13.65)


def test_delete_then_restore(world, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    editor.open_feature()
    page.click("#delete-button")
    expect(page.locator("#status")).to_have_text("ลบแล้ว")
    assert not Feature.objects.filter(pk=world.road.pk).exists()
    page.click("#deleted-button")
    page.locator("#deleted-list button.small").first.click()
    expect(page.locator("#status")).to_have_text("กู้คืนแล้ว")
    assert Feature.objects.filter(pk=world.road.pk).exists()


def test_conflict_between_two_browsers(world, editor_for):
    first, second = editor_for(world.colleague), editor_for(world.owner)
    for editor in (first, second):
        editor.open(world.roads)
        editor.open_feature()
    first.page.fill("#field-name_th", "ถนนของคนแรก")
    first.save()
    second.page.fill("#field-name_th", "ถนนของคนที่สอง")
    second.page.click("#save-button")
    expect(second.page.locator("#conflict")).to_be_visible()
    expect(second.page.locator("#conflict-rows tr.differs").first).to_contain_text("ถนนของคนแรก")
    second.shot("conflict")
    second.page.click("#save-mine")
    expect(second.page.locator("#status")).to_have_text("บันทึกแล้ว")
    world.road.refresh_from_db()
    assert world.road.properties["name_th"] == "ถนนของคนที่สอง" and world.road.version == 3


def test_photo_is_resized_on_the_device_and_uploaded(world, editor_for, tmp_path):
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (3000, 2000), (200, 120, 40)).save(photo, "JPEG")
    second = tmp_path / "detail.jpg"
    Image.new("RGB", (800, 600), (40, 120, 200)).save(second, "JPEG")
    editor = editor_for(world.colleague, geolocation=HERE, permissions=["geolocation"])
    editor.open(world.roads)
    editor.open_feature()
    editor.page.set_input_files("#photo-input", [str(photo), str(second)])
    expect(editor.page.locator("#photo-list figure")).to_have_count(2)
    editor.shot("photo")
    editor.save()
    big, small = Attachment.objects.filter(feature_id=world.road.pk).order_by("original_name").reverse()
    assert (big.width, big.height, small.width) == (2048, 1365, 800)
    assert (round(big.location.x, 3), round(big.location.y, 3)) == (100.255, 13.655)
    assert big.taken_at is not None


def test_offline_edit_is_queued_and_sent_when_back_online(world, landmarks, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(landmarks)
    editor.context.set_offline(True)
    page.click("#draw-button")
    editor.click_map(30, 30)
    page.fill("#field-name_th", "ศาลเจ้าพ่อ")
    page.select_option("#field-kind", "shrine")
    page.click("#save-button")
    expect(page.locator("#pending")).to_have_text("รอส่ง (1)")
    editor.shot("offline-pending")
    assert not Feature.objects.filter(layer=landmarks).exists()
    editor.context.set_offline(False)
    expect(page.locator("#pending")).to_be_hidden()
    assert Feature.objects.get(layer=landmarks).properties["name_th"] == "ศาลเจ้าพ่อ"


def test_typed_form_survives_a_reload(world, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    editor.open_feature()
    page.fill("#field-name_th", "ยังไม่บันทึก")
    page.reload()
    expect(page.locator("#field-name_th")).to_have_value("ยังไม่บันทึก")


def test_history_shows_versions_and_restores_an_earlier_one(world, editor_for):
    world.road.change(world.owner, 1, properties={"name_th": "ชื่อใหม่"}, partial=True)
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    editor.open_feature()
    page.click("#history-button")
    items = page.locator("#history-list li")
    expect(items).to_have_count(2)
    items.last.locator("button.revision").click()  # the oldest version, drawn on the map
    expect(page.locator("#map path.leaflet-interactive[stroke='#e67e22']")).to_have_count(1)
    editor.shot("history")
    items.last.locator("button.small").click()
    expect(page.locator("#status")).to_have_text("กู้คืนแล้ว")
    world.road.refresh_from_db()
    assert world.road.properties["name_th"] == "ถนนกระทุ่มแบน" and world.road.version == 3


def test_english_page_labels_the_form_in_english(world, editor_for):
    editor = editor_for(world.colleague, locale="en-US")
    editor.open(world.roads)
    editor.open_feature()
    expect(editor.page.locator('label[for="field-name_th"]')).to_have_text("Name (Thai) *")
    expect(editor.page.locator("#field-surface option:checked")).to_have_text("Asphalt")


def test_add_a_point_at_the_gps_position(world, landmarks, editor_for):
    editor = editor_for(world.colleague, geolocation=HERE, permissions=["geolocation"])
    page = editor.page
    editor.open(landmarks)
    page.click("#gps-point-button")
    expect(page.locator("#gps-info")).to_have_text("ความแม่นยำ GPS ±8 ม.")
    page.fill("#field-name_th", "ตลาดน้ำ")
    page.select_option("#field-kind", "market")
    editor.shot("gps-point")
    editor.save()
    point = Feature.objects.get(layer=landmarks).geom
    assert (round(point.x, 5), round(point.y, 5)) == (100.255, 13.655)


def test_record_a_line_by_walking_with_a_pause(world, editor_for):
    editor = editor_for(world.colleague, geolocation=HERE, permissions=["geolocation"])
    page = editor.page
    editor.open(world.roads)
    page.click("#walk-button")
    expect(page.locator("#gps-info")).to_be_visible()
    editor.context.set_geolocation({**HERE, "latitude": 13.656})
    page.wait_for_timeout(300)  # let the position arrive before pausing
    page.click("#walk-pause")
    editor.context.set_geolocation({**HERE, "latitude": 13.657})  # not recorded while paused
    page.wait_for_timeout(300)
    page.click("#walk-pause")
    editor.context.set_geolocation({**HERE, "latitude": 13.658})
    page.wait_for_timeout(300)
    page.click("#walk-finish")
    page.fill("#field-name_th", "ทางเดินสำรวจ")
    editor.save()
    line = Feature.objects.get(layer=world.roads, properties__name_th="ทางเดินสำรวจ").geom
    assert [round(y, 3) for _, y in line.coords] == [13.655, 13.656, 13.658]


QUEUE_SIZE = """() => new Promise((resolve) => {
  const request = indexedDB.open("gis-editor", 1);
  request.onupgradeneeded = () => request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
  request.onsuccess = () => {
    const count = request.result.transaction("queue").objectStore("queue").count();
    count.onsuccess = () => resolve(count.result);
  };
})"""


def test_sign_out_clears_the_device(world, editor_for):
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(world.roads)
    editor.open_feature()
    page.fill("#field-name_th", "ร่าง")
    page.evaluate("EditorStore.add({user: 'colleague', request: {method: 'GET', url: '/'}, photos: []})")
    assert page.evaluate(QUEUE_SIZE) == 1
    page.click("header button:has-text('ออกจากระบบ')")
    page.wait_for_url(lambda url: urlparse(url).path == "/")  # signed out, back home
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('gis-editor'))") == []
    assert page.evaluate(QUEUE_SIZE) == 0


def test_warning_outside_the_municipality_needs_a_second_save(world, landmarks, editor_for):
    # A tiny boundary: a point drawn a few hundred pixels away is far outside it.
    world.kb.boundary = MultiPolygon(Polygon.from_bbox((100.2600, 13.6500, 100.2601, 13.6501)), srid=4326)
    world.kb.save()
    editor = editor_for(world.colleague)
    page = editor.page
    editor.open(landmarks)
    page.click("#draw-button")
    editor.click_map(150, -250)
    page.fill("#field-name_th", "โบสถ์")
    page.select_option("#field-kind", "temple")
    page.click("#save-button")
    expect(page.locator("#check-messages .warning")).to_contain_text("อยู่นอกเขตเทศบาล")
    editor.shot("warning")
    assert not Feature.objects.filter(layer=landmarks).exists()
    editor.save()
    assert Feature.objects.filter(layer=landmarks).count() == 1
