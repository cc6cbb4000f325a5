from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "corridor.pathways"
    label = "pathways"
    verbose_name = "Pathways"

    def ready(self) -> None:
        # Registers the two-person import of a signed route feed.
        # And the periodic shredding of decided applications' scans.
        from corridor.pathways import feed_import, scan_shredding  # noqa: F401
