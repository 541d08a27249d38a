"""What a file does not say for sure: its text encoding and its coordinate system.

Thai Shapefiles from old desktop GIS often have no .cpg (or one saying "ANSI"), and GDAL
then reads their CP874 text as Latin-1 ("วัด" becomes "ÇÑ´"). Old survey data is often
in Indian 1975 / UTM 47N, where PROJ's default transformation lands ~188 m off
(layers/crs.py). Both are detected, named and shown before anything is stored.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import shapely

from layers.crs import INDIAN_1975_TRANSFORMATION, indian_1975_utm

from .sources import read_vector

UTF8_NAMES = {"UTF-8", "UTF8", "65001"}
CP874_NAMES = {"874", "CP874", "TIS-620", "TIS620", "WINDOWS-874", "ISO-8859-11"}


def shapefile_encoding(dataset):
    """The DBF's text encoding: from the .cpg when it names one, else detected (UTF-8 if
    the bytes are valid UTF-8, else CP874, the Thai Windows code page)."""
    cpg = next((dataset.with_suffix(s) for s in (".cpg", ".CPG") if dataset.with_suffix(s).exists()), None)
    if cpg is not None:
        said = cpg.read_text(errors="replace").strip().upper()
        if said in UTF8_NAMES:
            return "utf-8", False
        if said in CP874_NAMES:
            return "cp874", False
    # Latin-1 maps every byte to one character, so the original bytes can be recovered.
    table = read_vector(dataset, encoding="latin1")
    raw = b"".join(v.encode("latin1") for row in table.rows for v in row.values() if isinstance(v, str))
    if raw.isascii():
        return "utf-8", True
    try:
        raw.decode("utf-8")
        return "utf-8", True
    except UnicodeDecodeError:
        return "cp874", True


@dataclass
class CrsChoice:
    source: str  # what GDAL takes: "EPSG:n" or WKT
    label: str
    transformation: str = ""
    guessed: bool = False
    alternatives: list = field(default_factory=list)


WGS84 = CrsChoice("EPSG:4326", "WGS84 (EPSG:4326)")


def named(code):
    """A CRS the user may choose by its EPSG code; Indian 1975 with the named shift."""
    if code in (24047, 24048):
        zone = code - 24000
        return CrsChoice(indian_1975_utm(zone), f"Indian 1975 / UTM {zone}N (EPSG:{code})", INDIAN_1975_TRANSFORMATION)
    if code == 4326:
        return WGS84
    return CrsChoice(f"EPSG:{code}", f"EPSG:{code}")


def indian_1975_zone(text):
    """47 or 48 if the file's CRS is Indian 1975 / UTM (by code or by its WKT), else None."""
    match = re.search(r"\b2404([78])\b", text)
    if match:
        return 40 + int(match.group(1))
    if re.search(r"Indian[ _]1975", text, re.I):
        zone = re.search(r"zone[ _]?(4[78])", text, re.I)
        meridian = re.search(r'central_meridian"?,\s*(\d+)', text, re.I)
        if zone:
            return int(zone.group(1))
        if meridian:
            return 47 if int(meridian.group(1)) == 99 else 48
    return None


def choose_crs(table, municipality, requested=None):
    if requested:
        return named(int(requested))
    if table.crs:
        zone = indian_1975_zone(table.crs)
        if zone:
            return named(24000 + zone)
        return CrsChoice(table.crs, short_name(table.crs))
    return guess_crs(table, municipality)


def short_name(crs):
    code = re.search(r'AUTHORITY\["EPSG","(\d+)"\]\]\s*$', crs) or re.match(r"EPSG:(\d+)$", crs)
    title = re.match(r'\w+\["([^"]+)"', crs)
    return f"EPSG:{code.group(1)}" if code else (title.group(1) if title else crs[:60])


def guess_crs(table, municipality):
    """No CRS in the file: degrees are WGS84; metres are UTM, zone from the municipality,
    datum unknowable from numbers alone (Indian 1975 is ~200-400 m away) so it is offered."""
    with np.errstate(invalid="ignore"):
        geometries = shapely.from_wkb(np.array(table.geometries, dtype=object), on_invalid="ignore")
        geometries = geometries[~shapely.is_missing(geometries)]
        xmin, ymin, xmax, ymax = shapely.total_bounds(geometries) if len(geometries) else (np.nan,) * 4
    if np.isnan(xmin):  # no geometry at all
        return WGS84
    if -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90:
        return CrsChoice(WGS84.source, WGS84.label, guessed=True)
    zone = 48 if municipality.boundary and municipality.boundary.centroid.x >= 102 else 47
    utm = CrsChoice(f"EPSG:{32600 + zone}", f"WGS84 / UTM {zone}N (EPSG:{32600 + zone})", guessed=True)
    utm.alternatives = [named(24000 + zone)]
    return utm
