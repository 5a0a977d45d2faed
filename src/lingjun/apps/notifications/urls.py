from django.urls import path

from lingjun.apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.index, name="index"),
    path("notifications/<int:notification_pk>/open", views.open_one, name="open"),
    path("notifications/read", views.mark_read, name="mark_read"),
]
