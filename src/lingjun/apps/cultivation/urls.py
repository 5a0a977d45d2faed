from django.urls import URLPattern

app_name = "cultivation"

urlpatterns: list[URLPattern] = []
