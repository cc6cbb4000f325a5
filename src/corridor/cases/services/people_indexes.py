"""`corridor cases reindex-people`: the blind indexes of the names and phones of people
written before those were indexed (people.services.index_identity indexes every write
since), so the search box finds every person on a case.

A migration cannot unwrap a case's key; this runs as the worker's Unix user (keyd names
`system:worker` to that user only) under its own task, which may have a case's key and
nothing else (vault/keyd/worker_tasks.PEOPLE_REINDEX). Each person's names and contacts
are read through the access function (audited as a read, by the operator who ran it),
and the index written is audited too, with its count; no value is printed or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import CaseMember
from corridor.core.actors import WORKER, Actor
from corridor.people.access import access_person_fields
from corridor.people.services import INDEXED_FIELDS, index_identity
from corridor.vault.errors import KeyDestroyed, KeyNotFound
from corridor.vault.keyd.worker_tasks import PEOPLE_REINDEX
from corridor.vault.keys import data_key
from corridor.vault.ledger import working_on


@dataclass
class Reindexed:
    people: int = 0
    values: int = 0
    # People whose key is gone (an erased case being shredded): nothing to index.
    skipped: int = 0


def reindex_people(*, actor: Actor) -> Reindexed:
    """Index every live person on a live case once (their latest case); `actor` is the
    operator running the command, named in the audit log."""
    done = Reindexed()
    members = (
        CaseMember.objects.filter(person__erased_at__isnull=True, case__erased_at__isnull=True)
        .select_related("case", "person")
        .order_by("person_id", "-joined_at")
    )
    seen: set[object] = set()
    with working_on(PEOPLE_REINDEX):
        for member in members:
            person, case = member.person, member.case
            if person.pk in seen:
                continue
            seen.add(person.pk)
            if person.key_id is None:
                done.skipped += 1
                continue
            try:
                key = data_key(person.key_id, for_actor=WORKER.actor_id, case_id=str(case.pk))
            except (KeyDestroyed, KeyNotFound):
                done.skipped += 1
                continue
            with transaction.atomic():
                values = access_person_fields(
                    actor=actor, person=person, key=key, fields=INDEXED_FIELDS, case_ref=case.ref
                )
                found = {name: values.get(name) for name in INDEXED_FIELDS}
                written = index_identity(person, found)
                record_event(
                    actor=actor,
                    event=EventType.PERSON_INDEXED,
                    object_type=ObjectType.PERSON,
                    object_id=str(person.pk),
                    case_id=case.ref,
                    detail={"values": written},
                )
            done.people += 1
            done.values += written
    return done
