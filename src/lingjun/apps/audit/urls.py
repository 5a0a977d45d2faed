from django.urls import path

from lingjun.apps.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.index, name="index"),
    path("audit/export.csv", views.export, name="export"),
]
