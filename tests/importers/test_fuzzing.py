"""Hostile files against the import path (hypothesis): random bytes under every name we
accept, real files written by GDAL and cut short or scribbled over, zips with any member
names, text in any encoding, sheets of any shape, any options. The property everywhere:
the file imports, or ImportFailed says why in Thai and English and nothing is stored.
Never another exception.

Examples are derandomized so that a CI run is repeatable; run with
`--hypothesis-seed=random` (and without derandomize) to explore further. The number of
examples run is printed at the end of the pytest run (tests/conftest.py).
"""

import csv
import datetime
import io
import json
import re
import subprocess
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from importers.importing import import_file, inspect
from importers.sources import ImportFailed, decode_text, is_utf8
from importers.models import ImportJob
from layers.models import Feature, Layer, Revision

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
THAI = re.compile("[\u0e00-\u0e7f]")
SUFFIXES = [".zip", ".kmz", ".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx", ".dxf", ".csv", ".xlsx", ".txt"]
# Openings that take a reader past "not my format" and into the parser itself.
MAGIC = [b"", b"PK\x03\x04", b"SQLite format 3\x00", b'{"type":"FeatureCollection","features":[',
         b"<?xml version='1.0'?><kml xmlns='http://www.opengis.net/kml/2.2'>", b"<gpx version='1.1'>",
         b"0\nSECTION\n2\nENTITIES\n", b"\x00\x00\x27\x0a", b"name_th,kind,lon,lat\n", b"\xef\xbb\xbf"]
ENCODINGS = [None, "utf-8", "cp874", "latin1", "utf-16", "tis-620", "", "nonsense", "utf-8\x00", "../etc"]


@pytest.fixture
def landmarks(world):
    layer = Layer.from_template(world.kb, "landmarks")
    layer.save()
    return layer


def stored():
    return Feature.objects.count(), Revision.objects.count()


def assert_thai_and_english(message):
    assert THAI.search(message) and re.search("[A-Za-z]{3}", message), message
    assert " / " in message, message


def imports_or_refuses(path, layer, user, key=None, strict=False, **options):
    """The property: checked and imported, or refused in Thai and English with nothing
    stored. Returns the report, or None when refused."""
    before = stored()
    try:
        inspect(path, layer.municipality, **options)
        return import_file(path, layer, user, key=key, strict=strict, **options)
    except ImportFailed as failure:
        assert_thai_and_english(str(failure))
        assert stored() == before
        return None


def write(folder, name, content):
    path = Path(folder) / name
    path.write_bytes(content)
    return path


@given(suffix=st.sampled_from(SUFFIXES), magic=st.sampled_from(MAGIC), body=st.binary(max_size=3000),
       encoding=st.sampled_from(ENCODINGS))
@FUZZ
def test_random_bytes_under_any_name_are_imported_or_refused_in_thai_and_english(world, landmarks, suffix, magic, body, encoding):
    with tempfile.TemporaryDirectory() as folder:
        imports_or_refuses(write(folder, "survey" + suffix, magic + body), landmarks, world.colleague, encoding=encoding or None)


# --- real files, written by GDAL, then damaged -------------------------------------------

TEMPLES = [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.2572 + i / 1000, 13.6523]},
     "properties": {"name_th": f"วัดดอนไก่ดี {i}", "kind": "วัด", "opened": "2020-01-0%d" % (i + 1)}}
    for i in range(5)
]


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def real_files(tmp_path_factory):
    """The same five temples in every format we import, as GDAL (and openpyxl) write them."""
    folder = tmp_path_factory.mktemp("real")
    source = folder / "temples.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": TEMPLES}, ensure_ascii=False), encoding="utf-8")
    files = {"geojson": source.read_bytes()}
    for name, driver, extension, extra in [
        ("gpkg", "GPKG", "gpkg", []), ("kml", "KML", "kml", []), ("dxf", "DXF", "dxf", []),
        ("gpx", "GPX", "gpx", ["-dsco", "GPX_USE_EXTENSIONS=YES"]),
        ("csv", "CSV", "csv", ["-lco", "GEOMETRY=AS_XY"]),
    ]:
        target = folder / f"out.{extension}"
        ogr2ogr("-f", driver, target, source, *extra)
        files[name] = target.read_bytes()
    shapefile = folder / "shp"
    shapefile.mkdir()
    ogr2ogr("-f", "ESRI Shapefile", shapefile / "temples.shp", source, "-lco", "ENCODING=CP874")
    files["zip"] = zipped({p.name: p.read_bytes() for p in sorted(shapefile.iterdir())})
    files["kmz"] = zipped({"doc.kml": files["kml"]})
    book = Workbook()
    book.active.append(["name_th", "kind", "lon", "lat", "opened"])
    for temple in TEMPLES:
        book.active.append([temple["properties"]["name_th"], "วัด", *temple["geometry"]["coordinates"], datetime.date(2020, 1, 1)])
    out = io.BytesIO()
    book.save(out)
    files["xlsx"] = out.getvalue()
    return files


