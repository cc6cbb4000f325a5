"""Tasks used by the task tests (importable by module path, as django-tasks needs)."""

import time

from django.db import transaction
from django.db.models import F

from corridor.core.models import Tally
from corridor.core.retries import RetryPolicy
from corridor.core.tasks import corridor_task

SEEN: list[str] = []


@corridor_task
def remember(item_id: str) -> None:
    SEEN.append(item_id)


@corridor_task
def fail_loudly(item_id: str) -> None:
    raise ValueError(f"the record for {item_id} held the name Ivan Petrov")


@corridor_task
def commit_once_then_hang(item_id: str) -> None:
    """Commits its effect (a tally for `item_id` counted to 1) unless an earlier run did,
    under a row lock as every task must; the run that committed it then hangs until killed."""
    with transaction.atomic():
        effect, created = Tally.objects.select_for_update().get_or_create(
            name="sample.effect", period="once", dimensions=f"item={item_id}"
        )
        if created:
            Tally.objects.filter(pk=effect.pk).update(count=F("count") + 1)
    if created:
        time.sleep(600)


@corridor_task(retry=RetryPolicy(attempts=1))
def fail_at_once(item_id: str) -> None:
    raise ValueError(f"no second try for {item_id}")


@corridor_task
def count_run(item_id: str) -> None:
    """Inserts a tally row for `item_id` once (its effect: the unique constraint keeps it
    one) and counts this run on it, so a test sees a task that ran twice."""
    with transaction.atomic():
        run, _ = Tally.objects.get_or_create(
            name="sample.run", period="once", dimensions=f"item={item_id}"
        )
        Tally.objects.filter(pk=run.pk).update(count=F("count") + 1)


@corridor_task(retry=RetryPolicy(attempts=20))
def commit_once(item_id: str) -> None:
    """Commits its effect (a tally for `item_id` counted to 1) unless an earlier run did,
    under a row lock as every task must."""
    with transaction.atomic():
        effect, created = Tally.objects.select_for_update().get_or_create(
            name="sample.effect", period="once", dimensions=f"item={item_id}"
        )
        if created:
            Tally.objects.filter(pk=effect.pk).update(count=F("count") + 1)
