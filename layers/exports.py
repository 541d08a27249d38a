"""A layer exported to a file that GIS software opens: GeoPackage (styled for QGIS),
zipped Shapefile, GeoJSON, KML, CSV with WKT, DXF.

GDAL's ogr2ogr writes every format; it reads the features from PostGIS with one SQL
statement over the one layer it is given. Which layer a user may export is decided by the
caller, through `Layer.objects.visible_to(user)`, like every other read.
"""

import os
import shutil
import sqlite3
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection

from .crs import INDIAN_1975_UTM47
from .models import Feature
from .qml import layer_qml
from .schema import bilingual

OGR2OGR_TIMEOUT = 30 * 60


@dataclass(frozen=True)
class Format:
    driver: str
    extension: str
    content_type: str
    options: tuple = ()


FORMATS = {
    # No fsync at each of GDAL's commits (10% of a 100,000-road export): the file is scratch
    # until it is whole, and it is kept only once the job copies it to storage.
    "gpkg": Format("GPKG", "gpkg", "application/geopackage+sqlite3",
                   ("-lco", "GEOMETRY_NAME=geom", "--config", "OGR_SQLITE_SYNCHRONOUS", "OFF")),
    # Text fields are declared as wide as their longest value (see declarations).
    "shp": Format("ESRI Shapefile", "zip", "application/zip"),
    "geojson": Format("GeoJSON", "geojson", "application/geo+json"),
    "kml": Format("KML", "kml", "application/vnd.google-earth.kml+xml"),
    # A byte-order mark, or Excel reads the UTF-8 Thai text as gibberish.
    "csv": Format("CSV", "csv", "text/csv; charset=utf-8", ("-lco", "GEOMETRY=AS_WKT", "-lco", "WRITE_BOM=YES")),
    "dxf": Format("DXF", "dxf", "image/vnd.dxf"),
}

# The Indian 1975 target carries its three-parameter shift (layers/crs.py) so that QGIS
# puts the data back in the right place; a Shapefile .prj (ESRI WKT) cannot carry
# TOWGS84, so QGIS will use its own choice of transformation for that format.
TARGET_CRS = {4326: "EPSG:4326", 32647: "EPSG:32647", 32648: "EPSG:32648", 24047: INDIAN_1975_UTM47}
SHAPEFILE_ENCODINGS = {"utf-8": "UTF-8", "cp874": "CP874"}
# The widest .dbf text field, in bytes; GDAL would make a text column 80 wide.
DBF_MAX_WIDTH = 254
# Zipping a Shapefile took longer than ogr2ogr took to write it (bench/exports.py): the
# .shp's coordinates (doubles) shrink by only 30% and were most of that time, so they
# are stored as they are; the .dbf and the rest shrink tenfold at deflate's fastest level.
ZIP_LEVEL = 1

SQL_TYPES = {
    "text": "text",
    "choice": "text",
    "url": "text",
    "integer": "bigint",
    "number": "double precision",
    "date": "date",
    "boolean": "boolean",
}


class ExportFailed(Exception):
    """ogr2ogr could not write the file; the message carries its own words."""


def check_request(fmt, srid, encoding="utf-8"):
    """Raises ValidationError({parameter: [message]}) for what cannot be exported."""
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = [bilingual(f"รูปแบบต้องเป็น {', '.join(FORMATS)}", f"format must be one of {', '.join(FORMATS)}.")]
    if srid not in TARGET_CRS:
        allowed = ", ".join(map(str, TARGET_CRS))
        errors["srid"] = [bilingual(f"srid ต้องเป็น {allowed}", f"srid must be one of {allowed}.")]
    elif fmt == "kml" and srid != 4326:
        errors["srid"] = [bilingual("KML ใช้ได้เฉพาะ WGS84 (4326)", "KML is always WGS84 (4326).")]
    if encoding not in SHAPEFILE_ENCODINGS or (encoding != "utf-8" and fmt != "shp"):
        errors["encoding"] = [
            bilingual("encoding ต้องเป็น utf-8 หรือ cp874 (เฉพาะ Shapefile)", "encoding must be utf-8, or cp874 for a Shapefile.")
        ]
    if errors:
        raise ValidationError(errors)


def file_name(layer, fmt):
    return f"{layer.municipality.slug}-{layer.slug}.{FORMATS[fmt].extension}"


@dataclass(frozen=True)
class Declarations:
    """What ogr2ogr must be told before it writes the first feature."""

    geometry_type: str  # its -nlt
    widths: dict  # Shapefile only: text field name -> .dbf width in bytes


