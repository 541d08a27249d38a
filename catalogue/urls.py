from django.urls import path

from . import views

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/dcat.jsonld", views.catalogue_dcat, name="catalogue-dcat"),
    path("catalogue/<slug:municipality>/<slug:layer>/", views.dataset, name="dataset"),
    path("catalogue/<slug:municipality>/<slug:layer>/edit/", views.dataset_edit, name="dataset-edit"),
    path("catalogue/<slug:municipality>/<slug:layer>/dcat.jsonld", views.dataset_dcat, name="dataset-dcat"),
    path("catalogue/<slug:municipality>/<slug:layer>/iso19139.xml", views.dataset_iso, name="dataset-iso"),
    # CKAN's action API, at both of CKAN's addresses (ckanapi calls /api/action/).
    path("api/3/action/<str:name>", views.ckan_action, name="ckan-action"),
    path("api/action/<str:name>", views.ckan_action, name="ckan-action-unversioned"),
]
