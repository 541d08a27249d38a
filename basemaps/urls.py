from django.urls import path

from . import views

urlpatterns = [
    path("m/<slug:slug>/imagery/", views.imagery_list, name="imagery-list"),
    path("basemaps/imagery/<int:pk>/", views.imagery_detail, name="imagery-detail"),
    # The same route as Imagery.tile_url(), the basemap's url_template.
    path("basemaps/imagery/<int:pk>/<int:z>/<int:x>/<int:y>.png", views.imagery_tile, name="imagery-tile"),
]
