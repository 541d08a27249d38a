"""The data catalogue as a new visitor uses it: searching in Thai, reading a dataset's
data dictionary, downloading it; and the catalogue in English."""

import pyogrio
import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from layers.models import Feature, Layer, Membership, Municipality, Role
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tha_muang(web_world):
    place = Municipality.objects.create(
        slug="tha-muang", name_th="ท่าม่วง", name_en="Tha Muang", kind="subdistrict_municipality",
        province_th="กาญจนบุรี", province_en="Kanchanaburi", dla_code="5710602",
        boundary=MultiPolygon(Polygon.from_bbox((99.61, 13.94, 99.65, 13.98)), srid=4326),
    )
    landmarks = Layer.from_template(place, "landmarks")
    landmarks.save()
    for lon, name_th, name_en in ((99.630, "วัดท่าม่วง", "Wat Tha Muang"), (99.636, "วัดหลักหกรัตนาราม", "Wat Lak Hok")):
        Feature.create_in(landmarks, Point(lon, 13.96, srid=4326), {"name_th": name_th, "name_en": name_en, "kind": "temple"}, None)
    return landmarks


def test_a_visitor_finds_tha_muangs_landmarks_by_searching_in_thai_reads_the_dictionary_and_downloads(tha_muang, visitor, tmp_path):
    page = visitor.open("/catalogue/")
    page.fill("input[name=q]", "ท่าม่วง วัด")
    page.click(".catalogue-search button[type=submit]")
    page.wait_for_url("**/catalogue/?q=*")
    cards = page.locator(".dataset-card")
    assert cards.count() == 1
    assert "สถานที่สำคัญ เทศบาลตำบลท่าม่วง" in cards.first.inner_text()
    visitor.screenshot("catalogue-search", full_page=True)
    cards.first.locator("h2 a").click()
    page.wait_for_url("**/catalogue/tha-muang/landmarks/")
    dictionary = page.inner_text("table.dictionary")
    assert "ประเภท" in dictionary and "Kind" in dictionary and "วัด / Temple" in dictionary and "ตัวเลือก" in dictionary
    assert page.inner_text("#feature-count") == "2" and page.inner_text("#completeness").startswith("100%")
    page.wait_for_selector("#dataset-map[data-drawn='2']")
    visitor.screenshot("catalogue-dataset", full_page=True)
    with page.expect_download() as caught:
        page.click("a.download:text('GeoPackage')")
    path = tmp_path / caught.value.suggested_filename
    caught.value.save_as(path)
    assert path.name == "tha-muang-landmarks.gpkg"
    _meta, _fids, _geometry, fields = pyogrio.raw.read(path, layer="landmarks")
    names = list(fields[list(pyogrio.read_info(path, layer="landmarks")["fields"]).index("name_th")])
    assert sorted(names) == ["วัดท่าม่วง", "วัดหลักหกรัตนาราม"]
    visitor.check_clean()


def test_the_catalogue_reads_in_english_and_finds_english_words(tha_muang, visitor):
    visitor.choose_language("en")
    page = visitor.open("/catalogue/?q=Tha+Muang+temples")
    assert page.locator(".dataset-card").count() == 1
    assert "Landmarks, Tha Muang Subdistrict Municipality" in page.inner_text(".dataset-card")
    assert "Data catalogue" in page.inner_text("h1")
    visitor.screenshot("catalogue-search-en")
    visitor.check_clean()


def test_on_a_phone_the_dataset_page_fits_the_screen(tha_muang, phone):
    page = phone.open("/catalogue/tha-muang/landmarks/")
    page.wait_for_selector("#dataset-map[data-drawn='2']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot("catalogue-dataset-phone", full_page=True)
    phone.check_clean()


def test_a_manager_edits_the_metadata_on_a_page_that_runs_under_its_security_policy(tha_muang, strict_visitor):
    manager = get_user_model().objects.create_user("tha-muang-manager", password=PASSWORD)
    Membership.objects.create(user=manager, municipality=tha_muang.municipality, role=Role.MANAGER)
    strict_visitor.sign_in(manager)
    page = strict_visitor.open("/catalogue/tha-muang/landmarks/")
    page.click("text=แก้ไขคำอธิบายชุดข้อมูล")
    page.wait_for_url("**/edit/")
    page.fill("#id_keywords", "วัด, ท่องเที่ยว, ตลาดน้ำ")
    page.fill("#id_maintainer_email", "tourism@thamuang.go.th")
    page.select_option("#id_equivalent_scale", "4000")
    page.fill("#id_positional_accuracy_m", "5")
    # A viewport screenshot: a full-page one here leaves Chromium clicking beside the button.
    strict_visitor.screenshot("catalogue-edit")
    page.click(".dataset-form button[type=submit]")
    page.wait_for_url("**/catalogue/tha-muang/landmarks/")
    assert "บันทึกคำอธิบายชุดข้อมูลแล้ว" in page.inner_text(".notice")
    text = page.inner_text("main")
    assert "ตลาดน้ำ" in text and "tourism@thamuang.go.th" in text and "1:4,000" in text and "± 5.0" in text
    strict_visitor.screenshot("catalogue-dataset-edited", full_page=True)
    strict_visitor.check_clean()
