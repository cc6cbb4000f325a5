from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "corridor.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Registers the gated account actions and the periodic approval sweep.
        from corridor.accounts import jobs, services, unwrap_limits  # noqa: F401

        # keyd: a person's own drafts, and who is listed in an open evacuation night.
        unwrap_limits.register()
