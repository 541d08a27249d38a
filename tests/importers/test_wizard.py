"""The import wizard, as an editor uses it: upload, check, map, import as a job that a
real worker process runs, follow it, read the report."""

import json
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from importers.models import ImportJob
from layers.models import Feature, Layer, Revision
from tests.layers.test_export_jobs import ROOT, manage_env, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

CSV = "ชื่อ,ประเภท,easting,northing\nวัดดอนไก่ดี,วัด,635800,1509700\nศาลหลวงตาทอง,ศาลเจ้า,636000,1509900\n,วัด,636100,1509950\n"


@pytest.fixture
def landmarks(world):
    layer = Layer.from_template(world.kb, "landmarks")
    layer.save()
    return layer


def test_an_editor_imports_a_tis620_sheet_in_utm_through_the_wizard(world, landmarks, client, settings):
    client.force_login(world.colleague)
    page = client.get("/m/krathum-baen/import/")
    assert page.status_code == 200 and "สถานที่สำคัญ" in page.content.decode()
    upload = SimpleUploadedFile("วัด.csv", CSV.encode("cp874"), content_type="text/csv")
    response = client.post("/m/krathum-baen/import/", {"file": upload, "layer": landmarks.pk})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    confirm = client.get(response["Location"]).content.decode()
    # What was found, shown before anything is stored: the guessed CRS, the encoding, Thai text.
    assert "WGS84 / UTM 47N" in confirm and "Indian 1975" in confirm and "cp874" in confirm and "วัดดอนไก่ดี" in confirm
    # Columns named by a field's Thai label are matched to it.
    assert '<option value="ชื่อ" selected>' in confirm and '<option value="ประเภท" selected>' in confirm
    # What importing would do, checked against the layer before anything is stored.
    assert "<strong>2</strong> รายการพร้อมนำเข้า" in confirm and "<strong>1</strong> รายการใช้ไม่ได้" in confirm
    assert "ต้องกรอกข้อมูลนี้" in confirm
    job.refresh_from_db()
    drawn = job.inspection["shapes"]["features"]
    assert [f["id"] for f in drawn] == [1, 2, 3]
    assert 100.2 < drawn[0]["geometry"]["coordinates"][0] < 100.3  # UTM metres shown as WGS84 degrees
    assert not Feature.objects.filter(layer=landmarks).exists()
    started = client.post(response["Location"], {"action": "import", "srid": "32647", "map_name_th": "ชื่อ", "map_kind": "ประเภท"})
    assert started.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued"
    run_worker(settings)
    job.refresh_from_db()
    assert (job.status, job.progress, job.report["created"], len(job.report["rejected"])) == ("done", 100, 2, 1)
    assert sorted(f.properties["name_th"] for f in Feature.objects.filter(layer=landmarks)) == ["วัดดอนไก่ดี", "ศาลหลวงตาทอง"]
    assert {f.properties["kind"] for f in Feature.objects.filter(layer=landmarks)} == {"temple", "shrine"}
    assert Revision.objects.filter(layer=landmarks, action="import", user=world.colleague).count() == 2
    status = client.get(f"/imports/{job.pk}/status/").content.decode()
    assert "เสร็จแล้ว" in status and "ต้องกรอกข้อมูลนี้" in status
    assert client.get(f"/imports/{job.pk}/status/?download=report").json()["created"] == 2


def test_the_status_page_shows_a_long_import_getting_on_before_it_ends(world, landmarks, client, settings):
    rows = "".join(f"วัด {i},วัด,{635000 + i % 200 * 10},{1509000 + i // 200 * 10}\n" for i in range(30_000))
    client.force_login(world.colleague)
    upload = SimpleUploadedFile("temples.csv", ("ชื่อ,ประเภท,easting,northing\n" + rows).encode(), content_type="text/csv")
    confirm = client.post("/m/krathum-baen/import/", {"file": upload, "layer": landmarks.pk})["Location"]
    client.post(confirm, {"action": "import", "srid": "32647", "map_name_th": "ชื่อ", "map_kind": "ประเภท"})
    job = ImportJob.objects.get()
    worker = subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"], cwd=ROOT,
                              env=manage_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, deadline = set(), time.monotonic() + 180
    while worker.poll() is None and time.monotonic() < deadline:
        seen.add(client.get(f"/imports/{job.pk}/status/?format=json").json()["progress"])
        time.sleep(0.02)
    if worker.poll() is None:
        worker.kill()
    assert worker.wait() == 0, worker.stderr.read()[-2000:]
    # The rows stream to PostgreSQL inside the import's transaction; the progress is
    # written beside it, so the page moves while the rows are checked and stored.
    assert any(5 < progress < 100 for progress in seen), seen
    job.refresh_from_db()
    assert (job.status, job.progress, job.report["created"]) == ("done", 100, 30_000)


