"""The facts of a case for matching, opened through the identity vault (the read is audited).

The household's facts are its principal person's, with the household size and an
urgency that follows the case's risk level; plans are ranked against the case's own risk
target (days to out of the country), the same number the routes panel compares them with.
Sealed facts (ties, exit barriers, where the person will not go, profile, medical needs)
are opened here and nowhere else in pathways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import case_key
from corridor.cases.models import Case, Relation, RiskLevel
from corridor.cases.risk import targets as risk_targets
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.pathways import selectors
from corridor.pathways.facts import REFERRER_CODE, Facts
from corridor.pathways.findings import Leg
from corridor.pathways.matching import Matcher
from corridor.pathways.models import Application
from corridor.pathways.ranking import RankingInputs
from corridor.pathways.results import MatchResult
from corridor.pathways.vocabulary import (
    COUNTRY_CODE,
    ExitBarrier,
    GenderIdentity,
    HeldDocument,
    HuntedBy,
    MedicalNeed,
    Profile,
    ReferralChannel,
    SexMarker,
    Urgency,
    WantedScope,
)
from corridor.people.access import access_person_fields
from corridor.people.models import Person
from corridor.people.register import confiscated_kinds, matching_document_facts
from corridor.vault.datakey import DataKey
from corridor.vault.opening import open_field

E = TypeVar("E", bound=StrEnum)

URGENCY_OF_LEVEL = {
    RiskLevel.CRITICAL: Urgency.EMERGENCY,
    RiskLevel.HIGH: Urgency.URGENT,
    RiskLevel.MEDIUM: Urgency.NORMAL,
    RiskLevel.LOW: Urgency.NORMAL,
}
# Gender identity and the sex marker are opened for the matcher's risks only: no result,
# report or export carries them (the facts object stays in memory).
SEALED_FACTS = (
    "ties",
    "avoid_countries",
    "exit_barriers",
    "profile_tags",
    "medical_needs",
    "medical_detail",
    "referrer",
    "hunted_by",
    "wanted_scope",
    "family_filed_case",
    "previous_refusals",
    "gender_identity",
    "document_sex_marker",
)


@dataclass(frozen=True)
class CaseRoutes:
    """What the route panel shows: the way out of danger first, then every route and plan."""

    nationality: str
    current_country: str
    ways_out: tuple[Leg, ...]  # empty once the person has left their country
    results: tuple[MatchResult, ...]  # best first
    # Each other member's own facts are matched too: {route ids: [(person id, their own
    # result, or None when no such plan exists for them)]} for every open result that is
    # not open for someone.
    left_out: dict[tuple[str, ...], list[tuple[str, MatchResult | None]]] = field(
        default_factory=dict
    )


def access_case_matches(actor: Actor, case: Case) -> tuple[MatchResult, ...]:
    """Every route and plan for the case, best first, ranked with the organisation's own
    outcomes this year (the facts are opened and the read audited)."""
    return access_case_routes(actor, case).results


def access_case_routes(actor: Actor, case: Case) -> CaseRoutes:
    """The case's ways out and its routes and plans, from one audited opening of its facts."""
    facts = access_case_facts(actor, case)
    matcher = Matcher(
        selectors.get_current_catalog(), today=clock.today(), inputs=case_ranking_inputs(case)
    )
    results = matcher.match(facts)
    left_out: dict[tuple[str, ...], list[tuple[str, MatchResult | None]]] = {}
    for person_id, member_facts in access_member_facts(actor, case, principal_facts=facts):
        theirs = {result.route_ids: result for result in matcher.match(member_facts)}
        for result in results:
            mine = theirs.get(result.route_ids)
            if result.is_open and (mine is None or not mine.is_open):
                left_out.setdefault(result.route_ids, []).append((person_id, mine))
    return CaseRoutes(
        nationality=facts.nationality,
        current_country=facts.current_country,
        ways_out=matcher.ways_out(facts),
        results=results,
        left_out=left_out,
    )


def case_ranking_inputs(case: Case) -> RankingInputs:
    """The organisation's ranking inputs with the case's own risk target (days to out of the
    country) at every urgency, so the rank sentence and the panel's "against the target"
    line name one number; a case with no risk level yet keeps the configured targets."""
    inputs = selectors.ranking_inputs()
    if not case.risk_level:
        return inputs
    _, to_country = risk_targets(case.risk_level)
    return replace(inputs, target_days=dict.fromkeys(Urgency, to_country))


def access_case_facts(actor: Actor, case: Case) -> Facts:
    """The facts for matching `case`; raises FactsInvalid if a needed fact is missing."""
    members = case.members.filter(left_at__isnull=True).select_related("person")
    principal = next(
        (m.person for m in members if m.relation == Relation.PRINCIPAL), members[0].person
    )
    return _person_facts(actor, case, principal, household_size=max(1, len(members)))


