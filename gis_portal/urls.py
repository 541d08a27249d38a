from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("layers.urls")),
    path("m/", include("editor.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