def declarations(layer, fmt, encoding="utf-8"):
    """One pass over the layer's features (a second pass cost a second over 1,000,000 points).

    The geometry type is the layer's kind, or its Multi- kind when any feature is
    multi-part (a Shapefile or GeoPackage layer holds one geometry type). A Shapefile's
    text fields are as wide as their longest value in bytes of the file's encoding, so that
    GDAL need not rewrite the whole .dbf afterwards to shrink 254-byte fields (RESIZE=YES,
    which took longer than writing the file)."""
    texts = [field["name"] for field in layer.schema if SQL_TYPES[field["type"]] == "text"] if fmt == "shp" else []
    # A Thai character is three bytes in UTF-8 and one in CP874 (as is the "?" that GDAL
    # writes for a character CP874 lacks).
    length = "octet_length" if encoding == "utf-8" else "char_length"
    measures = "".join(f", max({length}(properties ->> %s))" for _ in texts)
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT coalesce(bool_or(GeometryType(geom) LIKE 'MULTI%%'), false){measures}
                           FROM "{Feature._meta.db_table}" WHERE layer_id = %s""", [*texts, layer.pk])
        multi, *longest = cursor.fetchone()
    return Declarations(
        geometry_type=("MULTI" if multi else "") + layer.geometry_type.upper(),
        widths={name: min(max(width or 1, 1), DBF_MAX_WIDTH) for name, width in zip(texts, longest)},
    )


def layer_sql(layer, fmt, widths=None):
    """The SELECT that ogr2ogr runs: typed columns from the layer's schema, one layer only,
    text of the given `widths` (see declarations) as varchar of that width, which GDAL reads.
    Values (field names, labels, the layer id) are bound by psycopg, never pasted in."""
    quote = connection.ops.quote_name
    params = []
    widths = widths or {}
    if fmt == "dxf":
        # DXF keeps no attribute table; the features land on a DXF layer named after ours.
        columns = ['%s AS "Layer"']
        params.append(layer.slug)
    else:
        columns = ["f.id AS feature_id"]
        for field in layer.schema:
            sql_type = SQL_TYPES[field["type"]]
            if field["name"] in widths:
                sql_type = f"varchar({widths[field['name']]})"
            columns.append(f"(f.properties ->> %s)::{sql_type} AS {quote(field['name'])}")
            params.append(field["name"])
    if fmt == "kml":
        # The balloon text: every field as "label: value", Thai label first.
        lines = []
        for field in layer.schema:
            lines.append("(%s || ': ' || (f.properties ->> %s))")
            params += [bilingual(field["label_th"], field["label_en"]), field["name"]]
        columns.append(f"concat_ws(E'\\n', {', '.join(lines) or 'NULL'}) AS kml_description")
    sql = f'SELECT {", ".join(columns)}, f.geom FROM "{Feature._meta.db_table}" f WHERE f.layer_id = %s ORDER BY f.id'
    params.append(layer.pk)
    connection.ensure_connection()
    return connection.ops.compose_sql(sql, params)


def libpq_quote(value):
    """A value in libpq's keyword='value' syntax: backslashes and single quotes escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def postgis_source():
    """GDAL's connection string for the project database (the password goes in the
    environment, not on the command line where any local user could read it)."""
    settings = connection.settings_dict
    parts = {"dbname": settings["NAME"], "host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"]}
    quoted = " ".join(f"{key}={libpq_quote(value)}" for key, value in parts.items() if value)
    env = dict(os.environ, PGPASSWORD=settings["PASSWORD"] or "", PGCLIENTENCODING="UTF8")
    return f"PG:{quoted}", env


def export_layer(layer, fmt, srid, directory, *, encoding="utf-8"):
    """Writes the layer into `directory` (which must exist) and returns the file to hand
    out: the GeoPackage, GeoJSON, KML, CSV or DXF itself, or a .zip for a Shapefile."""
    check_request(fmt, srid, encoding)
    spec = FORMATS[fmt]
    directory = Path(directory)
    target = directory / file_name(layer, fmt)
    written = directory / "shapefile" if fmt == "shp" else target
    source, env = postgis_source()
    declared = declarations(layer, fmt, encoding)
    command = [
        "ogr2ogr", "-f", spec.driver, str(written), source,
        "-sql", layer_sql(layer, fmt, declared.widths),
        "-nln", f"{layer.municipality.slug}-{layer.slug}" if fmt == "shp" else layer.slug,
        "-nlt", declared.geometry_type,
        # Stored coordinates are WGS84 longitude/latitude (GDAL's traditional order).
        "-s_srs", "EPSG:4326", "-t_srs", TARGET_CRS[srid],
        *spec.options,
    ]
    if fmt == "shp":
        # ENCODING writes the .cpg that tells every reader how the .dbf text is encoded.
        command += ["-lco", f"ENCODING={SHAPEFILE_ENCODINGS[encoding]}"]
    if fmt == "kml":
        name = next((f["name"] for f in layer.schema if f["name"] == "name_th"), None) or next(
            (f["name"] for f in layer.schema if f["type"] == "text"), "feature_id"
        )
        command += ["-dsco", f"NameField={name}", "-dsco", "DescriptionField=kml_description"]
    result = subprocess.run(command, capture_output=True, env=env, timeout=OGR2OGR_TIMEOUT)
    if result.returncode != 0:
        raise ExportFailed(result.stderr.decode("utf-8", "replace").strip())
    if fmt == "gpkg":
        add_qgis_style(target, layer)
    if fmt == "shp":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
            for path in sorted(written.iterdir()):
                archive.write(path, path.name, compress_type=zipfile.ZIP_STORED if path.suffix == ".shp" else None)
        shutil.rmtree(written)
    return target


def add_qgis_style(geopackage, layer):
    """Stores the layer's style as the default QML style in the GeoPackage's
    `layer_styles` table, the table QGIS reads when it opens a layer."""
    database = sqlite3.connect(geopackage)
    try:
        database.execute("PRAGMA synchronous = OFF")  # scratch until whole, as above
        with database:
            database.execute(
                """CREATE TABLE layer_styles (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
                    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
                    styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
                    update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"""
            )
            database.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('layer_styles', 'attributes', 'layer_styles')"
            )
            database.execute(
                """INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                    styleName, styleQML, styleSLD, useAsDefault, description, owner)
                    VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '')""",
                (layer.slug, layer.slug, layer_qml(layer), bilingual(layer.name_th, layer.name_en)),
            )
    finally:
        database.close()
