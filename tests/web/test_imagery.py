"""Imagery in headless Chromium: a manager uploads a GeoTIFF through the page, watches the
conversion finish and looks at the preview; a member then sees it as a basemap of the
municipality's map. Every request stays on our own host."""

import numpy as np
import pytest
from django.core.files import File

from basemaps.models import BasemapSource, Imagery
from tests.basemaps.test_imagery import write_geotiff
from tests.layers.test_export_jobs import run_worker
from tests.web.conftest import IDLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMAGERY_TILES = "img.leaflet-tile-loaded[src*='/basemaps/imagery/']"


def orthophoto(path):
    """2 km of 1 m pixels over the middle of Krathum Baen: colour gradients, so that a
    screenshot shows where the tiles meet."""
    rows, columns = np.mgrid[0:2048, 0:2048]
    data = np.stack([columns // 8, rows // 8, 128 + 64 * ((rows // 256 + columns // 256) % 2)]).astype(np.uint8)
    return write_geotiff(path, data, origin=(634800, 1511000))



def test_a_manager_uploads_imagery_and_sees_it_converted_on_a_preview_map(web_world, strict_visitor, tmp_path, settings):
    strict_visitor.sign_in(web_world.owner)
    page = strict_visitor.open("/m/krathum-baen/imagery/")
    page.set_input_files("#id_source", str(orthophoto(tmp_path / "ortho-2567.tif")))
    page.fill("#id_name_th", "ภาพออร์โธ 2567")
    page.fill("#id_name_en", "Orthophoto 2024")
    page.fill("#id_attribution", "กองช่าง ทม.กระทุ่มแบน")
    page.click("button[type=submit]")
    page.locator("progress").wait_for()
    assert "รอคิว" in page.inner_text("#imagery-status")
    strict_visitor.screenshot("imagery-queued")
    run_worker(settings)
    # The page follows the job by itself and reloads with the preview.
    page.locator(f"#imagery-preview {IMAGERY_TILES}").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert "พร้อมใช้" in page.inner_text("#imagery-status")
    strict_visitor.screenshot("imagery-preview")
    strict_visitor.open("/m/krathum-baen/imagery/")
    assert "ภาพออร์โธ 2567" in page.inner_text("table") and "เฉพาะสมาชิก" in page.inner_text("table")
    strict_visitor.screenshot("imagery-list", full_page=True)
    strict_visitor.check_clean()


def test_a_member_sees_the_imagery_as_a_basemap_of_the_map_and_the_public_does_not(web_world, visitor, tmp_path):
    with open(orthophoto(tmp_path / "ortho.tif"), "rb") as source:
        imagery = Imagery.upload(File(source, name="ortho.tif"), web_world.kb, web_world.owner,
                                 name_th="ภาพออร์โธ 2567", name_en="Orthophoto 2024")
    imagery.convert()
    basemap = BasemapSource.objects.get(imagery=imagery)
    visitor.sign_in(web_world.viewer)
    page = visitor.open(f"/m/krathum-baen/?base={basemap.pk}")
    page.wait_for_function(IDLE)
    page.locator(IMAGERY_TILES).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.input_value(".basemap-select") == str(basemap.pk)
    assert "ภาพออร์โธ 2567" in page.inner_text(".basemap-select")
    loaded = page.eval_on_selector_all(IMAGERY_TILES, "tiles => tiles.filter(t => t.naturalWidth === 256).length")
    assert loaded >= 4
    visitor.screenshot("map-imagery")
    visitor.check_clean()

    visitor.context.clear_cookies()
    page = visitor.open(f"/m/krathum-baen/?base={basemap.pk}")
    page.wait_for_function(IDLE)
    assert "ภาพออร์โธ 2567" not in page.inner_text(".basemap-select")
