"""One generic evaluator: a route at a position, or a leg into a transit country, for a person.

Pure. The checks every route shares (status, nationality and profile limits,
location, passports, exit barriers, countries the person avoids, referral,
sponsor) read the route's declared fields; then the route's own declared rules
run. A failed check closes the route with the reason in plain words, or names
the steps that would satisfy it (a passport, a UNHCR registration and referral).

Evaluation has two halves so that a caseload stays fast: `*_signature` reads the
facts and returns every outcome that decides the answer (cheap, no allocation
beyond a tuple); `assess_*` turns a signature into findings and steps (costly,
and memoised on the signature by the matcher). Equal signatures give equal
answers by construction, because `assess_*` reads nothing else about the person.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from typing import cast

from corridor.pathways.facts import Facts
from corridor.pathways.findings import (
    PASSPORT_HELD,
    Assessment,
    Collector,
    Effect,
    Leg,
    Step,
    passport_steps,
    restore_step,
)
from corridor.pathways.rules import ExitState, Here, InCountry, RouteSpec, TransitSpec
from corridor.pathways.vocabulary import (
    EU,
    REACH_GROUPS,
    SCHENGEN,
    Document,
    ExitBarrier,
    GenderIdentity,
    HeldDocument,
    HuntedBy,
    MedicalNeed,
    Position,
    Profile,
    ReferralChannel,
    RiskGroup,
    Status,
    WantedScope,
)
from corridor.pathways.words import Country, Phrase, PhraseCode, phrase

# Barriers at the exit border check: being wanted or prosecuted makes it dangerous (legal
# advice first); a served draft summons bans leaving outright (see Collector.leaving).
BORDER_RISKS = frozenset({ExitBarrier.WANTED, ExitBarrier.CRIMINAL_CASE, ExitBarrier.DRAFT_SUMMONS})
# Dangers at a border or in a transit country that hit these people in particular.
_CRITICS = frozenset(
    {Profile.POLITICAL_OPPOSITION, Profile.JOURNALIST, Profile.HUMAN_RIGHTS_DEFENDER}
)


def risk_groups(facts: Facts) -> frozenset[RiskGroup]:
    """The groups of the catalog's risks this person belongs to, from their facts."""
    # A woman fleeing her family: the profile, or relatives hunting her or filing a case.
    fleeing_family = Profile.GENDER_BASED_PERSECUTION in facts.profile or (
        HuntedBy.FAMILY in facts.hunted_by and facts.gender_identity is GenderIdentity.WOMAN
    )
    hunted = facts.hunted_by
    return _groups(
        facts.exit_barriers,
        facts.profile,
        (bool(facts.wanted_scope), fleeing_family, facts.documents_mismatch),
        (
            bool(hunted & {HuntedBy.FAMILY, HuntedBy.COMMUNITY}),
            bool(hunted & {HuntedBy.REGIONAL_POLICE, HuntedBy.FEDERAL_SERVICES}),
        ),
    )


@cache
def _groups(
    barriers: frozenset[ExitBarrier],
    profile: frozenset[Profile],
    flags: tuple[bool, bool, bool],
    hunters: tuple[bool, bool] = (False, False),
) -> frozenset[RiskGroup]:
    groups = {RiskGroup.ANYONE}
    wanted, fleeing_family, mismatch = flags
    by_family, by_services = hunters
    if by_family:
        groups.add(RiskGroup.HUNTED_BY_FAMILY)
    if by_services:
        groups.add(RiskGroup.HUNTED_BY_SECURITY_SERVICES)
    if wanted or barriers & {ExitBarrier.WANTED, ExitBarrier.CRIMINAL_CASE}:
        groups.add(RiskGroup.WANTED_PERSONS)
    if fleeing_family:
        groups.add(RiskGroup.WOMEN_FLEEING_FAMILY)
    if mismatch:
        groups.add(RiskGroup.TRANS_PEOPLE)
    if ExitBarrier.DRAFT_SUMMONS in barriers:
        groups.add(RiskGroup.MEN_OF_DRAFT_AGE)
    if Profile.LGBT in profile:
        groups.add(RiskGroup.LGBT_PEOPLE)
    if profile & _CRITICS:
        groups.add(RiskGroup.CRITICS)
    return frozenset(groups)


