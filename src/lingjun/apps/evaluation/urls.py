"""URLs of the evaluation pages (namespace ``evaluation``).

Pages about one enterprise live under ``enterprises/<int:pk>/`` with the enterprise id as ``pk``
(the convention of ``lingjun/apps/enterprises/urls.py``), so ``tests/apps/enterprises/test_scoping.py`` checks
them for every role automatically.
"""

from django.urls import path

from lingjun.apps.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("evaluation/", views.index, name="index"),
    path("evaluation/runs/<int:run_pk>/", views.run_detail, name="run_detail"),
    path("evaluation/runs/<int:run_pk>/status/", views.run_status, name="run_status"),
    path("evaluation/runs/<int:run_pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("evaluation/runs/<int:run_pk>/counts/", views.run_counts_fragment, name="run_counts"),
    path("evaluation/runs/<int:run_pk>/export.<str:fmt>", views.run_export, name="run_export"),
    path("enterprises/<int:pk>/evaluation/", views.enterprise_runs_view, name="history"),
    path("enterprises/<int:pk>/evaluation/<int:run_pk>/", views.explain, name="explain"),
    path("enterprises/<int:pk>/self-evaluation/", views.self_evaluation_view, name="self"),
]