def access_member_facts(
    actor: Actor, case: Case, *, principal_facts: Facts
) -> list[tuple[str, Facts]]:
    """(person id, facts) for every other active member, each read from their own row (an
    audited read each); where they are and their nationality default to the principal's,
    since a household travels together."""
    members = case.members.filter(left_at__isnull=True).exclude(relation=Relation.PRINCIPAL)
    found = []
    for membership in members.select_related("person").order_by("joined_at", "id"):
        person = membership.person
        found.append(
            (
                str(person.pk),
                _person_facts(
                    actor,
                    case,
                    person,
                    household_size=principal_facts.household_size,
                    fallback=principal_facts,
                ),
            )
        )
    return found


def _person_facts(
    actor: Actor,
    case: Case,
    principal: Person,
    *,
    household_size: int,
    fallback: Facts | None = None,
) -> Facts:
    opened = access_person_fields(
        actor=actor,
        person=principal,
        key=case_key(actor, case),
        fields=SEALED_FACTS,
        case_ref=case.ref,
    )
    nationality = principal.nationality or (fallback.nationality if fallback else "RU")
    here = principal.current_country or (fallback.current_country if fallback else "")
    barriers = {
        ExitBarrier(code)
        for code in opened.get("exit_barriers") or []
        if code in ExitBarrier.__members__.values()
    }
    documents = matching_document_facts(principal)
    if documents["documents_confiscated"]:
        barriers.add(ExitBarrier.DOCUMENTS_CONFISCATED)
    taken = frozenset(HeldDocument(kind) for kind in confiscated_kinds(principal))
    wanted = _known(opened.get("wanted_scope"), WantedScope)
    if wanted:
        barriers.add(ExitBarrier.WANTED)  # listed anywhere is wanted (as facts_from_mapping)
    return Facts(
        nationality=nationality,
        current_country=here or nationality,
        has_internal_passport=bool(documents["has_internal_passport"]),
        has_international_passport=bool(documents["has_international_passport"]),
        international_passport_expiry=documents["international_passport_expiry"],
        can_obtain_international_passport=bool(principal.can_obtain_international_passport),
        passport_obtain_days=principal.passport_obtain_days,
        exit_barriers=frozenset(barriers),
        unhcr_registered=principal.unhcr_registered,
        referral=ReferralChannel(principal.referral or "none"),
        sponsor_available=principal.sponsor_available,
        ties=frozenset(code.upper() for code in opened.get("ties") or []),
        avoid_countries=frozenset(code.upper() for code in opened.get("avoid_countries") or []),
        profile=frozenset(
            Profile(tag)
            for tag in opened.get("profile_tags") or []
            if tag in Profile.__members__.values()
        ),
        urgency=URGENCY_OF_LEVEL.get(RiskLevel(case.risk_level), Urgency.NORMAL)
        if case.risk_level
        else Urgency.NORMAL,
        household_size=household_size,
        medical_needs=bool(opened.get("medical_needs")),
        referrer=_referrer(opened.get("referrer")),
        internal_passport_restore_days=principal.internal_passport_restore_days,
        medical_detail=_known(opened.get("medical_detail"), MedicalNeed),
        hunted_by=_known(opened.get("hunted_by"), HuntedBy),
        wanted_scope=wanted,
        family_filed_case=opened.get("family_filed_case") is True,
        # The register says which passports were taken; without one, the barrier's default.
        confiscated_documents=taken or None,
        previous_refusals=frozenset(
            code.upper()
            for code in opened.get("previous_refusals") or []
            if isinstance(code, str) and COUNTRY_CODE.match(code.upper()) and code.upper() != "EU"
        ),
        gender_identity=_one(opened.get("gender_identity"), GenderIdentity.UNKNOWN),
        document_sex_marker=_one(opened.get("document_sex_marker"), SexMarker.UNKNOWN),
    )


def _referrer(value: object) -> str:
    """A stored referrer code the matcher reads, else none."""
    return value if isinstance(value, str) and REFERRER_CODE.match(value) else "none"


def _one(value: object, default: E) -> E:
    """A stored code in the matcher's vocabulary, else `default`."""
    enum = type(default)
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    return default


def _known(values: object, enum: type[E]) -> frozenset[E]:
    """The stored codes that are still in the matcher's vocabulary (others are left out)."""
    if not isinstance(values, list):
        return frozenset()
    allowed = enum._value2member_map_
    return frozenset(enum(value) for value in values if isinstance(value, str) and value in allowed)


def access_application_references(
    actor: Actor, case: Case, applications: Sequence[Application], *, key: DataKey | None = None
) -> dict[str, str]:
    """The reference numbers of the case's applications by application id (those without
    one absent); one audited read for them all. `key`: the case key the caller already
    holds (an export), so it is not unwrapped twice."""
    sealed = {str(app.pk): app.reference_number for app in applications}
    present = {pk: value for pk, value in sealed.items() if value is not None}
    if not present:
        return {}
    key = key if key is not None else case_key(actor, case)
    opened = {pk: open_field(value, key=key) for pk, value in present.items()}
    record_event(
        actor=actor,
        event=EventType.APPLICATION_REFERENCES_OPENED,
        object_type=ObjectType.CASE,
        object_id=str(case.pk),
        case_id=case.ref,
        detail={"applications": len(opened)},
    )
    return opened
