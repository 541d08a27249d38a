from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import api
from .qgis_project import QgisProjectView

router = DefaultRouter()
router.register("municipalities", api.MunicipalityViewSet, basename="municipality")
router.register("layers", api.LayerViewSet, basename="layer")
router.register("features", api.FeatureViewSet, basename="feature")
router.register("revisions", api.RevisionViewSet, basename="revision")
router.register("attachments", api.AttachmentViewSet, basename="attachment")
router.register("memberships", api.MembershipViewSet, basename="membership")
router.register("grants", api.GrantViewSet, basename="grant")
router.register("export-jobs", api.ExportJobViewSet, basename="exportjob")

urlpatterns = [
    path("", include(router.urls)),
    path("search/", api.SearchView.as_view(), name="search"),
    path("municipalities/<slug:slug>/qgis-project/", QgisProjectView.as_view(), name="municipality-qgis-project"),
    path("me/", api.MeView.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]
