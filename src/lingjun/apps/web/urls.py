"""URLs of the web pages.

Convention (relied on by ``tests/apps/web/test_scoping.py``): a URL that addresses one
enterprise lives under ``enterprises/<int:pk>/`` with the enterprise id as the ``pk`` kwarg, so
the scoping test finds and checks it for every role automatically.
"""

from django.contrib.auth.views import LogoutView
from django.urls import path

from lingjun.apps.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ChineseLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
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
    path("transfer/export.<str:fmt>", views.export, name="export"),
    path("transfer/template.xlsx", views.transfer_template, name="transfer_template"),
]