def zipped(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_the_undamaged_real_files_all_import(world, landmarks, real_files):
    """The baseline for the damage below: every format really imports as it is."""
    with tempfile.TemporaryDirectory() as folder:
        for name, content in real_files.items():
            report = imports_or_refuses(write(folder, f"temples.{name}", content), landmarks, world.colleague)
            assert report is not None and report.read == 5, name


@given(data=st.data())
@FUZZ
def test_a_real_file_cut_short_or_scribbled_over_is_imported_or_refused(world, landmarks, real_files, data):
    name = data.draw(st.sampled_from(sorted(real_files)))
    content = bytearray(real_files[name])
    cut = data.draw(st.integers(0, len(content)), label="cut at")
    content = content[:cut]
    for _ in range(data.draw(st.integers(0, 3), label="scribbles")):
        if content:
            at = data.draw(st.integers(0, len(content) - 1))
            content[at : at + 4] = data.draw(st.binary(min_size=1, max_size=4))
    with tempfile.TemporaryDirectory() as folder:
        imports_or_refuses(write(folder, f"temples.{name}", bytes(content)), landmarks, world.colleague)


# --- zips with any member names -----------------------------------------------------------

MEMBER_NAMES = st.sampled_from([
    "temples.shp", "temples.shx", "temples.dbf", "temples.prj", "temples.cpg", "doc.kml", "a.geojson", "a/b.csv",
    "../escape.geojson", "/etc/absolute.kml", "..\\windows.kml", "a/../../b.shp", "dir/", "ไทย/วัด.geojson", ".",
    "a", "a/b", "x" * 300 + ".kml", "con.kml", "\u202egeojson.exe",
]) | st.text(min_size=0, max_size=30)


@given(members=st.lists(st.tuples(MEMBER_NAMES, st.sampled_from([b""] + [t.encode() for t in (
           '{"type":"FeatureCollection","features":[]}', "name_th,lon,lat\nวัด,100.25,13.65\n", "<kml/>")]) | st.binary(max_size=200)),
       max_size=5), suffix=st.sampled_from([".zip", ".kmz"]), compress=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
@FUZZ
def test_a_zip_with_any_member_names_is_imported_or_refused(world, landmarks, members, suffix, compress):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": a hostile zip may repeat names
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name or "_"), content)
    with tempfile.TemporaryDirectory() as folder:
        before = set(Path(folder).parent.glob("escape*")) | set(Path(folder).parent.glob("b.shp"))
        imports_or_refuses(write(folder, "survey" + suffix, out.getvalue()), landmarks, world.colleague)
        # Nothing climbed out of the folder the zip was unpacked into.
        assert set(Path(folder).parent.glob("escape*")) | set(Path(folder).parent.glob("b.shp")) == before


# --- text in any encoding ----------------------------------------------------------------

CODECS = ["utf-8", "utf-8-sig", "cp874", "tis-620", "utf-16", "latin-1", "cp1252", "shift_jis", "gb18030", "koi8-r"]


@given(text=st.text(max_size=200), codec=st.sampled_from(CODECS), asked=st.sampled_from(ENCODINGS))
@settings(FUZZ, max_examples=300)
def test_text_in_any_encoding_is_decoded_faithfully_or_refused(text, codec, asked):
    raw = text.encode(codec, errors="replace")
    try:
        decoded, encoding = decode_text(raw, asked or None)
    except ImportFailed as failure:
        assert_thai_and_english(str(failure))
        return
    # Thai files come in UTF-8 or TIS-620: those always come back as they were written.
    if not asked and codec in ("utf-8", "utf-8-sig"):
        assert (decoded, encoding) == (raw.decode("utf-8-sig"), "utf-8")
    if not asked and codec == "cp874" and not is_utf8(raw):
        assert (decoded, encoding) == (raw.decode("cp874"), "cp874")


