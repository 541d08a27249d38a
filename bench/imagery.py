"""Imagery: the cost of converting a GeoTIFF to our Web Mercator COG, and of a tile from
it, side by side with the alternative of warping on the fly (a COG left in its own CRS,
each tile reprojected when asked, as rio-tiler does). Not a test: ratios of one run.

    python bench/imagery.py [--size 8192] [--tiles 200]
"""

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://unused@/unused")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_portal.settings")
import django  # noqa: E402

django.setup()
from basemaps import geotiff, tiles  # noqa: E402


def orthophoto(path, size):
    """A photo-like 8-bit RGB in UTM 47N over Krathum Baen, 0.1 m pixels (a drone image)."""
    rows, columns = np.mgrid[0:size, 0:size].astype(np.float32)
    rng = np.random.default_rng(1)
    bands = [(127 + 60 * np.sin(columns / (40 + 13 * i)) * np.cos(rows / (55 + 7 * i)) + rng.normal(0, 12, (size, size)))
             for i in range(3)]
    data = np.clip(np.stack(bands), 0, 255).astype(np.uint8)
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 3, "dtype": "uint8", "crs": "EPSG:32647",
               "transform": from_origin(635500, 1510000, 0.1, 0.1), "tiled": True, "photometric": "RGB"}
    with rasterio.open(path, "w", **profile) as out:
        out.write(data)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def tiles_over(path, zoom, count):
    with rasterio.open(path) as src:
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    n = 2**zoom
    xs = range(int((west + 180) / 360 * n), int((east + 180) / 360 * n) + 1)
    ys = range(*(int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n) for lat in (north, south)))
    grid = [(zoom, x, y) for x in xs for y in list(ys) + [ys.stop]]
    random.Random(zoom).shuffle(grid)
    return grid[:count]


def warped_tile(path, z, x, y):
    """The alternative: reproject the tile's part of a COG in its own CRS on every request
    (a warped VRT on the tile's grid, GDAL choosing the overview)."""
    grid = rasterio.transform.from_bounds(*tiles.tile_bounds(z, x, y), 256, 256)
    with rasterio.open(path) as src, WarpedVRT(src, crs="EPSG:3857", transform=grid, width=256, height=256,
                                               resampling=Resampling.bilinear) as vrt:
        data, mask = vrt.read(), vrt.dataset_mask()
    return tiles.png(np.dstack([*data, mask]))


def median_ms(function, path, grid):
    return 1000 * statistics.median(timed(function, path, *tile)[0] for tile in grid)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--tiles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        orthophoto(work / "source.tif", args.size)
        megabytes = (work / "source.tif").stat().st_size / 1e6
        ours_s, converted = timed(geotiff.convert, work / "source.tif", work / "mercator.cog.tif")
        theirs_s, _ = timed(lambda: rasterio.shutil.copy(work / "source.tif", work / "own-crs.cog.tif", driver="COG",
                                                         COMPRESS="JPEG", QUALITY="85"))
        print(f"source {args.size} x {args.size} px, {megabytes:.0f} MB; COG zoom {converted.min_zoom}-{converted.max_zoom}")
        print(f"convert: Web Mercator COG {ours_s:.1f} s ({(work / 'mercator.cog.tif').stat().st_size / 1e6:.0f} MB), "
              f"COG in its own CRS {theirs_s:.1f} s ({(work / 'own-crs.cog.tif').stat().st_size / 1e6:.0f} MB), ratio {ours_s / theirs_s:.2f}")
        for zoom in (converted.max_zoom, converted.max_zoom - 2, converted.max_zoom - 4):
            grid = tiles_over(work / "source.tif", zoom, args.tiles)
            ours = median_ms(tiles.render, work / "mercator.cog.tif", grid)
            theirs = median_ms(warped_tile, work / "own-crs.cog.tif", grid)
            print(f"tile z{zoom} ({len(grid)} tiles): pre-warped {ours:.1f} ms, warped on the fly {theirs:.1f} ms, ratio {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
