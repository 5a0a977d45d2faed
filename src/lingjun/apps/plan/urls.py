"""The pages of plan (领军计划实施)."""

from django.urls import path

from lingjun.apps.plan import views

app_name = "plan"

urlpatterns = [
    path("plan/targets/actuals/", views.target_actuals, name="target_actuals"),
    path("plan/monitoring/", views.monitoring, name="monitoring"),
    path("plan/tasks/", views.tasks, name="tasks"),
    path("plan/tasks/report/", views.task_report, name="task_report"),
    path("plan/tasks/reports/<int:report_pk>/attachment/", views.report_attachment, name="report_attachment"),
    path("plan/meeting-pack.pdf", views.meeting_pack_pdf_view, name="meeting_pack_pdf"),
    path("plan/meeting-pack.xlsx", views.meeting_pack_xlsx_view, name="meeting_pack_xlsx"),
]
