"""Imagery as basemaps: a GeoTIFF written by rasterio here, uploaded by a manager,
converted to a Cloud-Optimized GeoTIFF by a real worker, served as XYZ PNG tiles to
those who may see it; bad files refused with a Thai and English message."""

import io
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image
from rasterio.transform import from_origin
from rasterio.warp import transform

from basemaps.models import BasemapSource, Imagery
from basemaps.tasks import convert_imagery
from tests.layers.test_export_jobs import run_worker

# 512 x 512 pixels of 1 m in UTM 47N over Krathum Baen (~100.255E 13.653N), in four
# quadrants: red north-west, green north-east, blue south-west, white south-east.
ORIGIN = (635500, 1510000)
QUADRANTS = {
    "red": ((128, 128), (255, 0, 0)),
    "green": ((384, 128), (0, 255, 0)),
    "blue": ((128, 384), (0, 0, 255)),
    "white": ((384, 384), (255, 255, 255)),
}


def quadrants(size=512):
    data = np.zeros((3, size, size), dtype=np.uint8)
    half = size // 2
    data[0, :half, :half] = 255
    data[1, :half, half:] = 255
    data[2, half:, :half] = 255
    data[:, half:, half:] = 255
    return data


def write_geotiff(path, data=None, crs="EPSG:32647", origin=ORIGIN, pixel=1.0, **profile):
    data = quadrants() if data is None else data
    options = {"driver": "GTiff", "width": data.shape[2], "height": data.shape[1], "count": data.shape[0], "dtype": data.dtype}
    if crs:
        options.update(crs=crs, transform=from_origin(*origin, pixel, pixel))
    with rasterio.open(path, "w", **{**options, **profile}) as out:
        out.write(data)
    return Path(path)


def lonlat_of(column, row, origin=ORIGIN, pixel=1.0):
    """WGS84 (lon, lat) of a source pixel's centre."""
    lons, lats = transform("EPSG:32647", "EPSG:4326", [origin[0] + (column + 0.5) * pixel], [origin[1] - (row + 0.5) * pixel])
    return lons[0], lats[0]


