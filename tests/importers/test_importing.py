"""Importing real files written by GDAL in the test: Thai text and coordinates right,
bad files refused with a message, nothing half-written."""

import datetime
import io
import json
import math
import subprocess
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from importers.importing import import_file, inspect
from importers.sources import ImportFailed
from layers.crs import INDIAN_1975_UTM47
from layers.models import Feature, Layer, Revision
from tests.conftest import client_for

TEMPLE = (100.2572, 13.6523)  # near Wat Don Kai Di, Krathum Baen


def geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def point(lon, lat, **properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def line(coords, **properties):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": properties}


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True)


def zip_of(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.name)
    return path


@pytest.fixture
def landmarks(world):
    layer = Layer.from_template(world.kb, "landmarks")
    layer.save()
    return layer


def metres(a, b):
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def old_thai_shapefile(tmp_path):
    """Like a consultant's file from an old desktop GIS: CP874 text, no .cpg, Indian 1975."""
    source = geojson(tmp_path / "in.geojson", [point(*TEMPLE, NAME_TH="วัดดอนไก่ดี", KIND="วัด")])
    # Written with the survey shift, so the true position is known exactly.
    ogr2ogr("-f", "ESRI Shapefile", tmp_path / "temples.shp", source, "-t_srs", INDIAN_1975_UTM47, "-lco", "ENCODING=CP874")
    (tmp_path / "temples.cpg").unlink(missing_ok=True)
    prj = (tmp_path / "temples.prj").read_text()
    assert "Indian" in prj and "TOWGS84" not in prj
    return zip_of(tmp_path / "temples.zip", [tmp_path / f"temples.{ext}" for ext in ("shp", "shx", "dbf", "prj")])


def test_an_old_thai_shapefile_shows_its_encoding_and_datum_before_import(world, tmp_path):
    seen = inspect(old_thai_shapefile(tmp_path), world.kb)
    assert seen.encoding == "cp874" and seen.encoding_guessed
    assert seen.preview[0]["NAME_TH"] == "วัดดอนไก่ดี"
    assert seen.crs.startswith("Indian 1975 / UTM 47N")
    assert "204.4798" in seen.transformation and "188 m" in seen.transformation


def test_an_old_thai_shapefile_lands_where_it_belongs_with_thai_names(world, landmarks, tmp_path):
    report = import_file(
        old_thai_shapefile(tmp_path), landmarks, world.owner, mapping={"name_th": "NAME_TH", "kind": "KIND"}
    )
    assert (report.created, report.rejected) == (1, [])
    feature = Feature.objects.get(layer=landmarks)
    assert feature.properties == {"name_th": "วัดดอนไก่ดี", "kind": "temple"}  # the choice matched by its Thai label
    assert metres(feature.geom.coords, TEMPLE) < 0.5
    (revision,) = Revision.objects.filter(feature_id=feature.pk)
    assert (revision.action, str(revision.batch)) == ("import", report.batch)


def test_proj_default_for_indian_1975_would_have_missed_by_about_188_metres(tmp_path):
    source = geojson(tmp_path / "in.geojson", [point(*TEMPLE)])
    ogr2ogr("-f", "GeoJSON", tmp_path / "named.json", source, "-t_srs", INDIAN_1975_UTM47)
    ogr2ogr("-f", "GeoJSON", tmp_path / "back.json", tmp_path / "named.json", "-s_srs", "EPSG:24047", "-t_srs", "EPSG:4326")
    back = json.loads((tmp_path / "back.json").read_text())["features"][0]["geometry"]["coordinates"]
    assert 150 < metres(back, TEMPLE) < 230


