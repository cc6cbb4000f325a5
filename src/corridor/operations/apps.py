from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "corridor.operations"
    label = "operations"
    verbose_name = "Operator commands"

    def ready(self) -> None:
        from corridor.operations import digest, free_space  # noqa: F401
