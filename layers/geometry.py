"""What a stored geometry must be, checked over whole arrays of shapely geometries.

One set of rules for every way in: a feature saved through the API is an array of one,
an imported file is an array of all its rows, checked at once by GEOS in C rather than
row by row through Python (which dominated bulk imports).
"""

import numpy as np
import shapely

from .schema import bilingual

MAX_VERTICES = 200_000

# shapely's type ids, and which of them each layer geometry type takes: multi-part
# geometries are accepted in a layer of the single kind.
TYPE_NAMES = ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
              "GeometryCollection"]
ACCEPTED = {"Point": (0, 4), "LineString": (1, 5), "Polygon": (3, 6)}


def shape_of(geom):
    """A Django (GEOS) geometry as a shapely one; None stays None."""
    if geom is None:
        return None
    # NaN coordinates read without numpy's warning: the checks below refuse them.
    with np.errstate(invalid="ignore"):
        return shapely.from_wkb(bytes(geom.wkb))


def geometry_errors(geometry_type, geometry_label, geoms):
    """For each geometry (None for a missing one), None if it may be stored in a layer of
    `geometry_type`, else the bilingual reason. Geometries are WGS84 lon/lat."""
    with np.errstate(invalid="ignore"):  # NaN coordinates are refused, not warned about
        return _errors(geometry_type, geometry_label, np.asarray(geoms, dtype=object))


def _errors(geometry_type, geometry_label, geoms):
    errors = np.full(len(geoms), None, dtype=object)

    def refuse(mask, message):
        """The first rule a geometry breaks gives its reason: `message` is a text, or
        for reasons that name the geometry's own figures, a function of its index."""
        for i in np.flatnonzero(mask & (errors == None)):  # noqa: E711 (element-wise)
            errors[i] = message(i) if callable(message) else message

    missing = shapely.is_missing(geoms)
    refuse(missing | shapely.is_empty(geoms), bilingual("ต้องมีรูปร่าง (geometry)", "A geometry is required."))
    types = shapely.get_type_id(geoms)
    refuse(~np.isin(types, ACCEPTED[geometry_type]), lambda i: bilingual(
        f"ชั้นข้อมูลนี้รับเฉพาะ {geometry_label} ไม่ใช่ {TYPE_NAMES[types[i]]}",
        f"This layer takes {geometry_type} geometries, not {TYPE_NAMES[types[i]]}.",
    ))
    vertices = shapely.get_num_coordinates(geoms)
    refuse(vertices > MAX_VERTICES, lambda i: bilingual(
        f"มีจุดยอดมากเกินไป ({vertices[i]:,} จุด สูงสุด {MAX_VERTICES:,})",
        f"Too many vertices ({vertices[i]:,}; at most {MAX_VERTICES:,}).",
    ))
    # NaN or infinite coordinates leave bounds that are not finite (a NaN between finite
    # vertices is caught by the validity check below).
    bounds = shapely.bounds(geoms)
    refuse(~np.isfinite(bounds).all(axis=1), bilingual("พิกัดต้องเป็นตัวเลข", "Coordinates must be finite numbers."))
    xmin, ymin, xmax, ymax = bounds.T
    refuse((xmin < -180) | (xmax > 180) | (ymin < -90) | (ymax > 90), bilingual(
        "พิกัดต้องเป็นลองจิจูด/ละติจูด WGS84 (องศา)", "Coordinates must be WGS84 longitude/latitude in degrees.",
    ))
    pending = errors == None  # noqa: E711
    valid = np.ones(len(geoms), dtype=bool)
    valid[pending] = shapely.is_valid(geoms[pending])
    reasons = {i: shapely.is_valid_reason(geoms[i]) for i in np.flatnonzero(~valid)}
    refuse(~valid, lambda i: bilingual(f"รูปร่างไม่ถูกต้อง: {reasons[i]}", f"The geometry is not valid: {reasons[i]}."))
    if geometry_type == "LineString":
        pending = errors == None  # noqa: E711
        length = np.ones(len(geoms))
        length[pending] = shapely.length(geoms[pending])
        refuse(length == 0, bilingual("เส้นต้องมีความยาวมากกว่าศูนย์", "A line must have a length greater than zero."))
    return list(errors)