def test_a_geopackage_with_several_layers_imports_the_chosen_one(world, landmarks, tmp_path):
    gpkg = tmp_path / "survey.gpkg"
    ogr2ogr("-f", "GPKG", gpkg, geojson(tmp_path / "a.geojson", [point(*TEMPLE, name_th="ตลาด", kind="market")]), "-nln", "markets")
    ogr2ogr("-f", "GPKG", "-update", gpkg, geojson(tmp_path / "b.geojson", [point(100.26, 13.65, name_th="ศาลเจ้า", kind="shrine")] * 2), "-nln", "shrines")
    seen = inspect(gpkg, world.kb)
    assert {name for name, _ in seen.layers} == {"markets", "shrines"}
    report = import_file(gpkg, landmarks, world.owner, source_layer="shrines")
    assert report.created == 2
    with pytest.raises(ImportFailed, match="No layer parks"):
        import_file(gpkg, landmarks, world.owner, source_layer="parks")


def test_a_csv_typed_from_paper_in_utm_and_tis620(world, landmarks, tmp_path):
    csv_path = tmp_path / "temples.csv"
    csv_path.write_bytes("name_th,kind,easting,northing\nวัดดอนไก่ดี,temple,635800,1509700\n".encode("cp874"))
    seen = inspect(csv_path, world.kb)
    assert seen.encoding == "cp874"
    assert seen.crs_guessed and seen.crs.startswith("WGS84 / UTM 47N") and seen.crs_alternatives[0].startswith("Indian 1975")
    report = import_file(csv_path, landmarks, world.owner)
    feature = Feature.objects.get(layer=landmarks)
    assert report.created == 1 and feature.properties["name_th"] == "วัดดอนไก่ดี"
    assert 100.2 < feature.geom.x < 100.3 and 13.6 < feature.geom.y < 13.7


def test_a_csv_that_mixes_encodings_is_refused_and_says_where(world, landmarks, tmp_path):
    csv_path = tmp_path / "mixed.csv"
    csv_path.write_bytes("name_th,kind,lon,lat\n".encode() + "วัด,temple,100.25,13.65\n".encode("utf-8") + "ตลาด,market,100.26,13.66\n".encode("cp874"))
    with pytest.raises(ImportFailed, match="mixes encodings"):
        import_file(csv_path, landmarks, world.owner)
    assert not Feature.objects.filter(layer=landmarks).exists()


def test_an_xlsx_formula_is_never_evaluated(world, landmarks, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["name_th", "kind", "lon", "lat", "website"])
    sheet.append(["วัดดอนไก่ดี", "วัด", 100.2572, 13.6523, '=HYPERLINK("http://evil.example","x")'])
    book.save(tmp_path / "sheet.xlsx")
    report = import_file(tmp_path / "sheet.xlsx", landmarks, world.owner)
    assert report.created == 1 and "formula" in report.notes[0]
    assert "website" not in Feature.objects.get(layer=landmarks).properties


def test_an_xlsx_typed_thai_style_keeps_its_thai_dates_numbers_and_labels(world, tmp_path):
    lights = Layer.from_template(world.kb, "street_lights")
    lights.save()
    book = Workbook()
    sheet = book.active
    # Thai headers, coordinates typed as text, the Buddhist era, labels instead of codes.
    sheet.append(["รหัสเสา", "ชนิดหลอด", "กำลังไฟ", "ใช้งานได้", "วันที่สำรวจ", "ละติจูด", "ลองจิจูด"])
    sheet.append(["KB-001", "แอลอีดี", "1,250", "ใช่", "15/03/2567", " 13.6523 ", "100.2572"])
    sheet.append(["KB-002", "โซเดียม", 250, "ไม่ใช่", datetime.date(2024, 3, 16), 13.6531, 100.2581])
    sheet.append(["KB-003", "LED", 40, "มี", "2567-03-17", 13.6540, 100.2590])
    book.save(tmp_path / "เสาไฟ.xlsx")
    report = import_file(tmp_path / "เสาไฟ.xlsx", lights, world.owner)
    assert (report.created, report.rejected) == (3, [])
    stored = {f.properties["pole_code"]: f.properties for f in Feature.objects.filter(layer=lights)}
    assert stored["KB-001"] == {"pole_code": "KB-001", "lamp": "led", "watts": 1250, "working": True, "survey_date": "2024-03-15"}
    assert (stored["KB-002"]["lamp"], stored["KB-002"]["working"], stored["KB-002"]["survey_date"]) == ("sodium", False, "2024-03-16")
    assert stored["KB-003"]["survey_date"] == "2024-03-17"


