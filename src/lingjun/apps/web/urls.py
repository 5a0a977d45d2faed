"""URLs of the shell: home, login, logout. Each app has its own ``urls.py``."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from lingjun.apps.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ChineseLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
]
