"""URLs of the job pages (namespace ``jobs``)."""

from django.urls import path

from lingjun.apps.jobs import views

app_name = "jobs"
urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="status"),
    path("jobs/<int:pk>/cancel/", views.job_cancel_view, name="cancel"),
    path("jobs/<int:pk>/download/", views.job_download, name="download"),
]
