"""URLs of the vector tiles (included under /tiles/)."""

from django.urls import path

from . import tiles

urlpatterns = [
    path("<int:layer_id>/<int:z>/<int:x>/<int:y>.mvt", tiles.TileView.as_view(), name="tile"),
    path("<int:layer_id>.json", tiles.TileJSONView.as_view(), name="tilejson"),
]
