"""Tasks used by the task tests (importable by module path, as django-tasks needs)."""

from corridor.core.tasks import corridor_task

SEEN: list[str] = []


@corridor_task
def remember(item_id: str) -> None:
    SEEN.append(item_id)


@corridor_task
def fail_loudly(item_id: str) -> None:
    raise ValueError(f"the record for {item_id} held the name Ivan Petrov")
