"""URLs of the OGC API – Features (included under /ogc/). Trailing slashes are optional:
clients build these paths by hand as often as they follow links."""

from django.urls import re_path

from . import ogc

ID = r"(?P<collection_id>[-\w]+\.[-\w]+)"

urlpatterns = [
    re_path(r"^$", ogc.LandingView.as_view(), name="ogc-landing"),
    re_path(r"^api/?$", ogc.ApiView.as_view(), name="ogc-api"),
    re_path(r"^conformance/?$", ogc.ConformanceView.as_view(), name="ogc-conformance"),
    re_path(r"^collections/?$", ogc.CollectionsView.as_view(), name="ogc-collections"),
    re_path(rf"^collections/{ID}/?$", ogc.CollectionView.as_view(), name="ogc-collection"),
    re_path(rf"^collections/{ID}/queryables/?$", ogc.QueryablesView.as_view(), name="ogc-queryables"),
    re_path(rf"^collections/{ID}/items/?$", ogc.ItemsView.as_view(), name="ogc-items"),
    re_path(rf"^collections/{ID}/items/(?P<feature_id>[^/]+)/?$", ogc.ItemView.as_view(), name="ogc-item"),
]
