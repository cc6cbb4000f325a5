from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "corridor.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Registers the gated erasure and self-assignment, and the periodic check-in and key sweeps.
        from corridor.cases import jobs, unwrap_policy  # noqa: F401
        from corridor.cases.services import assignment, erasure  # noqa: F401

        # keyd hands a case's key only to whom this policy names.
        unwrap_policy.register()
