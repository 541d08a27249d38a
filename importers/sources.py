"""Opening what people bring: a zip (Shapefile, KMZ), a GeoPackage, GeoJSON, KML, GPX,
DXF, CSV or XLSX. Vector formats are read by GDAL through pyogrio; sheets by the csv
module and openpyxl. No format parser of our own.

Every problem becomes an ImportFailed with a Thai and English message, raised before
anything is stored.
"""

import csv
import io
import math
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.conf import settings
from pyogrio.errors import DataLayerError, DataSourceError

from layers.schema import bilingual

VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx", ".dxf"}
SHEET_SUFFIXES = {".csv", ".xlsx"}
# A zip may hold at most this many times its own size: more is a zip bomb.
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 10_000


class ImportFailed(Exception):
    """A file that cannot be imported, with a message for the user in Thai and English."""

    def __init__(self, th, en):
        super().__init__(bilingual(th, en))


@dataclass
class Table:
    """What was read: field names, rows (dicts), WKB geometries, and what the file says
    about its CRS and encoding (None when it says nothing)."""

    name: str
    fields: list
    rows: list
    geometries: list
    crs: str | None
    encoding: str | None = None
    notes: list = field(default_factory=list)  # bilingual texts for the user
    layers: list = field(default_factory=list)  # (name, feature count) of every layer in the file
    types: dict = field(default_factory=dict)  # field name -> numpy dtype name, where the format types its fields


def max_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", 500 * 1024 * 1024)


def unpack(path, workdir):
    """The file itself, or for a zip (a zipped Shapefile, a KMZ) the folder it was safely
    unpacked into: no path may leave the folder, and no zip may unpack to a bomb."""
    path = Path(path)
    if path.stat().st_size > max_bytes():
        raise ImportFailed(
            f"ไฟล์ใหญ่เกิน {max_bytes() // 1024 // 1024} MB", f"The file is larger than {max_bytes() // 1024 // 1024} MB."
        )
    if not zipfile.is_zipfile(path) or path.suffix.lower() in (".xlsx", ".gpkg"):
        return path
    target = Path(workdir) / "unzipped"
    target.mkdir()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if len(members) > MAX_ZIP_MEMBERS or total > max_bytes() or total > MAX_ZIP_RATIO * max(path.stat().st_size, 1):
                raise ImportFailed("ไฟล์ zip ขยายออกมาใหญ่ผิดปกติ (zip bomb)", "The zip unpacks to far too much data (a zip bomb).")
            for member in members:
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise ImportFailed(
                        f"ไฟล์ zip มีชื่อไฟล์ที่ออกนอกโฟลเดอร์: {member.filename}",
                        f"The zip holds a path that leaves its folder: {member.filename}",
                    )
                if member.is_dir():
                    continue
                destination = target / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(destination, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ImportFailed("ไฟล์ zip เสียหรือไม่ครบ", f"The zip is damaged or cut short ({error}).") from None
    if path.suffix.lower() == ".kmz":
        kml = next(target.rglob("*.kml"), None)
        if kml is None:
            raise ImportFailed("ไฟล์ KMZ ไม่มี KML อยู่ข้างใน", "The KMZ holds no KML file.")
        return kml
    return target


def find_dataset(path):
    """The one readable file in what was unpacked."""
    path = Path(path)
    if path.is_file():
        return path
    candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in VECTOR_SUFFIXES | SHEET_SUFFIXES)
    if not candidates:
        raise ImportFailed("ไม่พบไฟล์แผนที่ใน zip (.shp, .gpkg, .geojson, .kml, .csv, ...)", "No map file found in the zip (.shp, .gpkg, .geojson, .kml, .csv, ...).")
    if len({p.with_suffix("") for p in candidates}) > 1:
        names = ", ".join(p.name for p in candidates)
        raise ImportFailed(f"zip มีหลายชุดข้อมูล: {names} กรุณาแยกนำเข้าทีละชุด", f"The zip holds several datasets: {names}. Import them one at a time.")
    dataset = candidates[0]
    if dataset.suffix.lower() == ".shp":
        missing = [suffix for suffix in (".shx", ".dbf") if not any(dataset.with_suffix(s).exists() for s in (suffix, suffix.upper()))]
        if missing:
            raise ImportFailed(
                f"Shapefile ขาดไฟล์ {', '.join(missing)} กรุณา zip ไฟล์ทั้งชุด (.shp .shx .dbf .prj .cpg)",
                f"The Shapefile lacks its {', '.join(missing)}: zip the whole set (.shp .shx .dbf .prj .cpg).",
            )
    return dataset


