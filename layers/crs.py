"""Coordinate systems the platform names itself.

Indian 1975 / UTM 47N and 48N is the CRS of much old Thai survey data. PROJ's default
transformation to WGS84 for EPSG:24047/24048 (EPSG:1812) lands about 188 m off in
Thailand; the survey set of three shift parameters lands on the Royal Irrigation
Department's control points (0.0 m). So these are UTM on the Everest 1830 (1937
adjustment) ellipsoid with exactly that shift written in (TOWGS84): GDAL and PROJ then
use it, and a file that carries the WKT takes the shift along.
"""

INDIAN_1975_TOWGS84 = (204.4798, 837.8940, 294.7765)
INDIAN_1975_TRANSFORMATION = (
    "Indian 1975 → WGS84, three-parameter shift dX=204.4798 dY=837.8940 dZ=294.7765 m "
    "(survey set; PROJ's default EPSG:1812 is about 188 m off in Thailand)"
)


def indian_1975_utm(zone):
    dx, dy, dz = INDIAN_1975_TOWGS84
    return (
        f'PROJCS["Indian 1975 / UTM zone {zone}N",GEOGCS["Indian 1975",DATUM["Indian_1975",'
        'SPHEROID["Everest 1830 (1937 Adjustment)",6377276.345,300.8017],'
        f"TOWGS84[{dx},{dy},{dz},0,0,0,0]],"
        'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        f'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",{zone * 6 - 183}],PARAMETER["scale_factor",0.9996],'
        'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],'
        'AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    )


INDIAN_1975_UTM47 = indian_1975_utm(47)
INDIAN_1975_UTM48 = indian_1975_utm(48)
