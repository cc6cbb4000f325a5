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

        # Erasing a case erases the requests accepted into it, in the same transaction.
        from corridor.cases.services.erasure import register_erasure_step
        from corridor.intake.services.erasure import erase_requests_of_case

        register_erasure_step(erase_requests_of_case)

        # A person's names and phones get the requests' blind indexes, so the search box
        # finds every person on a case (people.services.index_identity).
        from corridor.intake.screening.indexes import person_index_values
        from corridor.people.services import register_identity_indexer

        register_identity_indexer(person_index_values)
