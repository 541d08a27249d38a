from django.urls import path

from . import api

urlpatterns = [
    path("widgets/<int:pk>/data/", api.WidgetDataView.as_view(), name="dashboard-widget-data"),
    path("widgets/<int:pk>/data.csv", api.WidgetCsvView.as_view(), name="dashboard-widget-csv"),
    path("widgets/<int:pk>/features/", api.WidgetFeaturesView.as_view(), name="dashboard-widget-features"),
    path("rollup/", api.RollupView.as_view(), name="dashboard-rollup"),
]
