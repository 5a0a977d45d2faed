"""The URLs of funds (资金扶持), mounted at the root: every path starts with ``funds/``."""

from django.urls import URLPattern, path

from lingjun.apps.funds import views

app_name = "funds"

urlpatterns: list[URLPattern] = [
    path("funds/enterprise/", views.enterprise_page, name="enterprise"),
    path("funds/enterprise/confirm/", views.confirm, name="confirm"),
    path("funds/enterprise/apply/", views.apply, name="apply"),
    path("funds/review/", views.review_queue, name="review"),
    path("funds/review/proposals/", views.proposals_refresh, name="proposals_refresh"),
    path("funds/budgets/", views.budgets, name="budgets"),
    path("funds/budgets/confirm-amount/", views.confirm_amount, name="confirm_amount"),
    path("funds/finance/", views.finance_queue, name="finance"),
    path("funds/finance/approve/", views.approve, name="approve"),
    path("funds/finance/disburse/", views.disburse, name="disburse"),
    path("funds/finance/reverse/", views.reverse, name="reverse"),
    path("funds/reports/", views.reports, name="reports"),
    path("funds/reports/payments.xlsx", views.payments_xlsx, name="payments_xlsx"),
]
