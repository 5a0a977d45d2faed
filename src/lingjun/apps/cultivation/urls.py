"""The pages of cultivation (培育服务), mounted at the root under ``cultivation/``."""

from django.urls import path

from lingjun.apps.cultivation import views

app_name = "cultivation"

urlpatterns = [
    path("cultivation/", views.home, name="home"),
    path("cultivation/refresh/", views.refresh, name="refresh"),
    path("cultivation/candidates/", views.candidates, name="candidates"),
    path("cultivation/candidates/export/", views.candidates_export, name="candidates_export"),
    path("cultivation/enterprises/<int:pk>/", views.enterprise, name="enterprise"),
    path("cultivation/enterprises/<int:pk>/plans/", views.plan_create, name="plan_create"),
    path("cultivation/enterprises/<int:pk>/visits/", views.visit_create, name="visit_create"),
    path("cultivation/plans/<int:plan_pk>/", views.plan_detail, name="plan_detail"),
    path("cultivation/requests/", views.requests_queue, name="requests"),
    path("cultivation/requests/escalate/", views.escalate, name="escalate"),
    path("cultivation/requests/<int:service_request_pk>/", views.request_detail, name="request_detail"),
    path("cultivation/my-requests/", views.my_requests, name="my_requests"),
    path("cultivation/my-requests/<int:service_request_pk>/", views.my_request, name="my_request"),
]
