"""Reading an uploaded photo: check that it is an image, keep when and where it was taken,
and store a normalised copy and a thumbnail.

The stored copy is re-encoded as JPEG with the EXIF orientation applied and the EXIF
block dropped: the time and place are kept as fields, while camera serial numbers and
other metadata that nobody asked for are not kept (and a crafted EXIF block is not
served back to other users).
"""

import datetime
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from .schema import bilingual

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SIDE = 2560
THUMBNAIL_SIDE = 320
# A photo from a phone is at most ~50 megapixels; more is a decompression bomb.
Image.MAX_IMAGE_PIXELS = 80_000_000

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL = 36867


@dataclass
class Photo:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    taken_at: datetime.datetime | None
    lonlat: tuple[float, float] | None


def refuse(th, en):
    raise ValidationError({"file": [bilingual(th, en)]})


def read_photo(upload):
    if upload.size > MAX_UPLOAD_BYTES:
        refuse(
            f"ไฟล์ใหญ่เกิน {MAX_UPLOAD_BYTES // 1024 // 1024} MB",
            f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
        )
    try:
        # Past MAX_IMAGE_PIXELS Pillow only warns; make that a refusal, before decoding.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
        with image:
            if image.format not in ("JPEG", "PNG", "WEBP", "HEIF", "MPO"):
                refuse("รับเฉพาะรูปภาพ JPEG, PNG หรือ WebP", "Only JPEG, PNG or WebP images are accepted.")
            exif = image.getexif()
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError) as error:
        refuse("ไฟล์นี้ไม่ใช่รูปภาพที่อ่านได้", f"This file is not a readable image ({type(error).__name__}).")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    thumbnail = upright.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return Photo(
        image=jpeg(upright, 85),
        thumbnail=jpeg(thumbnail, 75),
        width=upright.width,
        height=upright.height,
        taken_at=exif_time(exif),
        lonlat=exif_lonlat(exif),
    )


def jpeg(image, quality):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def exif_time(exif):
    """DateTimeOriginal has no time zone; cameras in Thailand keep local time."""
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    if not raw:
        return None
    try:
        naive = datetime.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def exif_lonlat(exif):
    """EXIF GPS is degrees/minutes/seconds with N/S and E/W references (WGS84)."""
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat = dms(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = dms(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or (lon, lat) == (0, 0):
        return None
    return lon, lat


def dms(values):
    degrees, minutes, seconds = (float(v) for v in values)
    return degrees + minutes / 60 + seconds / 3600