def test_gpx_tracks_become_lines_and_kmz_points_become_landmarks(world, landmarks, tmp_path):
    roads = world.roads
    track = geojson(tmp_path / "track.geojson", [line([[100.25, 13.65], [100.251, 13.651], [100.252, 13.651]], name="walk")])
    ogr2ogr("-f", "GPX", tmp_path / "walk.gpx", track, "-nlt", "MULTILINESTRING", "-nln", "tracks", "-lco", "FORCE_GPX_TRACK=YES")
    report = import_file(tmp_path / "walk.gpx", roads, world.colleague, mapping={"name_th": "name"})
    assert report.created == 1 and report.rejected == []
    ogr2ogr("-f", "KML", tmp_path / "doc.kml", geojson(tmp_path / "p.geojson", [point(*TEMPLE, Name="ศาลหลวงตาทอง")]))
    kmz = zip_of(tmp_path / "places.kmz", [tmp_path / "doc.kml"])
    report = import_file(kmz, landmarks, world.owner, mapping={"name_th": "Name"})
    # kind is required and the KML has none: refused by row, with the reason
    assert report.created == 0 and "kind" in report.rejected[0]["errors"]


def test_a_dxf_drawing_from_cad_imports_its_lines(world, tmp_path):
    drawing = geojson(tmp_path / "road.geojson", [line([[100.25, 13.65], [100.2505, 13.6505], [100.251, 13.651]], Layer="SOI-3")])
    # CAD drawings carry no CRS; the surveyor drew in UTM 47N metres.
    ogr2ogr("-f", "DXF", tmp_path / "road.dxf", drawing, "-t_srs", "EPSG:32647")
    seen = inspect(tmp_path / "road.dxf", world.kb)
    assert seen.crs_guessed and seen.crs.startswith("WGS84 / UTM 47N")
    # The CAD layer name is the only attribute a drawing has.
    report = import_file(tmp_path / "road.dxf", world.roads, world.colleague, mapping={"name_th": "Layer"})
    assert (report.created, report.rejected) == (1, [])
    imported = Feature.objects.filter(layer=world.roads).latest("id")
    assert imported.properties["name_th"] == "SOI-3"
    assert metres(imported.geom.coords[0], (100.25, 13.65)) < 0.5


def test_a_shapefile_marked_with_the_0x57_language_byte_still_reads_as_thai(world, landmarks, tmp_path):
    source = geojson(tmp_path / "in.geojson", [point(*TEMPLE, NAME_TH="ศาลเจ้าพ่อหลักเมือง", KIND="ศาลเจ้า")])
    ogr2ogr("-f", "ESRI Shapefile", tmp_path / "shrines.shp", source, "-lco", "ENCODING=CP874")
    (tmp_path / "shrines.cpg").unlink(missing_ok=True)
    dbf = tmp_path / "shrines.dbf"
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0x57  # the language driver byte old ArcView writes for "ANSI", which says nothing of Thai
    dbf.write_bytes(bytes(raw))
    archive = zip_of(tmp_path / "shrines.zip", [tmp_path / f"shrines.{ext}" for ext in ("shp", "shx", "dbf", "prj")])
    seen = inspect(archive, world.kb)
    assert (seen.encoding, seen.encoding_guessed) == ("cp874", True)
    report = import_file(archive, landmarks, world.owner, mapping={"name_th": "NAME_TH", "kind": "KIND"})
    assert report.created == 1
    assert Feature.objects.get(layer=landmarks).properties == {"name_th": "ศาลเจ้าพ่อหลักเมือง", "kind": "shrine"}


