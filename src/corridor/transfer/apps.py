from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "corridor.transfer"
    label = "transfer"
    verbose_name = "Import and export"
