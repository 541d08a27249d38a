"""XYZ tiles from an imagery COG (basemaps.geotiff writes it on the XYZ grid in EPSG:3857).

A tile at or below the COG's zoom is one block of the matching overview, which GDAL picks
by itself when asked for 256 x 256 pixels; above it, the block is enlarged. The tile is a
PNG whose alpha is the COG's mask: transparent outside the image.
"""

import io
import math
from functools import cache

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.errors import WindowError
from rasterio.windows import Window, from_bounds

SIZE = 256
# Half the side of the Web Mercator square, in metres.
HALF = math.pi * 6378137


def tile_bounds(z, x, y):
    """(left, bottom, right, top) of tile z/x/y in EPSG:3857; y counts down from the north."""
    side = 2 * HALF / 2**z
    left, top = -HALF + x * side, HALF - y * side
    return left, top - side, left + side, top


def render(path, z, x, y):
    """The tile as PNG bytes, or None when it does not touch the image."""
    with rasterio.open(path) as src:
        tile = from_bounds(*tile_bounds(z, x, y), transform=src.transform)
        try:
            inside = tile.intersection(Window(0, 0, src.width, src.height))
        except WindowError:
            return None
        # Where the part inside the image falls in the tile's 256 x 256 pixels.
        scale = SIZE / tile.width
        col, row = round((inside.col_off - tile.col_off) * scale), round((inside.row_off - tile.row_off) * scale)
        width, height = min(round(inside.width * scale), SIZE - col), min(round(inside.height * scale), SIZE - row)
        if width <= 0 or height <= 0:
            return None
        data = src.read(window=inside, out_shape=(src.count, height, width), resampling=Resampling.bilinear)
        mask = src.dataset_mask(window=inside, out_shape=(height, width))
    rgba = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
    # Grey imagery has one band: the same value in red, green and blue.
    rgba[row:row + height, col:col + width, :3] = np.moveaxis(data if len(data) == 3 else np.repeat(data[:1], 3, axis=0), 0, -1)
    rgba[row:row + height, col:col + width, 3] = mask
    return png(rgba)


def png(rgba):
    out = io.BytesIO()
    # Level 1: a tile is made on every cache miss; smaller levels gain little on photos.
    Image.fromarray(rgba, "RGBA").save(out, format="PNG", compress_level=1)
    return out.getvalue()


@cache
def empty():
    """A transparent tile, for the grid outside the image (an <img> that gets no image
    would count as a failed load in the browser)."""
    return png(np.zeros((SIZE, SIZE, 4), dtype=np.uint8))
