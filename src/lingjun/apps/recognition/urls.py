"""The pages of recognition (评价认定)."""

from django.urls import path

from lingjun.apps.recognition import views

app_name = "recognition"

urlpatterns = [
    path("recognition/", views.index, name="index"),
    path("recognition/mine/", views.mine, name="mine"),
    path("recognition/queue/", views.queue_view, name="queue"),
    path("recognition/batches/", views.batches, name="batches"),
    path("recognition/batches/<int:batch_pk>/", views.batch_detail, name="batch"),
    path("recognition/batches/<int:batch_pk>/apply/", views.apply, name="apply"),
    path("recognition/applications/<int:app_pk>/", views.application_detail, name="application"),
    path("recognition/applications/<int:app_pk>/act/", views.application_transition, name="transition"),
    path("recognition/applications/<int:app_pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("recognition/applications/<int:app_pk>/checklist/", views.checklist_save, name="checklist"),
    path("recognition/applications/<int:app_pk>/confirm/", views.provisional_confirm, name="confirm"),
    path("recognition/applications/<int:app_pk>/objections/", views.objection_add, name="objection_add"),
    path("recognition/applications/<int:app_pk>/certificate/", views.certificate, name="certificate"),
    path("recognition/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path(
        "recognition/objections/<int:objection_pk>/resolve/",
        views.objection_resolve,
        name="objection_resolve",
    ),
]
