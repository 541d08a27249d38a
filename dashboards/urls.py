from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard_list, name="dashboard-list"),
    path("rollup/", views.rollup_page, name="dashboard-rollup-page"),
    path("<slug:municipality>/new/", views.dashboard_create, name="dashboard-create"),
    path("<slug:municipality>/<slug:slug>/", views.dashboard_view, name="dashboard-view"),
    path("<slug:municipality>/<slug:slug>/build/", views.dashboard_build, name="dashboard-build"),
    path("<slug:municipality>/<slug:slug>/widgets/<int:pk>/delete/", views.widget_delete, name="dashboard-widget-delete"),
]
