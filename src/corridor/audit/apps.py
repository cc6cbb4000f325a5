from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "corridor.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # `jobs` registers the periodic tree-head signing.
        from corridor.audit import (
            jobs,  # noqa: F401
            sealed_digests,
        )

        # Every sealed write recorded, every sealed read checked: no rollback.
        sealed_digests.register()