def test_reimport_with_a_key_updates_instead_of_duplicating(world, landmarks, tmp_path):
    first = geojson(tmp_path / "v1.geojson", [point(*TEMPLE, code="T1", name_th="วัดเก่า", kind="temple")])
    landmarks.schema.append({"name": "code", "type": "text", "label_th": "รหัส", "label_en": "Code"})
    landmarks.save()
    import_file(first, landmarks, world.owner, key="code")
    second = geojson(tmp_path / "v2.geojson", [point(*TEMPLE, code="T1", name_th="วัดใหม่", kind="temple"),
                                               point(100.26, 13.66, code="T2", name_th="ตลาด", kind="market")])
    report = import_file(second, landmarks, world.owner, key="code")
    assert (report.created, report.updated) == (1, 1)
    assert sorted(f.properties["name_th"] for f in Feature.objects.filter(layer=landmarks)) == ["ตลาด", "วัดใหม่"]
    updated = Feature.objects.get(layer=landmarks, properties__code="T1")
    assert updated.version == 2
    assert Revision.objects.filter(feature_id=updated.pk, action="import").first().before["properties"]["name_th"] == "วัดเก่า"


def test_the_history_of_an_imported_feature_shows_what_the_import_wrote_even_after_later_edits(world, landmarks, tmp_path):
    import_file(geojson(tmp_path / "temples.geojson", [point(*TEMPLE, name_th="วัดดอนไก่ดี", kind="temple")]), landmarks, world.owner)
    feature = Feature.objects.get(layer=landmarks)
    owner = client_for(world.owner)
    history = reverse("feature-revisions", args=[feature.pk])
    (imported,) = owner.get(history).json()
    assert imported["action"] == "import" and imported["after"]["properties"]["name_th"] == "วัดดอนไก่ดี"
    assert imported["after"]["geometry"] == {"type": "Point", "coordinates": list(TEMPLE)}
    edit = {"version": 1, "properties": {"name_th": "วัดใหม่", "kind": "temple"}}
    assert owner.patch(reverse("feature-detail", args=[feature.pk]), edit, format="json").status_code == 200
    edited, imported = owner.get(history).json()
    assert (edited["after"]["properties"]["name_th"], imported["after"]["properties"]["name_th"]) == ("วัดใหม่", "วัดดอนไก่ดี")
    restored = owner.post(imported["restore_url"], {"version": 2}, format="json")
    assert restored.status_code == 200 and restored.json()["properties"]["name_th"] == "วัดดอนไก่ดี"


def test_bad_rows_are_listed_and_strict_mode_stores_nothing(world, landmarks, tmp_path):
    rows = [point(*TEMPLE, name_th="ดี", kind="temple"), point(100.2, 500.0, name_th="พิกัดผิด", kind="temple"),
            point(100.26, 13.66, name_th="ไม่มีประเภท")]
    data = geojson(tmp_path / "mixed.geojson", rows)
    with pytest.raises(ImportFailed, match="2 rows cannot be imported"):
        import_file(data, landmarks, world.owner, strict=True)
    assert not Feature.objects.filter(layer=landmarks).exists()
    report = import_file(data, landmarks, world.owner)
    assert report.created == 1 and [r["row"] for r in report.rejected] == [2, 3]
    assert "WGS84" in json.dumps(report.rejected[0], ensure_ascii=False)


def test_invalid_polygons_are_repaired_and_listed(world, tmp_path):
    zones = Layer.from_template(world.kb, "zones")
    zones.save()
    bowtie = {"type": "Feature", "properties": {"name_th": "ชุมชน"},
              "geometry": {"type": "Polygon", "coordinates": [[[100.25, 13.65], [100.26, 13.66], [100.26, 13.65], [100.25, 13.66], [100.25, 13.65]]]}}
    report = import_file(geojson(tmp_path / "z.geojson", [bowtie]), zones, world.owner)
    assert report.created == 1 and report.repaired[0]["row"] == 1 and "Self-intersection" in report.repaired[0]["reason"]
    assert Feature.objects.get(layer=zones).geom.valid