@given(name=st.text(max_size=40), codec=st.sampled_from(CODECS))
@FUZZ
def test_a_sheet_in_any_encoding_is_imported_or_refused(world, landmarks, name, codec):
    sheet = f"name_th,kind,lon,lat\n{name},วัด,100.2572,13.6523\n".encode(codec, errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        report = imports_or_refuses(write(folder, "temples.csv", sheet), landmarks, world.colleague)
    if report is not None and report.created:
        assert "\x00" not in Feature.objects.filter(layer=landmarks).latest("pk").properties["name_th"]


# --- sheets of any shape -----------------------------------------------------------------

HEADERS = st.sampled_from(["name_th", "ชื่อ", "kind", "ประเภท", "lon", "lat", "easting", "northing", "wkt", "x", "y",
                           "LON", " lat ", "", "name_th"]) | st.text(max_size=12)
CELLS = (st.sampled_from(["วัด", "temple", "100.2572", "13.6523", "635800", "1509700", "POINT (100.25 13.65)",
                          "LINESTRING (0 0, nan 1)", "POLYGON ((0 0, 1 1, 0 0))", "1,000.5", "=1+1", "-", "inf",
                          "NaN", "1e400", "", "\x00", "<script>"])
         | st.text(max_size=20) | st.floats(allow_nan=True) | st.integers(-10**20, 10**20) | st.none()
         | st.booleans() | st.dates() | st.datetimes())


@given(header=st.lists(HEADERS, min_size=0, max_size=6), rows=st.lists(st.lists(CELLS, max_size=7), max_size=6),
       form=st.sampled_from(["csv", "xlsx"]), key=st.sampled_from([None, "name_th", "kind"]), strict=st.booleans())
@FUZZ
def test_a_sheet_of_any_shape_is_imported_or_refused(world, landmarks, header, rows, form, key, strict):
    with tempfile.TemporaryDirectory() as folder:
        if form == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            for row in [header, *rows]:
                writer.writerow(["" if cell is None else cell for cell in row])
            path = write(folder, "sheet.csv", out.getvalue().encode("utf-8", errors="replace"))
        else:
            book = Workbook()
            for row in [header, *rows]:
                book.active.append([clean_for_xlsx(cell) for cell in row])
            path = Path(folder) / "sheet.xlsx"
            book.save(path)
        imports_or_refuses(path, landmarks, world.colleague, key=key, strict=strict)


def clean_for_xlsx(cell):
    """openpyxl itself refuses control characters in a cell; a real XLSX cannot hold them."""
    if isinstance(cell, str):
        return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", cell)
    return cell


def test_an_xlsx_with_a_formula_is_shown_before_import(world, tmp_path):
    book = Workbook()
    book.active.append(["name_th", "kind", "lon", "lat"])
    book.active.append(["วัด", "วัด", 100.2572, "=13+0.6523"])
    book.save(tmp_path / "formula.xlsx")
    seen = inspect(tmp_path / "formula.xlsx", world.kb)
    assert any("=13+0.6523" in note for note in seen.notes)


@given(srid=st.integers(-10, 10**6) | st.sampled_from([4326, 32647, 24047, 24048, 3857, 0]),
       source_layer=st.none() | st.text(max_size=10) | st.sampled_from(["temples", "tracks", "waypoints"]),
       mapping=st.dictionaries(st.sampled_from(["name_th", "kind", "nope"]) | st.text(max_size=5), st.text(max_size=8), max_size=3))
@FUZZ
def test_any_options_are_used_or_refused(world, landmarks, real_files, srid, source_layer, mapping):
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "temples.gpkg", real_files["gpkg"])
        before = stored()
        try:
            import_file(path, landmarks, world.colleague, srid=srid, source_layer=source_layer, mapping=mapping)
        except ImportFailed as failure:
            assert_thai_and_english(str(failure))
            assert stored() == before


# --- the wizard's upload and confirm pages -------------------------------------------------


def stored_uploads(settings):
    return sorted(p for p in (Path(settings.MEDIA_ROOT) / "imports").rglob("*") if p.is_file())


@given(data=st.data(), name=st.text(max_size=20), suffix=st.sampled_from(SUFFIXES))
@settings(FUZZ, max_examples=25)
def test_any_upload_to_the_wizard_is_checked_or_refused_on_the_page(world, landmarks, real_files, client, settings, data, name, suffix):
    client.force_login(world.colleague)
    if data.draw(st.booleans(), label="real file"):
        kind = data.draw(st.sampled_from(sorted(real_files)))
        content, suffix = real_files[kind], "." + kind
        content = content[: data.draw(st.just(len(content)) | st.integers(0, len(content)), label="cut at")]
    else:
        content = data.draw(st.sampled_from(MAGIC)) + data.draw(st.binary(max_size=500))
    jobs, files = ImportJob.objects.count(), stored_uploads(settings)
    upload = SimpleUploadedFile(name + suffix, content)
    response = client.post("/m/krathum-baen/import/", {"file": upload, "layer": landmarks.pk})
    if response.status_code == 200:
        # Refused on the page, in Thai and English, with nothing kept.
        assert_thai_and_english(response.context["error"])
        assert (ImportJob.objects.count(), stored_uploads(settings)) == (jobs, files)
        return
    assert response.status_code == 302
    options = {
        "action": "check",
        "srid": data.draw(st.sampled_from(["", "4326", "24047", "99999", "abc", "1e3", "-1"]) | st.text(max_size=6)),
        "encoding": data.draw(st.sampled_from(ENCODINGS[1:]) | st.text(max_size=8)),
        "source_layer": data.draw(st.sampled_from(["", "temples", "tracks"]) | st.text(max_size=8)),
        "key": data.draw(st.sampled_from(["", "name_th", "nope"])),
        "map_name_th": data.draw(st.sampled_from(["", "name_th", "ชื่อ", "nope"]) | st.text(max_size=8)),
    }
    checked = client.post(response["Location"], options)
    assert checked.status_code == 200
    if checked.context["error"]:
        assert_thai_and_english(checked.context["error"])
