from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "corridor.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the two gated exports (publishing, the internal export).
        from corridor.reports import services  # noqa: F401
