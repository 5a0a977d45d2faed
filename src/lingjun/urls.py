from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # set_language: the 中文/English switch in the page footer
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("lingjun.apps.web.urls")),
    path("", include("lingjun.apps.enterprises.urls")),
    path("", include("lingjun.apps.evaluation.urls")),
    path("", include("lingjun.apps.jobs.urls")),
    path("", include("lingjun.apps.audit.urls")),
    path("", include("lingjun.apps.notifications.urls")),
    path("", include("lingjun.apps.membership.urls")),
    path("", include("lingjun.apps.publishing.urls")),
    path("", include("lingjun.apps.recognition.urls")),
    path("", include("lingjun.apps.funds.urls")),
    path("", include("lingjun.apps.cultivation.urls")),
    path("", include("lingjun.apps.plan.urls")),
]
