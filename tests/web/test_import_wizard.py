"""The import wizard in Chromium, as a GIS officer new to the platform uses it: an old
Thai desktop-GIS Shapefile (CP874 without .cpg, Indian 1975) is uploaded, checked on the
map and in the table, imported by the task queue's worker, and lands where it belongs."""

import pytest

from layers.models import Feature, Layer
from tests.importers.test_importing import TEMPLE, metres, old_thai_shapefile
from tests.layers.test_export_jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_old_thai_shapefile_goes_through_the_wizard_and_lands_on_the_map(web_world, strict_visitor, tmp_path, settings):
    landmarks = Layer.from_template(web_world.kb, "landmarks", slug="old-survey", name_th="สถานที่สำคัญ (สำรวจเดิม)")
    landmarks.save()
    strict_visitor.sign_in(web_world.colleague)
    page = strict_visitor.open("/m/krathum-baen/import/")
    strict_visitor.screenshot("import-wizard-upload")
    page.set_input_files("input[type=file]", str(old_thai_shapefile(tmp_path)))
    page.select_option("select[name=layer]", str(landmarks.pk))
    page.click("button[type=submit]")
    page.wait_for_url("**/imports/*/")
    text = page.inner_text("main")
    # The encoding and the datum, detected and named before anything is stored.
    assert "cp874" in text and "Indian 1975 / UTM 47N" in text and "204.4798" in text
    assert "วัดดอนไก่ดี" in page.inner_text("table.preview")
    assert "1 รายการพร้อมนำเข้า" in page.inner_text(".check")
    # The file's temple is drawn on the map, inside the municipality's outline.
    page.wait_for_selector("#preview-map path.leaflet-interactive, #preview-map canvas")
    strict_visitor.screenshot("import-wizard-check", full_page=True)
    assert not Feature.objects.filter(layer=landmarks).exists()
    page.click("button[value=import]")
    page.wait_for_url("**/status/")
    run_worker(settings)
    # The status page follows its job and reloads itself with the report once it is done.
    page.wait_for_selector("text=เสร็จแล้ว")
    strict_visitor.screenshot("import-wizard-done", full_page=True)
    temple = Feature.objects.get(layer=landmarks)
    assert temple.properties == {"name_th": "วัดดอนไก่ดี", "kind": "temple"}
    assert metres(temple.geom.coords, TEMPLE) < 0.5
    strict_visitor.check_clean()
