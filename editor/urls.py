from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/edit/", views.edit, name="editor"),
]
