from django.urls import path

from . import views

urlpatterns = [
    path("m/<slug:slug>/import/", views.upload, name="import-upload"),
    path("imports/<int:job_id>/", views.confirm, name="import-confirm"),
    path("imports/<int:job_id>/status/", views.status, name="import-status"),
]
