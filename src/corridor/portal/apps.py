from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "corridor.portal"
    label = "portal"
    verbose_name = "Requester portal"
