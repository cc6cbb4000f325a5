from django.urls import path, re_path

from corridor.partners import views

app_name = "partners"

urlpatterns = [
    path("heads/", views.receive_head, name="witness_receive"),
    re_path(r"^heads/(?P<key_id>[0-9a-f]{64})/$", views.held_head, name="witness_held"),
]
