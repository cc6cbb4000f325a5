from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "corridor.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        # Registers the periodic job that shreds held uploads.
        from corridor.transfer import uploads  # noqa: F401

        # Registers the two-person export of every case (granted on the approvals page).
        from corridor.transfer import export  # noqa: F401
