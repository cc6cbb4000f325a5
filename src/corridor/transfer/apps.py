from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "corridor.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        # Register the periodic job that shreds held uploads, and the two-person export
        # of every case (granted on the approvals page, in another process); erasing a
        # case deletes what its import left (the row key and blind indexes).
        from corridor.cases.services.erasure import register_erasure_step
        from corridor.transfer import (
            export,  # noqa: F401
            uploads,  # noqa: F401
        )
        from corridor.transfer.erasure import erase_imports_of_case

        register_erasure_step(erase_imports_of_case)