def layers_of(dataset):
    """The layers a file holds (a GeoPackage or GPX may hold several), with feature counts."""
    if dataset.suffix.lower() in SHEET_SUFFIXES:
        return [(dataset.stem, None)]
    try:
        # Counted, not taken from the header: GPX (and some other drivers) say -1, unknown,
        # which would make an empty layer look like one with features.
        return [(name, pyogrio.read_info(dataset, layer=name, force_feature_count=True)["features"])
                for name, _ in pyogrio.list_layers(dataset)]
    except (DataSourceError, DataLayerError) as error:
        raise unreadable(error) from None


def unreadable(error):
    return ImportFailed("อ่านไฟล์นี้ไม่ได้ (ไฟล์เสียหรือไม่ใช่รูปแบบที่รองรับ)", f"This file cannot be read: it is damaged or not a supported format ({error}).")


def known_encoding(name):
    """An encoding the user named (the command line takes any name), if it is one that
    decodes text; refused before GDAL or the csv module meet it."""
    try:
        "a".encode(name)  # LookupError also for codecs that are not text (base64, rot13)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        raise ImportFailed(f"ไม่รู้จักรหัสอักขระ {name!r}", f"Unknown text encoding {name!r}.") from None
    return name


def wrong_encoding(encoding, error):
    return ImportFailed(f"ถอดรหัสด้วย {encoding} ไม่ได้", f"The file is not {encoding} ({error}).")


def read_vector(dataset, layer=None, encoding=None):
    try:
        meta, _, geometries, values = pyogrio.raw.read(dataset, layer=layer, encoding=encoding and known_encoding(encoding))
    except (DataSourceError, DataLayerError) as error:
        raise unreadable(error) from None
    except UnicodeDecodeError as error:
        raise wrong_encoding(encoding, error) from None
    fields = list(meta["fields"])
    rows = [dict(zip(fields, (plain(column[i]) for column in values))) for i in range(len(geometries))]
    return Table(
        name=layer or dataset.stem, fields=fields, rows=rows, geometries=list(geometries),
        crs=meta.get("crs"), encoding=meta.get("encoding"), types=dict(zip(fields, map(str, meta["dtypes"]))),
    )


def plain(value):
    """numpy scalars and dates as plain Python values."""
    if hasattr(value, "item"):
        value = value.item()
    if value != value:  # NaN: an empty number
        return None
    return value


# Coordinate columns people actually name them by (lower case, Thai included).
LON_NAMES = ("lon", "long", "lng", "longitude", "x", "ลองจิจูด")
LAT_NAMES = ("lat", "latitude", "y", "ละติจูด")
EAST_NAMES = ("easting", "east", "e", "utm_e", "x_utm")
NORTH_NAMES = ("northing", "north", "n", "utm_n", "y_utm")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")


def read_sheet(dataset, encoding=None):
    """A CSV or XLSX with coordinate columns (lon/lat, easting/northing) or a WKT column."""
    if dataset.suffix.lower() == ".csv":
        text, encoding = decode_text(dataset.read_bytes(), encoding)
        reader = csv.reader(io.StringIO(text))
        header, *records = [row for row in reader if any(cell.strip() for cell in row)] or [[]]
        notes = []
    else:
        header, records, notes = read_xlsx(dataset)
        encoding = "utf-8"
    header = [str(name).strip() for name in header]
    rows = [dict(zip(header, (cell if cell != "" else None for cell in record))) for record in records]
    geometries, crs = sheet_geometries(header, rows)
    return Table(name=dataset.stem, fields=header, rows=rows, geometries=geometries, crs=crs, encoding=encoding, notes=notes)