def test_a_broken_file_is_refused_on_upload_and_leaves_nothing(world, landmarks, client):
    client.force_login(world.colleague)
    broken = SimpleUploadedFile("survey.zip", b"PK\x03\x04 not really a zip", content_type="application/zip")
    page = client.post("/m/krathum-baen/import/", {"file": broken, "layer": landmarks.pk}).content.decode()
    assert "ไฟล์เสีย" in page and "damaged" in page
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_only_editors_of_the_municipality_import(world, landmarks, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/m/krathum-baen/import/").status_code == 404


def test_a_job_is_its_uploaders_alone(world, landmarks, client):
    job = ImportJob.objects.create(layer=landmarks, user=world.colleague, file=SimpleUploadedFile("a.csv", b"x"))
    for who in (world.owner, world.stranger):
        client.force_login(who)
        assert client.get(f"/imports/{job.pk}/").status_code == 404
        assert client.get(f"/imports/{job.pk}/status/").status_code == 404


def geojson_upload(name, features):
    collection = {"type": "FeatureCollection", "features": features}
    return SimpleUploadedFile(name, json.dumps(collection, ensure_ascii=False).encode(), content_type="application/geo+json")


SURVEY = [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.2572, 13.6523]}, "properties": {"ชื่อ": "ศาลาท่าน้ำ", "ปีที่สร้าง": 2510}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.2581, 13.6531]}, "properties": {"ชื่อ": "ศาลาริมคลอง", "ปีที่สร้าง": 2535}},
]


def test_a_manager_imports_into_a_new_layer_made_from_the_files_own_fields(world, client, settings):
    client.force_login(world.owner)
    response = client.post("/m/krathum-baen/import/", {"file": geojson_upload("salas.geojson", SURVEY), "layer": "file", "new_name": "ศาลาริมน้ำ"})
    assert response.status_code == 302
    layer = Layer.objects.get(municipality=world.kb, name_th="ศาลาริมน้ำ")
    assert (layer.geometry_type, layer.access) == ("Point", "internal")
    assert [(f["label_th"], f["type"]) for f in layer.schema] == [("ชื่อ", "text"), ("ปีที่สร้าง", "integer")]
    client.post(response["Location"], {"action": "import"})
    run_worker(settings)
    assert sorted(f.properties[layer.schema[1]["name"]] for f in Feature.objects.filter(layer=layer)) == [2510, 2535]


def test_a_manager_imports_into_a_new_layer_from_a_template(world, landmarks, client):
    client.force_login(world.owner)
    upload = SimpleUploadedFile("วัด.csv", CSV.encode("cp874"), content_type="text/csv")
    response = client.post("/m/krathum-baen/import/", {"file": upload, "layer": "template:landmarks"})
    assert response.status_code == 302
    made = Layer.objects.get(municipality=world.kb, slug="landmarks-2")
    assert made.template == "landmarks" and ImportJob.objects.get().layer == made


@pytest.mark.parametrize("target", ["file", "template:roads"])
def test_an_editor_may_not_make_layers_and_a_broken_file_leaves_no_new_layer(world, client, target):
    before = Layer.objects.count()
    client.force_login(world.colleague)
    page = client.post("/m/krathum-baen/import/", {"file": geojson_upload("salas.geojson", SURVEY), "layer": target}).content.decode()
    assert "Choose a layer you may import into" in page
    client.force_login(world.owner)
    broken = SimpleUploadedFile("survey.zip", b"PK\x03\x04 not really a zip", content_type="application/zip")
    page = client.post("/m/krathum-baen/import/", {"file": broken, "layer": target}).content.decode()
    assert "damaged" in page
    assert (Layer.objects.count(), ImportJob.objects.count()) == (before, 0)
