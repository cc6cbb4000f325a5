from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "corridor.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Registers the gated account actions and the periodic approval sweep.
        # (keyd's ledger, not this app, decides drafts and evacuation nights.)
        from corridor.accounts import jobs, oncall, services, surges, unwrap_limits  # noqa: F401
        from corridor.accounts.key_failures import record_key_failure_outside_the_web
        from corridor.core.key_failure_reports import set_key_failure_recorder

        # The worker's and the commands' key failures are audited and alerted as a page's.
        set_key_failure_recorder(record_key_failure_outside_the_web)
