"""URLs of the enterprise pool's pages (namespace ``enterprises``).

Convention (relied on by ``tests/apps/enterprises/test_scoping.py``): a URL that addresses one
enterprise lives under ``enterprises/<int:pk>/`` with the enterprise id as the ``pk`` kwarg, so
the scoping test finds and checks it for every role automatically.
"""

from django.urls import path

from lingjun.apps.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path(
        "enterprises/<int:pk>/edit/<slug:section>/",
        views.enterprise_section_edit,
        name="enterprise_section_edit",
    ),
    path("enterprises/<int:pk>/export.jsonl", views.enterprise_export, name="enterprise_export"),
    path("transfer/", views.transfer, name="transfer"),
    path("change-requests/", views.change_requests, name="change_requests"),
    path(
        "change-requests/<int:request_pk>/decision/",
        views.change_request_decision,
        name="change_request_decision",
    ),
    path("transfer/export.<str:fmt>", views.export, name="export"),
    path("transfer/template.xlsx", views.transfer_template, name="transfer_template"),
]
