from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "corridor.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        # Registers the periodic sweeps (sessions, throttles, spent forms, intake keys).
        from corridor.intake import jobs, unwrap_policy  # noqa: F401

        # keyd hands a request's key only to whom this policy names.
        unwrap_policy.register()