def read_xlsx(dataset):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Not data_only: a formula is shown as the formula, never evaluated or trusted.
        book = load_workbook(dataset, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise unreadable(error) from None
    sheet = book.worksheets[0]
    rows, notes = [], []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = []
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                notes.append(bilingual(f"แถว {number}: ไม่ใช้สูตร {value[:40]}", f"Row {number}: formula {value[:40]} not used"))
                value = None
            cells.append(value)
        if any(cell is not None for cell in cells):
            rows.append(cells)
    book.close()
    if not rows:
        raise ImportFailed("ตารางว่างเปล่า", "The sheet is empty.")
    return rows[0], rows[1:], notes


def decode_text(raw, encoding=None):
    """UTF-8 (with or without BOM) or CP874/TIS-620, the two encodings of Thai files; a
    file that mixes them is refused rather than half garbled."""
    if encoding:
        try:
            return raw.decode(known_encoding(encoding)), encoding
        except UnicodeDecodeError as error:
            raise wrong_encoding(encoding, error) from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = raw.splitlines()
    utf8_thai = [n for n, line in enumerate(lines, 1) if not line.isascii() and is_utf8(line)]
    if utf8_thai:
        first_bad = next(n for n, line in enumerate(lines, 1) if not is_utf8(line))
        raise ImportFailed(
            f"ไฟล์ปนกันหลายรหัสอักขระ (UTF-8 ที่แถว {utf8_thai[0]} แต่ไม่ใช่ที่แถว {first_bad}) กรุณาบันทึกใหม่เป็น UTF-8",
            f"The file mixes encodings (UTF-8 on line {utf8_thai[0]}, not on line {first_bad}); save it again as UTF-8.",
        )
    try:
        return raw.decode("cp874"), "cp874"
    except UnicodeDecodeError:
        raise ImportFailed("ไม่รู้จักรหัสอักขระของไฟล์ (ไม่ใช่ UTF-8 หรือ TIS-620)", "Unknown text encoding (neither UTF-8 nor TIS-620/CP874).") from None


def is_utf8(line):
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def sheet_geometries(header, rows):
    """Points from coordinate columns, or shapes from a WKT column. The CRS is not known
    from a sheet: degrees are WGS84; metres are guessed later and confirmed."""
    lowered = {name.lower(): name for name in header}

    def column(names):
        return next((lowered[name] for name in names if name in lowered), None)

    wkt = column(WKT_NAMES)
    pairs = [(column(LON_NAMES), column(LAT_NAMES)), (column(EAST_NAMES), column(NORTH_NAMES))]
    x_name, y_name = next(((x, y) for x, y in pairs if x and y), (None, None))
    if not wkt and not x_name:
        raise ImportFailed(
            "ไม่พบคอลัมน์พิกัด (lon/lat, easting/northing) หรือคอลัมน์ WKT",
            "No coordinate columns (lon/lat or easting/northing) or WKT column found.",
        )
    if wkt:
        texts = [row.pop(wkt, None) for row in rows]
        with np.errstate(invalid="ignore"):
            shapes = shapely.from_wkt([text if isinstance(text, str) else None for text in texts], on_invalid="ignore")
    else:
        # All points are made at once by GEOS; a cell that is no number, or a row shorter
        # than the header (a ragged CSV), leaves its row without one.
        xy = np.array([(number(row.pop(x_name, None)), number(row.pop(y_name, None))) for row in rows], dtype=float).reshape(-1, 2)
        shapes = shapely.points(xy)
        shapes[np.isnan(xy).any(axis=1)] = None
    for name in (wkt, x_name, y_name):
        if name in header:
            header.remove(name)
    return list(shapely.to_wkb(shapes)), None


def number(value):
    """A coordinate as people type it ("13.6523", " 100,257.2 "), or NaN if it is none."""
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return math.nan
