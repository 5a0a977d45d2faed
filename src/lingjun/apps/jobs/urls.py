"""URLs of the job pages (namespace ``jobs``)."""

from django.urls import path

from lingjun.apps.jobs import views

app_name = "jobs"
urlpatterns = [
    path("jobs/<int:job_pk>/", views.job_detail, name="detail"),
    path("jobs/<int:job_pk>/status/", views.job_status, name="status"),
    path("jobs/<int:job_pk>/cancel/", views.job_cancel_view, name="cancel"),
    path("jobs/<int:job_pk>/download/", views.job_download, name="download"),
]
