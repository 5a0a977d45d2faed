"""The pages of membership (入库企业管理)."""

from django.urls import path

from lingjun.apps.membership import views

app_name = "membership"

urlpatterns = [
    path("membership/", views.member_list, name="member_list"),
    path("membership/enterprise/<int:pk>/", views.enterprise_memberships, name="enterprise"),
    path("membership/findings/", views.findings, name="findings"),
    path("membership/mine/", views.mine, name="mine"),
]
