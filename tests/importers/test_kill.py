"""An import killed half-way, while it writes, leaves the layer exactly as it was: the
features and the history, nothing half-imported."""

import json
import subprocess

import pytest

from layers.models import Feature, Layer, Revision
from tests.kill import gone, kill, start_manage, wait_until, writers
from tests.layers.test_export_jobs import manage_env

pytestmark = pytest.mark.django_db(transaction=True)
# Enough that PostGIS takes seconds to write them with their history: the kill lands inside.
FEATURES = 40_000


def state(layer):
    return (
        list(Feature.objects.filter(layer=layer).order_by("pk").values_list("pk", "version", "properties")),
        list(Revision.objects.filter(layer=layer).order_by("pk").values_list("pk", "action", "feature_id")),
        Feature.objects.count(), Revision.objects.count(),
    )


def many_temples(folder):
    """A GeoPackage written by GDAL with enough temples that writing them takes a while."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.24 + (i % 300) / 10_000, 13.64 + (i // 300) / 10_000]},
         "properties": {"name_th": f"วัด {i}", "kind": "temple"}}
        for i in range(FEATURES)
    ]
    source = folder / "temples.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    subprocess.run(["ogr2ogr", "-f", "GPKG", folder / "temples.gpkg", source], check=True, capture_output=True)
    return folder / "temples.gpkg"


def test_an_import_killed_while_writing_leaves_the_layer_as_it_was(world, tmp_path, settings):
    landmarks = Layer.from_template(world.kb, "landmarks")
    landmarks.save()
    Feature.create_in(landmarks, world.case.geom, {"name_th": "วัดเดิม", "kind": "temple"}, world.owner)
    before = state(landmarks)
    importing = start_manage(manage_env(settings), "import_layer", many_temples(tmp_path), "--municipality", "krathum-baen",
                             "--layer", "landmarks", "--user", "colleague")
    wait_until(lambda: writers("layers_feature"), importing)
    backends = writers("layers_feature")
    kill(importing)  # while the features and their history are being written
    wait_until(lambda: gone(backends))
    assert state(landmarks) == before
