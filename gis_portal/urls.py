from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    # Before layers.urls, whose router would otherwise be asked first.
    path("api/v1/dashboards/", include("dashboards.api_urls")),
    path("api/v1/", include("layers.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
