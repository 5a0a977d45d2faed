from django.urls import path

from lingjun.apps.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