def tile_pixel(lon, lat, z):
    """The XYZ tile holding (lon, lat) at zoom z, and the pixel of it."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (int(fx), int(fy)), (int((fx % 1) * 256), int((fy % 1) * 256))


def fetch_tile(client, imagery, z, x, y):
    response = client.get(f"/basemaps/imagery/{imagery.pk}/{z}/{x}/{y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return np.array(Image.open(io.BytesIO(response.content)).convert("RGBA")), response


def near(colour, expected, tolerance=24):
    # JPEG inside the COG: colours come back close, not exact.
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(colour, expected))


@pytest.fixture
def kb(world):
    world.kb.boundary = MultiPolygon(Polygon.from_bbox((100.24, 13.64, 100.27, 13.67)), srid=4326)
    world.kb.save()
    return world


def ready_imagery(world, tmp_path, **details):
    """Imagery uploaded and converted in this process (the worker's code, without the queue)."""
    path = write_geotiff(tmp_path / "ortho.tif")
    with open(path, "rb") as source:
        imagery = Imagery.upload(File(source, name="ortho.tif"), world.kb, world.owner, name_th="ภาพออร์โธ 2567",
                                 name_en="Orthophoto 2024", **details)
    imagery.convert()
    assert imagery.status == Imagery.Status.READY, imagery.error
    return imagery


@pytest.mark.django_db(transaction=True)
def test_a_manager_uploads_a_geotiff_that_a_worker_turns_into_a_cog_basemap_with_the_source_colours(kb, client, tmp_path, settings):
    world = kb
    client.force_login(world.owner)
    page = client.get("/m/krathum-baen/imagery/").content.decode()
    assert "อัปโหลดภาพ" in page and "csrfmiddlewaretoken" in page
    upload = SimpleUploadedFile("ortho.tif", write_geotiff(tmp_path / "ortho.tif").read_bytes(), content_type="image/tiff")
    response = client.post("/m/krathum-baen/imagery/", {"source": upload, "name_th": "ภาพออร์โธ 2567", "name_en": "Orthophoto 2024",
                                                       "attribution": "กองช่าง <ทต.>"})
    assert response.status_code == 302
    imagery = Imagery.objects.get()
    assert (imagery.status, imagery.is_public, imagery.source_crs) == ("queued", False, "EPSG:32647")
    assert imagery.resolution_m == pytest.approx(1.0, rel=0.01)
    following = client.get(response["Location"]).content.decode()
    assert "รอคิว" in following and "<progress" in following and "ปิดหน้านี้แล้วกลับมาดูภายหลังได้" in following
    assert not BasemapSource.objects.filter(imagery=imagery).exists()

    run_worker(settings)
    imagery.refresh_from_db()
    assert (imagery.status, imagery.progress, imagery.error) == ("ready", 100, "")
    # 1 m ground pixels at 13.65N: zoom 17 (1.16 m) is the nearest level of the XYZ grid.
    assert imagery.max_zoom == 17 and imagery.min_zoom < imagery.max_zoom
    assert client.get(response["Location"], {"format": "json"}).json() == {"status": "ready", "progress": 100, "error": ""}
    done = client.get(response["Location"]).content.decode()
    assert "พร้อมใช้" in done and 'id="imagery-config"' in done and "กองช่าง &lt;ทต.&gt;" in done

    # A valid COG in Web Mercator on the XYZ grid: 256-pixel blocks, overviews, GDAL's COG layout.
    with rasterio.open(imagery.cog.path) as cog:
        assert cog.crs.to_epsg() == 3857 and cog.block_shapes[0] == (256, 256) and cog.overviews(1)
        assert cog.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG" and cog.compression.name == "jpeg"
        assert cog.transform.a == pytest.approx(2 * math.pi * 6378137 / 256 / 2**17)

    basemap = BasemapSource.objects.get(imagery=imagery)
    assert (basemap.municipality, basemap.url_template, basemap.max_zoom) == (world.kb, f"/basemaps/imagery/{imagery.pk}/{{z}}/{{x}}/{{y}}.png", 17)

    # Each quadrant's colour where its centre falls, at the COG's zoom, one above (its
    # overview) and two below (enlarged).
    for z in (16, 17, 19):
        for name, ((column, row), colour) in QUADRANTS.items():
            (x, y), (px, py) = tile_pixel(*lonlat_of(column, row), z)
            tile, _ = fetch_tile(client, imagery, z, x, y)
            assert near(tile[py, px], (*colour, 255)), (z, name, tile[py, px])
    # A tile half over the image: transparent outside it (the image's west edge is in it).
    (x, y), (px, py) = tile_pixel(*lonlat_of(0, 256), 15)
    tile, answer = fetch_tile(client, imagery, 15, x, y)
    assert tile[py, max(px - 20, 0), 3] == 0 and near(tile[py - 5, px + 5], (255, 0, 0, 255)) and (tile[..., 3] == 0).mean() > 0.5
    # Far from the image: an empty transparent tile.
    empty, _ = fetch_tile(client, imagery, 15, x + 40, y)
    assert (empty[..., 3] == 0).all()
    # Cached by the browser for its members only; the same tile again costs nothing.
    assert answer["Cache-Control"] == "private, max-age=3600" and answer["ETag"]
    again = client.get(f"/basemaps/imagery/{imagery.pk}/15/{x}/{y}.png", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304 and not again.content


def test_a_nodata_border_becomes_transparent(kb, tmp_path):
    data = quadrants()
    data[:, :, :64] = 0  # a black border marked as nodata, as drone mosaics have
    path = write_geotiff(tmp_path / "border.tif", data, nodata=0)
    with open(path, "rb") as source:
        imagery = Imagery.upload(File(source, name="border.tif"), kb.kb, kb.owner, name_th="โดรน")
    imagery.convert()
    (x, y), (px, py) = tile_pixel(*lonlat_of(20, 128), 17)
    client = client_as(kb, "owner")
    tile, _ = fetch_tile(client, imagery, 17, x, y)
    assert tile[py, px, 3] == 0
    (x, y), (px, py) = tile_pixel(*lonlat_of(128, 128), 17)
    tile, _ = fetch_tile(client, imagery, 17, x, y)
    assert near(tile[py, px], (255, 0, 0, 255))


def not_a_tiff(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_bytes("บันทึกการประชุม ไม่ใช่ภาพ".encode())
    return path


def a_png(tmp_path):
    return write_geotiff(tmp_path / "photo.png", driver="PNG")


def truncated(tmp_path):
    path = write_geotiff(tmp_path / "cut.tif")
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    return path


def without_georeferencing(tmp_path):
    return write_geotiff(tmp_path / "scan.tif", crs=None)


def sixteen_bit(tmp_path):
    return write_geotiff(tmp_path / "dem.tif", quadrants().astype(np.uint16) * 100)


def far_away(tmp_path):
    # UTM 47N coordinates near the equator: 1,400 km south of Krathum Baen.
    return write_geotiff(tmp_path / "wrong-place.tif", origin=(500000, 100000))


def absurdly_large(tmp_path):
    # Pixels of 1 km read as if they were metres of a town: 512 km across.
    return write_geotiff(tmp_path / "huge.tif", pixel=1000.0, origin=(400000, 1700000))


@pytest.mark.parametrize("make, thai, english", [
    (not_a_tiff, "ไม่ใช่ภาพ GeoTIFF", "not a GeoTIFF"),
    (a_png, "รับเฉพาะไฟล์ GeoTIFF", "Only GeoTIFF files"),
    (truncated, "ไฟล์ภาพไม่ครบ", "incomplete"),
    (without_georeferencing, "ภาพไม่มีพิกัดอ้างอิง", "no georeferencing"),
    (sixteen_bit, "8 บิต", "8-bit"),
    (far_away, "ภาพอยู่นอกเขตกระทุ่มแบน ห่างออกไป 1,", "km outside Krathum Baen"),
    (absurdly_large, "ใหญ่เกินภาพของเทศบาล", "km across, far larger than a municipality"),
])
def test_a_bad_file_is_refused_on_upload_with_a_thai_and_english_message_and_leaves_nothing(kb, client, tmp_path, settings, make, thai, english):
    client.force_login(kb.owner)
    path = make(tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/tiff")
    page = client.post("/m/krathum-baen/imagery/", {"source": upload, "name_th": "ภาพ"})
    assert page.status_code == 200
    text = page.content.decode()
    assert thai in text and english in text, text[text.find('role="alert"'):][:300]
    assert Imagery.objects.count() == 0 and not BasemapSource.objects.filter(imagery__isnull=False).exists()
    assert not (Path(settings.MEDIA_ROOT) / "imagery").exists()


def test_a_file_over_the_configured_size_is_refused(kb, client, tmp_path, settings):
    settings.IMAGERY_MAX_BYTES = 1024 * 1024
    client.force_login(kb.owner)
    path = write_geotiff(tmp_path / "ortho.tif", quadrants(1024))  # 3 MB
    page = client.post("/m/krathum-baen/imagery/", {"source": SimpleUploadedFile("ortho.tif", path.read_bytes()), "name_th": "ภาพ"})
    assert "ไฟล์ใหญ่เกิน 1 MB / The file is larger than 1 MB." in page.content.decode()
    assert Imagery.objects.count() == 0


ROLES = ["owner", "colleague", "viewer", "health", "stranger", "admin", "anonymous"]
MANAGERS = {"owner", "admin"}
MEMBERS = {"owner", "colleague", "viewer", "health", "admin"}


def client_as(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_only_the_municipalitys_managers_upload_and_manage_imagery(kb, tmp_path, role):
    imagery = ready_imagery(kb, tmp_path)
    client = client_as(kb, role)
    for path in ("/m/krathum-baen/imagery/", f"/basemaps/imagery/{imagery.pk}/", f"/basemaps/imagery/{imagery.pk}/?format=json"):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"], path
        else:
            assert response.status_code == (200 if role in MANAGERS else 404), (role, path)
    publish = client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "publish"})
    assert publish.status_code == (302 if role in MANAGERS or role == "anonymous" else 404)
    imagery.refresh_from_db()
    assert imagery.is_public == (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_internal_imagery_is_for_members_and_public_imagery_for_everyone(kb, tmp_path, role):
    imagery = ready_imagery(kb, tmp_path)
    (x, y), _ = tile_pixel(*lonlat_of(256, 256), 17)
    tile = f"/basemaps/imagery/{imagery.pk}/17/{x}/{y}.png"
    client = client_as(kb, role)
    options = lambda: [option["url"] for option in client.get("/m/krathum-baen/").context["config"]["basemaps"]["options"]]
    assert client.get(tile).status_code == (200 if role in MEMBERS else 404)
    assert (imagery.tile_url() in options()) == (role in MEMBERS)
    imagery.is_public = True
    imagery.save()
    response = client.get(tile)
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=3600"
    assert imagery.tile_url() in options()


def test_imagery_not_yet_converted_has_no_tiles_and_no_basemap(kb, tmp_path):
    path = write_geotiff(tmp_path / "ortho.tif")
    with open(path, "rb") as source:
        imagery = Imagery.upload(File(source, name="ortho.tif"), kb.kb, kb.owner, name_th="ภาพ", is_public=True)
    assert client_as(kb, "owner").get(f"/basemaps/imagery/{imagery.pk}/17/0/0.png").status_code == 404
    assert not BasemapSource.objects.filter(imagery=imagery).exists()


def test_a_tile_outside_the_xyz_grid_is_not_found(kb, tmp_path):
    imagery = ready_imagery(kb, tmp_path)
    client = client_as(kb, "owner")
    assert client.get(f"/basemaps/imagery/{imagery.pk}/3/8/0.png").status_code == 404
    assert client.get(f"/basemaps/imagery/{imagery.pk}/25/0/0.png").status_code == 404


def test_deleting_imagery_removes_its_basemap_and_its_files(kb, tmp_path, client, django_capture_on_commit_callbacks):
    imagery = ready_imagery(kb, tmp_path)
    files = [Path(imagery.source.path), Path(imagery.cog.path)]
    assert all(path.exists() for path in files)
    client.force_login(kb.owner)
    # Only with the box ticked that says so.
    assert client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "delete"}).status_code == 302
    assert Imagery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "delete", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/m/krathum-baen/imagery/"
    assert not Imagery.objects.exists() and not BasemapSource.objects.filter(url_template__startswith="/basemaps/").exists()
    assert not any(path.exists() for path in files)


def test_the_management_command_makes_a_basemap_with_the_same_checks(kb, tmp_path):
    out = io.StringIO()
    call_command("import_imagery", str(write_geotiff(tmp_path / "ortho.tif")), municipality="krathum-baen",
                 name_th="ภาพออร์โธ", public=True, stdout=out)
    imagery = Imagery.objects.get()
    assert imagery.status == "ready" and imagery.is_public and f"Imagery {imagery.pk} is ready" in out.getvalue()
    assert BasemapSource.objects.get(imagery=imagery).name_en == "ภาพออร์โธ"
    with pytest.raises(CommandError, match="ภาพไม่มีพิกัดอ้างอิง .* no georeferencing"):
        call_command("import_imagery", str(write_geotiff(tmp_path / "scan.tif", crs=None)), municipality="krathum-baen")
    assert Imagery.objects.count() == 1


def test_a_file_damaged_past_its_checks_fails_its_conversion_and_offers_no_basemap(kb, tmp_path):
    path = write_geotiff(tmp_path / "ortho.tif")
    with open(path, "rb") as source:
        imagery = Imagery.upload(File(source, name="ortho.tif"), kb.kb, kb.owner, name_th="ภาพ")
    # The stored file is cut short after the upload's checks (a disk fault, say).
    stored = Path(imagery.source.path)
    stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])
    imagery.convert()
    assert imagery.status == "failed" and "ไฟล์เสียหรือไม่ครบ" in imagery.error and "No basemap was added" in imagery.error
    assert not imagery.cog and not BasemapSource.objects.filter(imagery=imagery).exists()


