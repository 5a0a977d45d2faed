"""The pages of publishing: ``/public/`` for everyone, ``/publishing/`` for the bureau."""

from django.urls import path

from lingjun.apps.publishing import views

app_name = "publishing"

urlpatterns = [
    path("public/", views.public_index, name="public_index"),
    path("public/notices/<int:notice_pk>/", views.public_notice, name="public_notice"),
    path("public/notices/<int:notice_pk>/pdf/", views.public_notice_pdf, name="public_notice_pdf"),
    path("public/notices/<int:notice_pk>/xlsx/", views.public_notice_xlsx, name="public_notice_xlsx"),
    path("publishing/", views.notice_list, name="notice_list"),
    path("publishing/new/", views.notice_create, name="notice_create"),
]
