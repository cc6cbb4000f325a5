from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "corridor.people"
    label = "people"
    verbose_name = "People"
