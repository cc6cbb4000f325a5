from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "corridor.partners"
    label = "partners"
    verbose_name = "Organisations directory"

    def ready(self) -> None:
        # The two-person key change, and the witnesses `corridor audit witness` and
        # `audit verify --witnesses` reach through the audit app's registry.
        from corridor.partners import (
            services,  # noqa: F401
            witnessing,  # noqa: F401
        )
