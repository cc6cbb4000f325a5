from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "corridor.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Registers the gated account actions and the periodic approval sweep.
        from corridor.accounts import jobs, services  # noqa: F401
