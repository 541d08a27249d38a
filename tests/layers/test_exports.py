"""Exports: each format written by ogr2ogr and read back with ogrinfo, Thai text intact.

ogr2ogr reads PostGIS over its own connection, so these tests commit their data
(transaction=True) instead of keeping it inside the test's transaction.
"""

import math
import sqlite3
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from django.contrib.gis.geos import LineString, MultiLineString
from django.core.management import CommandError, call_command
from django.urls import reverse

from layers.exports import export_layer
from layers.models import Feature
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)
ROAD_NAME = "ถนนกระทุ่มแบน"


def ogrinfo(path, *args):
    result = subprocess.run(["ogrinfo", "-ro", "-al", str(path), *args], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_format_keeps_the_thai_text(world, tmp_path):
    for fmt in ("gpkg", "shp", "geojson", "kml", "csv"):
        path = export_layer(world.roads, fmt, 4326, tmp_path)
        source = f"/vsizip/{path}" if fmt == "shp" else path
        text = ogrinfo(source)
        assert ROAD_NAME.encode() in text, fmt
        assert b"Feature Count: 1" in text, fmt
    dxf = ogrinfo(export_layer(world.roads, "dxf", 32647, tmp_path))
    assert b"Layer (String) = roads" in dxf and b"LINESTRING" in dxf  # DXF holds geometry, no attributes


def test_geopackage_opens_styled_in_qgis(world, tmp_path):
    path = export_layer(world.roads, "gpkg", 32647, tmp_path)
    assert path.name == "krathum-baen-roads.gpkg"
    with sqlite3.connect(path) as database:
        (table, column, qml, default), = database.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles"
        ).fetchall()
        assert ("layer_styles",) in database.execute("SELECT table_name FROM gpkg_contents").fetchall()
    assert (table, column, default) == ("roads", "geom", 1)
    line = ElementTree.fromstring(qml.split("\n", 1)[1]).find(".//layer[@class='SimpleLine']")
    props = {prop.get("k"): prop.get("v") for prop in line.iter("prop")}
    assert props["line_color"] == "211,84,0,255" and props["line_width"] == "4"  # the roads template, #d35400
    assert b"WGS 84 / UTM zone 47N" in ogrinfo(path, "-so")


def test_shapefile_is_a_zip_with_a_code_page(world, tmp_path):
    utf8 = zipfile.ZipFile(export_layer(world.roads, "shp", 32647, tmp_path))
    assert sorted(name.rsplit(".", 1)[1] for name in utf8.namelist()) == ["cpg", "dbf", "prj", "shp", "shx"]
    assert utf8.read("krathum-baen-roads.cpg").strip() == b"UTF-8"
    assert ROAD_NAME.encode("utf-8") in utf8.read("krathum-baen-roads.dbf")
    (tmp_path / "874").mkdir()
    thai = export_layer(world.roads, "shp", 32647, tmp_path / "874", encoding="cp874")
    assert ROAD_NAME.encode("cp874") in zipfile.ZipFile(thai).read("krathum-baen-roads.dbf")
    assert ROAD_NAME.encode() in ogrinfo(f"/vsizip/{thai}")  # GDAL reads the .cpg back to the same text


def dbf_fields(dbf):
    """(name, width in bytes) of each field in a .dbf header (32-byte descriptors after 32 bytes)."""
    header_size = int.from_bytes(dbf[8:10], "little")
    descriptors = dbf[32:header_size - 1]
    return {d[:11].rstrip(b"\0").decode(): d[16] for d in (descriptors[i:i + 32] for i in range(0, len(descriptors), 32))}