_REFERRAL_UNAVAILABLE = "unavailable"


# ---------------------------------------------------------------- where the person is


def starting_point(facts: Facts, *, today: date, in_country: TransitSpec | None) -> Here:
    """The person where they are now, with what they hold today.

    Confiscated documents count as not held; an expired passport as not held; an
    unknown expiry as valid (the facts' convention).
    """
    barriers = facts.exit_barriers
    taken = facts.taken_documents
    confiscated = HeldDocument.INTERNAL_PASSPORT in taken
    international_taken = HeldDocument.INTERNATIONAL_PASSPORT in taken
    expiry = facts.international_passport_expiry
    holds_international = (
        facts.has_international_passport
        and not international_taken
        and (expiry is None or expiry >= today)
    )
    holds_internal = facts.has_internal_passport and not confiscated
    # Relatives or police took the internal passport: it can be restored inside Russia only,
    # and an international passport cannot be issued without it.
    at_home = facts.current_country == facts.nationality
    restore = (
        ("restore", facts.internal_passport_restore_days)
        if confiscated and facts.has_internal_passport and at_home
        else None
    )
    return Here(
        facts,
        facts.current_country,
        holds_international_passport=holds_international,
        holds_internal_passport=holds_internal,
        passport=_passport_state(facts, holds_international, international_taken, restore),
        exit=(
            ExitBarrier.EXIT_BAN in barriers,
            _border_risks(facts),
            _care(facts),
            _border_dangers(facts),
        ),
        in_country=_in_country_state(in_country, facts),
        unhcr_registration=in_country.unhcr_registration if in_country else None,
        restore_internal=restore,
    )


def moved(here: Here, transit: TransitSpec, *, obtained_passport: bool) -> Here:
    """The same person after a leg into `transit` (holding a passport if the leg got one)."""
    if not obtained_passport:
        holds, passport = here.holds_international_passport, here.passport
    else:
        holds, passport = True, PASSPORT_HELD
    return Here(
        here.facts,
        transit.country,
        holds_international_passport=holds,
        holds_internal_passport=here.holds_internal_passport,
        passport=passport,
        exit=here.exit,
        # The leg carries the transit country's own risks; the route need not repeat them.
        in_country=None,
        unhcr_registration=transit.unhcr_registration,
    )


def _border_risks(facts: Facts) -> frozenset[ExitBarrier]:
    """The barriers that make the exit check dangerous; a wanted listing anywhere counts as
    wanted even when `exit_barriers` does not say so."""
    risky = facts.exit_barriers & BORDER_RISKS
    if facts.wanted_scope:
        risky |= {ExitBarrier.WANTED}
    return risky


def _border_dangers(facts: Facts) -> frozenset[str]:
    """Other dangers at any border: a case relatives filed (theft, missing person), papers
    whose sex marker border guards see does not match, an Interpol notice."""
    dangers = set()
    if facts.family_filed_case:
        dangers.add("family_case")
    if facts.documents_mismatch:
        dangers.add("sex_marker")
    if WantedScope.INTERPOL in facts.wanted_scope:
        dangers.add("interpol")
    return frozenset(dangers)


def _care(facts: Facts) -> frozenset[MedicalNeed] | None:
    """The medical needs that come first (None: none)."""
    if not facts.medical_needs and not facts.medical_detail:
        return None
    return facts.medical_detail


def _passport_state(
    facts: Facts, holds: bool, confiscated: bool, restore: tuple[object, ...] | None
) -> tuple[object, ...]:
    if holds:
        return PASSPORT_HELD
    if not facts.can_obtain_international_passport:
        return (False, False)
    renew = facts.has_international_passport and not confiscated
    if restore is not None:  # the internal passport comes back first
        return (False, True, renew, facts.passport_obtain_days, restore)
    return (False, True, renew, facts.passport_obtain_days)


