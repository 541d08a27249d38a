"""Uploaded imagery (an orthophoto, a drone image): checked, then converted to a
Cloud-Optimized GeoTIFF in Web Mercator, all by rasterio's own GDAL.

The COG is written on the GoogleMapsCompatible tiling scheme: reprojected to EPSG:3857
and aligned to the XYZ tile grid, with one overview per zoom level, so that serving a
tile is reading one 256 x 256 block (basemaps.tiles) instead of warping on every request.

Every problem becomes an ImageryRefused with a Thai and English message, raised before
anything is stored.
"""

import math
from dataclasses import dataclass

import rasterio
import rasterio.shutil
from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Polygon
from rasterio._err import CPLE_BaseError
from rasterio.enums import ColorInterp
from rasterio.errors import RasterioError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from layers.models import NEAR_METRES, Municipality
from layers.schema import bilingual

# An orthophoto of one municipality spans a few kilometres; a side longer than this is a
# wrong CRS or wrong units (degrees read as metres), not a picture of a town.
MAX_SIDE_KM = 100
MERCATOR = "EPSG:3857"
COG_OPTIONS = {
    "TILING_SCHEME": "GoogleMapsCompatible",  # reproject to EPSG:3857, blocks on the XYZ grid
    "RESAMPLING": "bilinear",
    "OVERVIEW_RESAMPLING": "average",
    # Photos compress well as JPEG; transparency is kept beside it as a 1-bit mask
    # (the COG driver turns an alpha band into one), since JPEG has no alpha.
    "COMPRESS": "JPEG",
    "QUALITY": "85",
    "BIGTIFF": "IF_SAFER",
}


class ImageryRefused(Exception):
    """A file that cannot become a basemap, with a message in Thai and English."""

    def __init__(self, th, en):
        super().__init__(bilingual(th, en))


def max_bytes():
    return settings.IMAGERY_MAX_BYTES


def check_size(size):
    if size > max_bytes():
        limit = max_bytes() // 1024 // 1024
        raise ImageryRefused(f"ไฟล์ใหญ่เกิน {limit} MB", f"The file is larger than {limit} MB.")


@dataclass
class Found:
    """What a GeoTIFF says about itself."""

    width: int
    height: int
    bands: int
    crs: str
    resolution_m: float
    footprint: Polygon  # WGS84 (lon, lat), the image's bounding box


def inspect(path, municipality):
    """Checks that the file is an 8-bit GeoTIFF with georeferencing, readable to its end,
    over (or next to) the municipality. Reads only the header and the last blocks."""
    check_size(path.stat().st_size)
    try:
        with rasterio.open(path) as src:
            return inspect_open(src, municipality)
    except RasterioError:
        raise ImageryRefused(
            "ไฟล์นี้ไม่ใช่ภาพ GeoTIFF หรือไฟล์เสีย", "This is not a GeoTIFF image, or the file is damaged."
        ) from None


