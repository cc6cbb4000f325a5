from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "corridor.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Registers the gated account actions and the periodic approval sweep.
        # (keyd's ledger, not this app, decides drafts and evacuation nights.)
        from corridor.accounts import jobs, services, unwrap_limits  # noqa: F401