def _in_country_state(transit: TransitSpec | None, facts: Facts) -> InCountry | None:
    if transit is None or transit.country == facts.nationality:
        return None
    probe = Here(
        facts,
        transit.country,
        holds_international_passport=False,
        holds_internal_passport=False,
        passport=(),
        exit=(False, frozenset(), None, frozenset()),
        in_country=None,
    )
    return (transit, tuple(rule.test(probe, Position.THIRD_COUNTRY) for rule in transit.rules))


# ---------------------------------------------------------------- routes


def route_signature(route: RouteSpec, here: Here, position: Position) -> tuple[object, ...]:
    """Every outcome that decides `route` for this person at `position`.

    Called for every route of every case, so it reads each fact once and builds
    nothing but the tuple. A route that its status, nationality or profile limits
    close, or that cannot be used from where the person stands, is closed for those
    reasons alone: nothing else about the person can open it from here (a plan
    looks at it again from a transit country).
    """
    facts = here.facts
    gates = (
        position,
        route.status in _STOPPED,
        not route.nationality_limits or facts.nationality in route.nationality_limits,
        not route.profile_limits or not facts.profile.isdisjoint(route.profile_limits),
    )
    if gates[1] or not gates[2] or not gates[3] or position not in route.location:
        return gates
    starts_inside = position is Position.NATIONALITY
    journey = starts_inside and facts.nationality not in route.internal_passport_entry
    referral = route.referral
    if referral.designated:
        # Only a designated referrer opens it; a UNHCR referral keeps counting as UNHCR's.
        referred = facts.referrer in referral.designated or (
            facts.referral is ReferralChannel.UNHCR and "unhcr" in referral.designated
        )
    else:
        referred = not referral.channels or facts.referral in referral.channels
    if referred:
        referral_state: object = None
    elif not referral.can_request:
        referral_state = _REFERRAL_UNAVAILABLE
    else:
        referral_state = facts.unhcr_registered
    rules = route.rules
    return (
        *gates,
        here.passport if (journey or route.needs_international_passport) else None,
        here.exit if starts_inside else None,
        position is not Position.DESTINATION and route.country in facts.avoid_countries,
        referral_state,
        not route.sponsor_required or facts.sponsor_available,
        tuple([rule.test(here, position) for rule in rules]) if rules else (),
        None if starts_inside else here.in_country,
        None if referral_state is None else (here.unhcr_registration, here.current_country),
        _refusals(route, facts.previous_refusals),
        referred or _partner_serves(referral.designated, facts),
    )


# Designated referrers that serve only some people (Rainbow Railroad: LGBTQI+ people).
PARTNER_PROFILES: dict[str, frozenset[Profile]] = {"rainbow_railroad": frozenset({Profile.LGBT})}


def _partner_serves(designated: frozenset[str], facts: Facts) -> bool:
    """Whether a designated partner other than UNHCR would take this person's case."""
    for code in designated - {"unhcr"}:
        serves = PARTNER_PROFILES.get(code)
        if serves is None or serves & facts.profile or facts.documents_mismatch:
            return True
    return False


def _refusals(route: RouteSpec, refusals: frozenset[str]) -> tuple[str, ...]:
    """The earlier visa refusals a consulate of `route` sees: its own country's, and every
    Schengen state's on a Schengen route."""
    if not refusals:
        return ()
    seen = {route.country} | (SCHENGEN if route.country in SCHENGEN | {EU} else set())
    return tuple(sorted(refusals & seen))


# Statuses that close a route, and the phrase that says why.
_STOPPED = {
    Status.SUSPENDED: PhraseCode.STATUS_SUSPENDED,
    Status.REPEALED: PhraseCode.STATUS_REPEALED,
    Status.PAUSED: PhraseCode.STATUS_PAUSED,
}


