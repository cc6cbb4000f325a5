from django.urls import path

from corridor.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.start, name="start"),
    path("en/", views.start, name="start_en"),
]
