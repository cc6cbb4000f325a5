from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "corridor.pathways"
    label = "pathways"
    verbose_name = "Pathways"

    def ready(self) -> None:
        # Registers the two-person import of a signed route feed.
        # And the periodic shredding of decided applications' scans.
        # "Documents ready" follows the register and the plan (pathways/documents_ready.py):
        # people and cases sit below pathways, so they call it through their registries.
        from corridor.cases.services.progress import register_readiness_follower
        from corridor.pathways import feed_import, scan_shredding  # noqa: F401
        from corridor.pathways.documents_ready import follow_person, follow_readiness
        from corridor.people.register import watch_register

        register_readiness_follower(follow_readiness)
        watch_register(follow_person)