def assess_route(route: RouteSpec, signature: tuple[object, ...]) -> Assessment:
    """Findings, steps and risks for `route` from its signature (see route_signature)."""
    position = cast(Position, signature[0])
    stopped, nationality_ok, profile_ok = signature[1:4]
    found = Collector(route.risk_notes)
    if route.status is Status.PRECEDENT:  # history with its source, never something to apply for
        found.close("status", phrase(PhraseCode.PRECEDENT))
    if route.discretionary:
        found.note("discretionary", phrase(PhraseCode.DISCRETIONARY))
    if stopped:
        found.close("status", phrase(_STOPPED[route.status]))
    if not nationality_ok:
        countries = tuple(Country(code) for code in sorted(route.nationality_limits))
        found.close("nationality", phrase(PhraseCode.NATIONALITY_ONLY, countries=countries))
    if not profile_ok:
        profiles = tuple(sorted(route.profile_limits))
        found.close("profile", phrase(PhraseCode.PROFILE_ONLY, profiles=profiles))
    if position not in route.location:
        found.close("location", _location_reason(route, position))
    if len(signature) > 4:
        _assess_situation(found, route, position, signature[4:])
    apply = None if found.closes else _apply_step(route)
    return Assessment(
        referral=None if found.closes or len(signature) <= 4 else _referral_kind(route, signature),
        route=route,
        position=position,
        closes=tuple(found.closes),
        notes=tuple(found.notes),
        preparation=() if found.closes else tuple(found.steps),
        apply=apply,
        risk_notes=tuple(found.risks),
    )


def _assess_situation(
    found: Collector, route: RouteSpec, position: Position, situation: tuple[object, ...]
) -> None:
    """The checks past the gates: passports, leaving, avoided countries, referral, sponsor,
    the route's own rules and the risks of the country the person is in."""
    (
        passport,
        exit_state,
        avoided,
        referral_state,
        sponsor_ok,
        rule_outcomes,
        in_country,
        where,
        refused,
        partner,
    ) = situation
    country = Country(route.country)
    if exit_state is not None:  # first: care and legal advice come before any document
        found.leaving(cast(ExitState, exit_state))
    if passport is not None:
        if route.needs_international_passport:
            rule, reason = "documents.international_passport", phrase(PhraseCode.PASSPORT_MISSING)
        else:
            rule = "journey.international_passport"
            reason = phrase(PhraseCode.JOURNEY_PASSPORT_MISSING, country=country)
        found.passport(passport, rule, reason)
    if avoided:
        found.close("avoid_countries", phrase(PhraseCode.AVOID, country=country))
    registers, here = cast(tuple[bool | None, str], where or (None, ""))
    _referral(
        found,
        route,
        position,
        referral_state,
        (registers, Country(here) if here else None),
        partner=partner is True,
    )
    if not sponsor_ok:
        found.close("sponsor", phrase(PhraseCode.SPONSOR_MISSING))
    found.rules(route.rules, rule_outcomes)
    if refused:
        countries = tuple(Country(code) for code in cast(tuple[str, ...], refused))
        found.note("refused_before", phrase(PhraseCode.REFUSED_BEFORE, countries=countries))
    if in_country is not None:
        _in_country_risks(found, cast(InCountry, in_country))


def _referral_kind(route: RouteSpec, signature: tuple[object, ...]) -> str | None:
    """Whether a referral route's referral is in hand or a designated partner can be asked:
    either is a decision the organisation can work towards, not a lottery."""
    referral = route.referral
    if referral.by is None:
        return None
    state = signature[4 + 3]
    if state is None:
        return "in_hand"
    if state != _REFERRAL_UNAVAILABLE and signature[-1] is True:
        return "partner"
    return None


