"""QGIS itself (3.22, Debian's python3-qgis) opens what we serve: the "Open in QGIS"
project over the OGC API, and a GeoPackage export with its style.

QGIS's Python bindings load only in Debian's own python3, so each check runs there as a
subprocess and prints JSON. Skipped where QGIS is not installed.
"""

import json
import math
import subprocess
import urllib.request

import pytest

from layers.exports import export_layer
from tests.conftest import PASSWORD

QGIS_PYTHON = "/usr/bin/python3"
PRELUDE = """
import json, os, sys
sys.path.insert(0, "/usr/share/qgis/python")
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
"""


def qgis_available():
    check = subprocess.run([QGIS_PYTHON, "-c", PRELUDE], capture_output=True, env={"QT_QPA_PLATFORM": "offscreen"})
    return check.returncode == 0


pytestmark = [
    pytest.mark.skipif(not qgis_available(), reason="QGIS (python3-qgis, qgis-providers) is not installed"),
    pytest.mark.django_db(transaction=True),
]


# QGIS 3.22's Python bindings crash on the way out once layers exist; leave at once.
EPILOGUE = """
sys.stdout.flush()
os._exit(0)
"""


def run_qgis(script, **env):
    result = subprocess.run(
        [QGIS_PYTHON, "-c", PRELUDE + script + EPILOGUE],
        capture_output=True,
        timeout=180,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp", "LANG": "C.UTF-8", **env},
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def test_qgis_opens_the_project_over_the_ogc_api(world, live_server, tmp_path):
    url = f"{live_server.url}/api/v1/municipalities/krathum-baen/qgis-project/"
    project = tmp_path / "krathum-baen.qgs"
    project.write_bytes(urllib.request.urlopen(url, timeout=30).read())
    layers = run_qgis(
        f"""
QgsProject.instance().read({str(project)!r})
out = {{}}
for layer in QgsProject.instance().mapLayers().values():
    features = list(layer.getFeatures())
    out[layer.name()] = {{
        "valid": layer.isValid(),
        "provider": layer.providerType(),
        "count": len(features),
        "names": [f["name_th"] for f in features if "name_th" in f.fields().names()],
        "color": layer.renderer().symbol().color().name(),
    }}
print(json.dumps(out))
"""
    )
    assert set(layers) == {"ถนน / Roads"}  # anonymous: the public layer only
    roads = layers["ถนน / Roads"]
    assert roads == {"valid": True, "provider": "OAPIF", "count": 1, "names": ["ถนนกระทุ่มแบน"], "color": "#d35400"}


def test_qgis_with_a_saved_basic_login_opens_a_restricted_layer_only_when_granted(world, live_server, tmp_path):
    def open_welfare_as(user):
        return run_qgis(
            f"""
from qgis.core import QgsAuthMethodConfig
auth = QgsApplication.authManager()
auth.setMasterPassword("master", True)
config = QgsAuthMethodConfig("Basic")
config.setName("city data platform")
config.setConfig("username", {user!r})
config.setConfig("password", {PASSWORD!r})
assert auth.storeAuthenticationConfig(config)[0]
source = f"authcfg='{{config.id()}}' typename='krathum-baen.welfare-cases' url='{live_server.url}/ogc/'"
layer = QgsVectorLayer(source, "welfare", "OAPIF")
names = [f["full_name"] for f in layer.getFeatures()] if layer.isValid() else []
print(json.dumps({{"valid": layer.isValid(), "names": names}}))
""",
            # QGIS keeps saved logins in its own encrypted database: one per run here;
            # the profile (and its network cache) is shared, as on one user's machine.
            QGIS_AUTH_DB_DIR_PATH=str(tmp_path / user) + "/",
            HOME=str(tmp_path),
        )

    assert open_welfare_as("health") == {"valid": True, "names": ["สมศรี ใจดี"]}
    assert open_welfare_as("viewer") == {"valid": False, "names": []}


def web_mercator(lon, lat):
    return lon * 20037508.34 / 180, math.log(math.tan((90 + lat) * math.pi / 360)) * 6378137


def test_qgis_draws_the_vector_tiles_of_visible_layers_only(world, live_server):
    """QGIS fetches our tiles through its own network stack and draws them in red."""
    (xmin, ymin), (xmax, ymax) = web_mercator(100.245, 13.645), web_mercator(100.265, 13.665)

    def red_pixels(layer):
        url = f"{live_server.url}/tiles/{layer.pk}/{{z}}/{{x}}/{{y}}.mvt"
        return run_qgis(
            f"""
from qgis.core import (QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle,
    QgsVectorTileBasicRenderer, QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
layer = QgsVectorTileLayer("type=xyz&zmin=0&zmax=22&url=" + {url!r}, "tiles")
renderer = QgsVectorTileBasicRenderer()
red = QColor("red")
renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyle(red, red, 1, red, 3, red, red, 5))
layer.setRenderer(renderer)
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
settings.setExtent(QgsRectangle({xmin}, {ymin}, {xmax}, {ymax}))
settings.setOutputSize(QSize(128, 128))
settings.setBackgroundColor(QColor("white"))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
colours = [QColor(image.pixel(x, y)) for x in range(128) for y in range(128)]
print(json.dumps(sum(1 for c in colours if c.red() > 200 and c.green() < 80)))
"""
        )

    assert red_pixels(world.roads) > 50  # the public road, drawn across the view
    assert red_pixels(world.drains) == 0  # internal: 404 for an anonymous QGIS


def test_qgis_opens_a_geopackage_export_styled(world, tmp_path):
    path = export_layer(world.roads, "gpkg", 32647, tmp_path)
    layer = run_qgis(
        f"""
layer = QgsVectorLayer({str(path)!r} + "|layername=roads", "roads", "ogr")
feature = next(layer.getFeatures())
print(json.dumps({{"valid": layer.isValid(), "crs": layer.crs().authid(), "name": feature["name_th"],
                  "color": layer.renderer().symbol().color().name(),
                  "width": layer.renderer().symbol().width()}}))
"""
    )
    assert layer == {"valid": True, "crs": "EPSG:32647", "name": "ถนนกระทุ่มแบน", "color": "#d35400", "width": 4.0}
