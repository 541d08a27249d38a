from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from . import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("m/<slug:slug>/", views.municipality_map, name="municipality-map"),
    path("m/<slug:slug>/showcase/", views.showcase, name="showcase"),
    path("m/<slug:slug>/showcase/<int:feature_id>/", views.showcase, name="showcase-item"),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/two-factor/", accounts.two_factor, name="two-factor"),
    # Django's reset: the same answer whether or not an account has that address.
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # One sign-in page for everyone, with the second step: the admin's own has neither.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("importers.urls")),
    path("", include("basemaps.urls")),
    path("admin/", admin.site.urls),
    # Before layers.urls, whose router would otherwise be asked first.
    path("api/v1/dashboards/", include("dashboards.api_urls")),
    path("", include("catalogue.urls")),
    path("api/v1/", include("layers.urls")),
    path("ogc/", include("layers.ogc_urls")),
    path("tiles/", include("layers.tiles_urls")),
    path("dashboards/", include("dashboards.urls")),
    path("m/", include("editor.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The map's interface text in the visitor's language, from our own catalogues.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