def _location_reason(route: RouteSpec, position: Position) -> Phrase:
    country = Country(route.country)
    if route.location == {Position.DESTINATION}:
        return phrase(PhraseCode.LOCATION_DESTINATION, country=country)
    if position is Position.NATIONALITY:
        return phrase(PhraseCode.LOCATION_OUTSIDE)
    if position is Position.THIRD_COUNTRY:
        return phrase(PhraseCode.LOCATION_INSIDE)
    return phrase(PhraseCode.LOCATION_NOT_DESTINATION, country=country)


def _referral(
    found: Collector,
    route: RouteSpec,
    position: Position,
    state: object,
    where: tuple[bool | None, Country | None],
    *,
    partner: bool = False,
) -> None:
    """The referral steps. Where the person is, UNHCR may register nobody (Armenia, Turkey:
    `where` is (False, country)), so no plan sends them to do what cannot be done there.
    A route that only designated referrers open stays open only when one has referred the
    person, a designated partner serves them (`partner`), or UNHCR can refer them from here."""
    registers, here = where
    referral = route.referral
    if state is None or referral.by is None:  # satisfied, or none needed (`by` always set then)
        return
    if state == _REFERRAL_UNAVAILABLE:
        found.close("referral", phrase(PhraseCode.REFERRAL_UNAVAILABLE, by=referral.by))
        return
    if referral.designated and not partner:
        unhcr_can = (
            "unhcr" in referral.designated
            and position is not Position.NATIONALITY
            and (registers is not False or state is True)
        )
        if not unhcr_can:
            found.close("referral", phrase(PhraseCode.REFERRAL_NO_DESIGNATED, by=referral.by))
            return
    unhcr = ReferralChannel.UNHCR in referral.channels
    if position is Position.NATIONALITY and referral.channels == {ReferralChannel.UNHCR}:
        # UNHCR determines refugee status only for people outside their own country.
        found.close("referral", phrase(PhraseCode.REFERRAL_UNHCR_OUTSIDE))
        return
    only_unhcr = referral.channels == {ReferralChannel.UNHCR} or referral.designated == {"unhcr"}
    if unhcr and registers is False and only_unhcr and state is False and here is not None:
        found.close("referral", phrase(PhraseCode.REFERRAL_UNHCR_NOT_HERE, country=here))
        return
    if unhcr and position is not Position.NATIONALITY and state is False and registers is not False:
        found.steps.append(Step(phrase(PhraseCode.STEP_REGISTER_UNHCR), None, None))
    found.steps.append(Step(phrase(PhraseCode.STEP_REFERRAL, by=referral.by), None, None))


def _in_country_risks(found: Collector, state: InCountry) -> None:
    transit, outcomes = state
    country = Country(transit.country)
    for note in transit.risk_notes:
        found.risks.append(phrase(PhraseCode.IN_COUNTRY, country=country, note=note))
    for rule, passed in zip(transit.rules, outcomes, strict=True):
        if not passed:  # a rule of the country the person is in fails for them: a warning
            reason = replace(rule.reason, warning=True)
            found.risks.append(phrase(PhraseCode.IN_COUNTRY, country=country, note=reason))


def _apply_step(route: RouteSpec) -> Step:
    days = None
    if route.processing_days is not None:
        low, high = route.processing_days
        days = round((low + high) / 2)
    return Step(
        phrase(PhraseCode.STEP_APPLY, name=route.name), days, route.fee, route.processing_days
    )


# ---------------------------------------------------------------- transit legs


