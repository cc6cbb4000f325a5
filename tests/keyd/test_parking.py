"""Work that meets sealed keys waits (awaiting unseal) and resumes once keys are back."""

from __future__ import annotations

import pytest

from corridor.core import parking
from corridor.core.models import ParkedWork
from corridor.core.tasks import periodic_jobs, run_due_jobs
from corridor.vault.errors import KeydUnreachable, VaultSealed

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys():
    """What the fake work finds: sealed until a test says otherwise."""
    state = {"sealed": True, "done": [], "broken": set()}
    return state


@pytest.fixture
def work(keys, monkeypatch):
    monkeypatch.setattr(parking, "_RESUMERS", dict(parking._RESUMERS))

    @parking.parks_until_unseal("tests.open_request")
    def open_request(request_id: str) -> None:
        if keys["sealed"]:
            raise VaultSealed("sealed")
        if request_id in keys["broken"]:
            raise ValueError("a bug")
        keys["done"].append(request_id)

    return open_request


def test_sealed_work_is_parked_once_with_ids_only(work, keys):
    work("R-1")
    work("R-1")
    work("R-2")
    assert list(ParkedWork.objects.values_list("kind", "object_id")) == [
        ("tests.open_request", "R-1"),
        ("tests.open_request", "R-2"),
    ]
    assert parking.count_awaiting_unseal() == 2
    assert keys["done"] == []


def test_the_sweep_resumes_everything_after_unseal(work, keys):
    work("R-1")
    work("R-2")
    parking.resume_parked_work()
    assert parking.count_awaiting_unseal() == 2  # still sealed: nothing lost, nothing done
    keys["sealed"] = False
    parking.resume_parked_work()
    assert keys["done"] == ["R-1", "R-2"]
    assert parking.count_awaiting_unseal() == 0


def test_work_that_fails_for_another_reason_stays_and_is_counted(work, keys):
    work("R-1")
    work("R-2")
    keys.update(sealed=False, broken={"R-1"})
    parking.resume_parked_work()
    assert keys["done"] == ["R-2"]
    parked = ParkedWork.objects.get()
    assert (parked.object_id, parked.attempts) == ("R-1", 1)


def test_unknown_kinds_are_left_for_the_app_that_parked_them(keys):
    parking.park("tests.gone", "R-9")
    parking.resume_parked_work()
    assert ParkedWork.objects.filter(kind="tests.gone").exists()


def test_work_that_runs_unsealed_is_not_parked(work, keys):
    keys["sealed"] = False
    work("R-3")
    assert keys["done"] == ["R-3"]
    assert not ParkedWork.objects.exists()


def test_the_sweep_is_a_periodic_job_and_a_sealed_job_only_waits(monkeypatch, caplog):
    assert "core.resume_parked_work" in {job.name for job in periodic_jobs()}
    from corridor.core import tasks

    def sealed_job() -> None:
        raise KeydUnreachable("keyd is not running")

    monkeypatch.setattr(
        tasks,
        "_PERIODIC",
        {"x": tasks.PeriodicJob(name="x", every=tasks.timedelta(1), run=sealed_job)},
    )
    assert run_due_jobs() == []
    assert "periodic job waits for unseal" in caplog.text