def test_shapefile_text_fields_are_as_wide_as_their_longest_value(world, tmp_path):
    # 80 Thai characters: 240 bytes in UTF-8, wider than the 80 GDAL gives text by default.
    long_name = "ถนนสายหลัก" * 8
    Feature.create_in(world.roads, world.road.geom, {"name_th": long_name, "surface": "asphalt"}, world.owner)
    utf8 = zipfile.ZipFile(export_layer(world.roads, "shp", 32647, tmp_path))
    assert utf8.getinfo("krathum-baen-roads.shp").compress_type == zipfile.ZIP_STORED
    assert long_name.encode() in ogrinfo(f"/vsizip/{utf8.filename}")  # whole, not cut at 80 bytes
    widths = dbf_fields(utf8.read("krathum-baen-roads.dbf"))
    assert (widths["name_th"], widths["surface"], widths["condition"]) == (240, len("asphalt"), len("good"))
    (tmp_path / "874").mkdir()
    thai = zipfile.ZipFile(export_layer(world.roads, "shp", 32647, tmp_path / "874", encoding="cp874"))
    assert dbf_fields(thai.read("krathum-baen-roads.dbf"))["name_th"] == 80
    assert long_name.encode() in ogrinfo(f"/vsizip/{thai.filename}")


def test_a_layer_with_a_multi_part_feature_is_exported_as_multi_part(world, tmp_path):
    assert b"Geometry: Line String" in ogrinfo(export_layer(world.roads, "gpkg", 32647, tmp_path), "-so")
    two_parts = MultiLineString(LineString((100.25, 13.65), (100.26, 13.66)), LineString((100.27, 13.65), (100.28, 13.66)), srid=4326)
    Feature.create_in(world.roads, two_parts, {"name_th": "ถนนสองช่วง"}, world.owner)
    (tmp_path / "multi").mkdir()
    assert b"Geometry: Multi Line String" in ogrinfo(export_layer(world.roads, "gpkg", 32647, tmp_path / "multi"), "-so")


def first_vertex_of_csv(path):
    header, row = path.read_text(encoding="utf-8-sig").splitlines()[:2]
    easting, northing = row.split("(")[1].split(",")[0].split()
    return float(easting), float(northing)


def test_indian_1975_uses_the_survey_transformation(world, tmp_path):
    easting, northing = first_vertex_of_csv(export_layer(world.roads, "csv", 24047, tmp_path))
    # 100.25E 13.65N with +towgs84=204.4798,837.8940,294.7765, by
    # `cs2cs +proj=longlat +datum=WGS84 +to +proj=utm +zone=47 +a=6377276.345 +rf=300.8017 +towgs84=...`
    assert math.dist((easting, northing), (635532.601, 1509063.833)) < 0.01
    # PROJ's default for EPSG:24047 (`cs2cs EPSG:4326 EPSG:24047`) would land ~188 m away.
    assert 180 < math.dist((easting, northing), (635714.506, 1509014.062)) < 195
    # The GeoPackage carries the shift in its CRS, so QGIS puts the data back in place.
    with sqlite3.connect(export_layer(world.roads, "gpkg", 24047, tmp_path)) as database:
        (definition,) = database.execute("SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id > 4326").fetchone()
    assert definition.startswith('PROJCS["Indian 1975 / UTM zone 47N"') and "TOWGS84[204.4798,837.894,294.7765" in definition


def test_download_goes_through_the_permission_path(world):
    url = reverse("layer-export", args=[world.welfare.pk])
    response = client_for(world.health).get(url, {"format": "gpkg", "srid": 32647})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="krathum-baen-welfare-cases.gpkg"'
    assert b"".join(response.streaming_content).startswith(b"SQLite format 3")
    assert client_for(world.viewer).get(url, {"format": "gpkg"}).status_code == 404
    roads = reverse("layer-export", args=[world.roads.pk])
    for params in ({"format": "xls"}, {"format": "kml", "srid": 32647}, {"srid": 3857}, {"format": "csv", "encoding": "cp874"}):
        response = client_for().get(roads, params)
        assert response.status_code == 400, params
        assert " / " in str(response.json())


def test_export_layer_command(world, tmp_path):
    output = tmp_path / "roads.geojson"
    call_command("export_layer", municipality="krathum-baen", layer="roads", format="geojson", srid=4326, output=output)
    assert ROAD_NAME in output.read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="No layer"):
        call_command("export_layer", municipality="krathum-baen", layer="nothing", format="gpkg", output=output)
    with pytest.raises(CommandError, match="WGS84"):
        call_command("export_layer", municipality="krathum-baen", layer="roads", format="kml", srid=32647, output=output)
