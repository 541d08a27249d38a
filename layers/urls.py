from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import api
from .qgis_project import QgisProjectView

router = DefaultRouter()
router.register("municipalities", api.MunicipalityViewSet, basename="municipality")
router.register("layers", api.LayerViewSet, basename="layer")
router.register("features", api.FeatureViewSet, basename="feature")
router.register("revisions", api.RevisionViewSet, basename="revision")

urlpatterns = [
    path("", include(router.urls)),
    path("municipalities/<slug:slug>/qgis-project/", QgisProjectView.as_view(), name="municipality-qgis-project"),
    path("me/", api.MeView.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
