"""Who did it, in words: a case's timeline and an incident's steps name staff by
their username and Corridor's own processes in the reader's language, never by their
audit ids (`system:cli:root`, `system:worker`); the raw id stays in the audit log."""

from __future__ import annotations

import pytest
from django.utils import translation

from corridor.accounts.roles import Role
from corridor.web.staff_names import actor_words
from tests.factories import staff_with


def test_corridors_own_processes_read_as_words_in_english_and_russian():
    actors = ["system:cli:root", "system:cli:deploy", "system:worker", "requester", "system:x"]
    with translation.override("en"):
        english = actor_words(actors)
    with translation.override("ru"):
        russian = actor_words(actors)
    assert english["system:cli:root"] == "system (command line)"
    assert english["system:cli:deploy"] == "system (command line)"
    assert english["system:worker"] == "system (background tasks)"
    assert english["requester"] == "the person, through the portal"
    assert english["system:x"] == "system"
    assert russian["system:cli:root"] == "система (командная строка)"
    assert russian["system:worker"] == "система (фоновые задачи)"
    assert russian["requester"] == "сам человек, через портал"
    for words in (*english.values(), *russian.values()):
        assert ":" not in words


@pytest.mark.django_db
def test_staff_read_as_their_username_and_a_gone_account_as_words():
    anna = staff_with(Role.CASEWORKER)
    with translation.override("ru"):
        words = actor_words([anna.actor_id, "staff:999999", ""])
    assert words[anna.actor_id] == anna.username
    assert words["staff:999999"] == "бывший сотрудник"
    assert "" not in words
