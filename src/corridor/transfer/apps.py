from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "corridor.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        # Register the periodic job that shreds held uploads, and the two-person export
        # of every case (granted on the approvals page, in another process).
        from corridor.transfer import (
            export,  # noqa: F401
            uploads,  # noqa: F401
        )