def inspect_open(src, municipality):
    if src.driver != "GTiff":
        raise ImageryRefused("รับเฉพาะไฟล์ GeoTIFF (.tif)", "Only GeoTIFF files (.tif) are accepted.")
    # A TIFF without georeferencing opens with an identity transform and no CRS.
    if src.crs is None or src.transform.is_identity:
        raise ImageryRefused(
            "ภาพไม่มีพิกัดอ้างอิง (ไม่ใช่ GeoTIFF ที่ระบุตำแหน่ง) ส่งออกจากโปรแกรมใหม่พร้อมระบบพิกัด",
            "The image has no georeferencing; export it again with its coordinate system.",
        )
    if set(src.dtypes) != {"uint8"} or not (src.count in (1, 3) or (src.count == 4 and src.colorinterp[3] == ColorInterp.alpha)):
        raise ImageryRefused(
            "รับเฉพาะภาพ 8 บิต แบบขาวดำ RGB หรือ RGBA", "Only 8-bit grey, RGB or RGBA images are accepted."
        )
    check_readable_to_the_end(src)
    west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
    if not (-85 < south < north < 85 and -180 <= west < east <= 180):
        raise ImageryRefused("พิกัดของภาพผิดปกติ", "The image's coordinates are not on the Earth.")
    # Mercator metres shrink by cos(latitude) to ground metres.
    left, bottom, right, top = transform_bounds(src.crs, MERCATOR, *src.bounds, densify_pts=21)
    shrink = math.cos(math.radians((south + north) / 2))
    width_m, height_m = (right - left) * shrink, (top - bottom) * shrink
    if max(width_m, height_m) > MAX_SIDE_KM * 1000:
        raise ImageryRefused(
            f"ภาพกว้าง {max(width_m, height_m) / 1000:,.0f} กม. ใหญ่เกินภาพของเทศบาล ตรวจระบบพิกัดของไฟล์",
            f"The image is {max(width_m, height_m) / 1000:,.0f} km across, far larger than a municipality: check its coordinate system.",
        )
    footprint = Polygon.from_bbox((west, south, east, north))
    footprint.srid = 4326
    check_near(footprint, municipality)
    return Found(
        width=src.width, height=src.height, bands=src.count, crs=src.crs.to_string(),
        resolution_m=round(width_m / src.width, 3), footprint=footprint,
    )


def check_readable_to_the_end(src):
    """A truncated TIFF opens (its header is whole) but its last strips or tiles are gone:
    reading the last row of blocks finds that without reading the whole image."""
    block_height = src.block_shapes[0][0]
    last = Window(0, max(src.height - block_height, 0), src.width, min(block_height, src.height))
    try:
        src.read(window=last)
    except RasterioError:
        raise ImageryRefused(
            "ไฟล์ภาพไม่ครบ (อัปโหลดไม่สมบูรณ์หรือไฟล์เสีย)", "The image file is incomplete (a cut-off upload or a damaged file)."
        ) from None


def check_near(footprint, municipality):
    if municipality.boundary is None:
        return
    # Metres on the spheroid (geography), not degrees.
    away = Municipality.objects.filter(pk=municipality.pk).annotate(d=Distance("boundary", footprint)).get().d.m
    if away > NEAR_METRES:
        raise ImageryRefused(
            f"ภาพอยู่นอกเขต{municipality.name_th} ห่างออกไป {away / 1000:,.1f} กม. ตรวจระบบพิกัดของไฟล์",
            f"The image lies {away / 1000:,.1f} km outside {municipality.name_en}: check its coordinate system.",
        )


@dataclass
class Converted:
    max_zoom: int  # the zoom of the full resolution
    min_zoom: int  # the zoom of the smallest overview


def convert(source_path, cog_path):
    """Writes the Web Mercator COG. A nodata value becomes transparency (an alpha band,
    then a mask): JPEG would smear an exact nodata colour."""
    try:
        with rasterio.open(source_path) as src:
            if src.nodata is not None:
                with WarpedVRT(src, add_alpha=True) as with_alpha:
                    rasterio.shutil.copy(with_alpha, cog_path, driver="COG", **COG_OPTIONS)
            else:
                rasterio.shutil.copy(src, cog_path, driver="COG", **COG_OPTIONS)
    # GDAL's read errors during a copy come as its own error classes, not RasterioError.
    except (RasterioError, CPLE_BaseError):
        raise ImageryRefused(
            "แปลงภาพไม่สำเร็จ ไฟล์เสียหรือไม่ครบ ไม่มีแผนที่ฐานใดถูกเพิ่ม",
            "The conversion failed: the file is damaged or incomplete. No basemap was added.",
        ) from None
    with rasterio.open(cog_path) as cog:
        max_zoom = zoom_of(cog.res[0])
        return Converted(max_zoom=max_zoom, min_zoom=max_zoom - len(cog.overviews(1)))


def zoom_of(resolution):
    """The XYZ zoom whose 256-pixel tiles have this many Mercator metres a pixel."""
    return round(math.log2(2 * math.pi * 6378137 / 256 / resolution))
