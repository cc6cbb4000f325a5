from django.apps import AppConfig


class VaultTestsConfig(AppConfig):
    name = "tests.vault.testapp"
    label = "vault_tests"
    verbose_name = "Vault test models"
    default_auto_field = "django.db.models.BigAutoField"
