from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "corridor.core"
    label = "core"
    verbose_name = "Corridor core"

    def ready(self) -> None:
        # Registers the sweep that resumes work parked while the keys were sealed, the
        # nightly refresh of SQLite's planner statistics, the worker's heartbeat and the
        # job that queues again the tasks of dead workers.
        from corridor.core import heartbeat, leases, maintenance, parking  # noqa: F401
