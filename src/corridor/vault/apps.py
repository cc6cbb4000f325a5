from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "corridor.vault"
    label = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        # Registers the periodic purge with the worker.
        from corridor.vault import jobs  # noqa: F401