def leg_signature(transit: TransitSpec, here: Here) -> tuple[object, ...] | None:
    """Every outcome that decides the leg into `transit`; None when the catalog has nothing
    to say (already there, the person's own country, no entry rule for their nationality)."""
    facts = here.facts
    if transit.country == here.current_country or transit.country == facts.nationality:
        return None
    entry = transit.entry.get(facts.nationality)
    if entry is None:
        return None
    leaving = here.current_country == facts.nationality
    if entry.internal_passport and here.holds_internal_passport:
        document: object = Document.INTERNAL_PASSPORT
    elif entry.internal_passport and here.restore_internal is not None:
        document = here.restore_internal  # restored in Russia, then the leg on it
    elif entry.international_passport and here.holds_international_passport:
        document = Document.INTERNATIONAL_PASSPORT
    elif entry.international_passport and here.passport[:2] == (False, True):
        document = here.passport  # obtainable: the passport state words the step
    else:
        document = None
    position = Position.NATIONALITY if leaving else Position.THIRD_COUNTRY
    groups = risk_groups(facts) if transit.dangers else frozenset()
    return (
        facts.nationality,
        transit.country in facts.avoid_countries,
        here.exit if leaving else None,
        document,
        tuple(rule.test(here, position) for rule in transit.rules),
        # Each danger for this person, and whether it is the reach of those hunting them.
        tuple(
            (i, bool(danger.whom & groups & REACH_GROUPS))
            for i, danger in enumerate(transit.dangers)
            if danger.whom & groups
        ),
    )


def assess_leg(transit: TransitSpec, signature: tuple[object, ...]) -> Leg:
    """Findings, steps and risks of the leg into `transit` from its signature."""
    nationality, avoided, exit_state, document, rule_outcomes, dangers = signature
    entry = transit.entry[str(nationality)]
    found = Collector(transit.risk_notes)
    country = Country(transit.country)
    if not entry.visa_free:
        found.close("transit.visa", phrase(PhraseCode.TRANSIT_VISA, country=country))
    if avoided:
        found.close("avoid_countries", phrase(PhraseCode.AVOID, country=country))
    if transit.avoid is not None:
        found.close("transit.avoid", transit.avoid)
    if exit_state is not None:
        found.leaving(cast(ExitState, exit_state))
    obtains = isinstance(document, tuple) and document[0] != "restore"
    if isinstance(document, tuple) and document[0] == "restore":
        found.steps.append(restore_step(document))
        document = Document.INTERNAL_PASSPORT
    elif isinstance(document, tuple):
        found.steps.extend(passport_steps(document))
        document = Document.INTERNATIONAL_PASSPORT
    if not isinstance(document, Document):
        accepted = tuple(
            kind
            for kind, allowed in (
                (Document.INTERNAL_PASSPORT, entry.internal_passport),
                (Document.INTERNATIONAL_PASSPORT, entry.international_passport),
            )
            if allowed
        )
        found.close(
            "transit.documents",
            phrase(PhraseCode.TRANSIT_DOCUMENTS, country=country, documents=accepted),
        )
    found.rules(transit.rules, rule_outcomes)
    # A danger for this person weighs the leg; the hunters' reach says so in its sentence.
    for index, reach in cast(tuple[tuple[int, bool], ...], dangers):
        code = PhraseCode.TRANSIT_REACH if reach else PhraseCode.TRANSIT_DANGER
        found.note(
            "transit.danger",
            phrase(code, country=country, note=transit.dangers[index].text),
            Effect.WEIGHS,
        )
    if entry.uncertain:
        found.risks.append(phrase(PhraseCode.ENTRY_UNCERTAIN, country=country))
    if not entry.verified:
        found.risks.append(phrase(PhraseCode.ENTRY_UNVERIFIED, country=country))
    if entry.stay_note is not None:
        found.risks.append(entry.stay_note)
    if isinstance(document, Document):
        if entry.stay_days is None:
            travel = phrase(PhraseCode.STEP_TRAVEL, country=country, document=document)
        else:
            travel = phrase(
                PhraseCode.STEP_TRAVEL_STAY,
                country=country,
                document=document,
                days=entry.stay_days,
            )
        found.steps.append(Step(travel, None, None))
    return Leg(
        transit=transit,
        closes=tuple(found.closes),
        notes=tuple(found.notes),
        steps=() if found.closes else tuple(found.steps),
        risk_notes=tuple(found.risks),
        obtains_passport=obtains,
        uncertain=entry.uncertain,
        stay_days=entry.stay_days,
    )