def test_a_manager_makes_the_imagery_the_default_basemap_of_the_municipality(kb, tmp_path, client):
    imagery = ready_imagery(kb, tmp_path)
    own = BasemapSource.objects.create(municipality=kb.kb, name_th="เดิม", name_en="Old", url_template="https://t.example/{z}/{x}/{y}.png",
                                       is_default=True)
    client.force_login(kb.owner)
    assert "ใช้เป็นแผนที่ฐานเริ่มต้น" in client.get(f"/basemaps/imagery/{imagery.pk}/").content.decode()
    client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "make-default"})
    own.refresh_from_db()
    assert not own.is_default and BasemapSource.objects.get(imagery=imagery).is_default
    assert client.get("/m/krathum-baen/").context["config"]["basemaps"]["default"] == imagery.basemap.pk
    # The field crew's editor opens on it too (the imagery is not published yet).
    assert client.get("/m/krathum-baen/edit/").context["basemap_url"] == imagery.basemap.url_template
    # The public still opens on what it may see.
    assert client_as(kb, "anonymous").get("/m/krathum-baen/").context["config"]["basemaps"]["default"] != imagery.basemap.pk


def test_imagery_deleted_before_its_turn_is_skipped_and_running_imagery_is_not_deleted(kb, tmp_path, client, django_capture_on_commit_callbacks):
    path = write_geotiff(tmp_path / "ortho.tif")
    with open(path, "rb") as source:
        imagery = Imagery.upload(File(source, name="ortho.tif"), kb.kb, kb.owner, name_th="ภาพ")
    client.force_login(kb.owner)
    Imagery.objects.filter(pk=imagery.pk).update(status="running")
    client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "delete", "confirm": "on"})
    assert Imagery.objects.filter(pk=imagery.pk).exists()
    Imagery.objects.filter(pk=imagery.pk).update(status="queued")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/basemaps/imagery/{imagery.pk}/", {"action": "delete", "confirm": "on"})
    convert_imagery(imagery_id=imagery.pk)
    assert not Imagery.objects.exists() and not BasemapSource.objects.filter(imagery__isnull=False).exists()