def test_features_outside_the_municipality_are_flagged(world, landmarks, tmp_path):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    world.kb.boundary = MultiPolygon(Polygon.from_bbox((100.24, 13.64, 100.27, 13.67)), srid=4326)
    world.kb.save()
    data = geojson(tmp_path / "p.geojson", [point(*TEMPLE, name_th="ใน", kind="temple"), point(99.0, 14.0, name_th="นอก", kind="temple")])
    report = import_file(data, landmarks, world.owner)
    assert report.created == 2 and report.outside == [2]


@pytest.mark.parametrize("problem", ["path escape", "zip bomb", "truncated", "no dbf", "no shx", "too big", "not a map"])
def test_bad_files_get_a_clear_message_and_store_nothing(world, landmarks, tmp_path, problem, settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    path = tmp_path / "upload.zip"
    if problem == "path escape":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("../../etc/evil.shp", b"x")
        expected = "leaves its folder"
    elif problem == "zip bomb":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("big.csv", b"0" * 15_000_000)
        expected = "zip bomb"
    elif problem == "truncated":
        zip_of(path, [old_thai_shapefile(tmp_path)])
        path.write_bytes(path.read_bytes()[:300])
        expected = "damaged"
    elif problem == "no dbf":
        old_thai_shapefile(tmp_path)
        zip_of(path, [tmp_path / "temples.shp", tmp_path / "temples.shx"])
        expected = "lacks its .dbf"
    elif problem == "no shx":
        old_thai_shapefile(tmp_path)
        zip_of(path, [tmp_path / "temples.shp", tmp_path / "temples.dbf", tmp_path / "temples.prj"])
        expected = "lacks its .shx"
    elif problem == "too big":
        zip_of(path, [old_thai_shapefile(tmp_path)])
        settings.IMPORT_MAX_BYTES = path.stat().st_size - 1
        expected = "larger than"
    else:
        path = tmp_path / "notes.geojson"
        path.write_bytes(b"\x89PNG not geojson at all")
        expected = "cannot be read"
    with pytest.raises(ImportFailed, match=expected) as error:
        import_file(path, landmarks, world.owner)
    assert " / " in str(error.value)  # Thai first, then English
    assert not Feature.objects.filter(layer=landmarks).exists()


def test_a_geometry_with_too_many_vertices_is_refused_by_row_and_the_rest_imports(world, tmp_path):
    wiggle = [[100.25 + i * 1e-7, 13.65 + (i % 2) * 1e-7] for i in range(250_001)]
    data = geojson(tmp_path / "roads.geojson", [line(wiggle, name_th="เส้นยาวผิดปกติ"), line([[100.25, 13.65], [100.26, 13.65]], name_th="ถนนปกติ")])
    report = import_file(data, world.roads, world.colleague)
    assert report.created == 1 and [r["row"] for r in report.rejected] == [1]
    assert "Too many vertices (250,001" in report.rejected[0]["errors"]["geometry"][0]
    with pytest.raises(ImportFailed, match="1 rows cannot be imported, so nothing was imported"):
        import_file(data, world.roads, world.colleague, strict=True)
    assert Feature.objects.filter(layer=world.roads).count() == 2  # the world's road and the one import


def test_the_command_line_imports_with_a_report(world, tmp_path):
    data = geojson(tmp_path / "roads.geojson", [line([[100.25, 13.65], [100.26, 13.65]], name_th="ถนนใหม่", surface="คอนกรีต", condition="good")])
    out = io.StringIO()
    call_command("import_layer", str(data), municipality="krathum-baen", layer="roads", dry_run=True, stdout=out, stderr=io.StringIO())
    assert "Checked: 1 read, 1 new" in out.getvalue()
    assert Feature.objects.filter(layer=world.roads).count() == 1
    call_command("import_layer", str(data), municipality="krathum-baen", layer="roads", report=str(tmp_path / "r.json"), stdout=out, stderr=io.StringIO())
    assert json.loads((tmp_path / "r.json").read_text())["created"] == 1
    assert Feature.objects.filter(layer=world.roads, properties__surface="concrete").count() == 1
