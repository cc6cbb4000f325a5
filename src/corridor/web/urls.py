from django.urls import path

from corridor.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("logout/", views.log_out, name="logout"),
]
