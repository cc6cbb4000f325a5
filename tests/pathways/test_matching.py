"""Matching beyond single verdicts: plans, documents, exit barriers, risks, ranking, memo."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from corridor.pathways.findings import CASE_ESTIMATE
from corridor.pathways.matching import Matcher
from corridor.pathways.ranking import GrantCounts, RankingInputs
from corridor.pathways.vocabulary import Verdict
from tests.pathways.conftest import (
    TODAY,
    absent,
    english,
    find,
    make_facts,
    match,
    reasons,
    risks,
    steps,
)

pytestmark = pytest.mark.pure


def test_inside_russia_without_passport_gar_closed_but_open_through_armenia(catalog):
    """The 2017 case: Canada's GAR is closed inside Russia (outside-the-country rule), and a
    plan opens: internal passport to Armenia, then a designated partner's referral. UNHCR
    registers nobody in Armenia, so the plan never asks the person to register there."""
    results = match(catalog)
    gar = find(results, "ca-gar")
    assert gar.verdict is Verdict.INELIGIBLE
    assert "location" in gar.failed_rules
    assert any("outside their country of nationality" in text for text in reasons(gar))
    plan = find(results, "transit-am", "ca-gar")
    assert plan.verdict is Verdict.AFTER_STEPS
    assert plan.countries == ("AM", "CA")
    assert [english(name) for name in plan.names] == [
        "Visa-free entry to Armenia",
        "Government-Assisted Refugees (GAR)",
    ]
    assert steps(plan) == [
        "Travel to Armenia with the internal passport (visa-free stay of up to 180 days).",
        "Get a referral: UNHCR or a designated referral partner of the Canadian government "
        "(Rainbow Railroad for LGBTQI+ people).",
        "Apply: Government-Assisted Refugees (GAR).",
    ]
    # Each leg's risks travel with the plan: Armenia's and GAR's own; a note nobody verified
    # says so.
    assert "A conservative society. (not verified: check before relying)" in risks(plan)
    assert any("No direct application" in note for note in risks(plan))
    # GAR's processing time is not verified: the plan gives no number of days.
    assert plan.expected_days is None
    assert "processing time not verified, check before relying" in reasons(plan)[0]


def test_a_figure_nobody_verified_is_never_used_as_known(catalog):
    """Lithuania's fee, GAR's processing time, RRAP's places and Montenegro's stay are in the
    catalog but nobody read them from a source: the planner shows each as "not verified,
    check before relying", never as a number, and ranks as if it were unknown."""
    lithuania = find(match(catalog, has_international_passport=True), "lt-humanitarian-visa")
    assert lithuania.steps[-1].cost is None
    assert "fee not verified, check before relying" in reasons(lithuania)[0]
    assert "status not verified, check before relying" in reasons(lithuania)[0]
    rrap = find(match(catalog, current_country="AM", sponsor_available=True), "ca-rrap")
    assert "capacity not verified, check before relying" in reasons(rrap)[0]
    assert "50" not in reasons(rrap)[0]
    plan = find(
        match(catalog, has_international_passport=True), "transit-me", "es-embassy-transfer"
    )
    assert steps(plan)[0] == "Travel to Montenegro with the international passport."
    assert (
        "The rule for entry to Montenegro is not verified from a source; check it before "
        "relying on it."
    ) in risks(plan)


def test_a_verified_figure_is_used(catalog):
    """Canada's TRP fee was read from its source: the application step carries it."""
    trp = find(match(catalog, current_country="AM", has_international_passport=True), "ca-trp")
    assert (f"{trp.steps[-1].cost.amount:f}", trp.steps[-1].cost.currency) == ("239.75", "CAD")


def test_confiscated_documents_and_no_way_to_a_passport_leave_nothing_open(catalog):
    """documents_confiscated, no internal passport to restore and no way to obtain an
    international one: no open result needs one, and every way out is closed with the
    documents as the reason."""
    results = match(
        catalog,
        has_internal_passport=False,
        has_international_passport=True,
        exit_barriers=["documents_confiscated"],
    )
    assert [r.route_ids for r in results if r.is_open] == []
    armenia = find(results, "transit-am")
    assert armenia.failed_rules == ("transit.documents",)
    swiss = find(results, "ch-humanitarian-visa")
    assert swiss.failed_rules == ("journey.international_passport",)


def test_confiscated_documents_with_a_new_passport_possible_add_that_step(catalog_as_if_verified):
    """If a new passport can be had (in 40 days), plans that need it start with restoring
    the taken internal passport (none is issued without it), then getting the new one."""
    results = match(
        catalog_as_if_verified,
        exit_barriers=["documents_confiscated"],
        can_obtain_international_passport=True,
        passport_obtain_days=40,
    )
    plan = find(results, "transit-ge", "ca-gar")
    assert steps(plan)[0].startswith("Restore the internal passport in Russia")
    assert steps(plan)[1] == "Obtain an international passport."
    # How long restoring takes is not given here: the days by law, as a range with its source.
    assert plan.steps[0].days_range == (5, 30)
    assert plan.steps[0].source.startswith("https://www.consultant.ru/")
    assert (plan.steps[1].days, plan.steps[1].days_range) == (40, (40, 40))
    assert plan.steps[1].source == CASE_ESTIMATE
    assert plan.basis.days_range == (5 + 40 + 365, 30 + 40 + 761)
    assert plan.expected_days == round((5 + 40 + 365 + 30 + 40 + 761) / 2)
    assert "about 620 days (410 to 831) to safety" in reasons(plan)[0]


def test_an_expired_passport_is_renewed_before_the_application(catalog_as_if_verified):
    """An expired passport counts as none: the step is a renewal, its days counted."""
    results = match(
        catalog_as_if_verified,
        has_international_passport=True,
        international_passport_expiry=(TODAY - timedelta(days=1)).isoformat(),
        can_obtain_international_passport=True,
        passport_obtain_days=45,
        ties=["FR"],
    )
    france = find(results, "fr-asylum-visa")
    assert france.verdict is Verdict.AFTER_STEPS
    assert steps(france) == [
        "Renew the international passport (the one held is not valid).",
        "Apply: Visa for the purpose of asylum (long-stay D visa).",
    ]
    assert france.expected_days == 45 + 274


def test_an_unknown_expiry_counts_as_a_valid_passport(catalog):
    """A null expiry is treated as valid: Georgia is reachable without any passport step."""
    plan = find(match(catalog, has_international_passport=True), "transit-ge", "ca-gar")
    assert steps(plan)[0].startswith("Travel to Georgia with the international passport")


def test_fees_reach_the_application_step_exactly(catalog_as_if_verified):
    """Lithuania's €60 national visa fee is the cost of applying, as an exact amount."""
    lithuania = find(
        match(catalog_as_if_verified, has_international_passport=True), "lt-humanitarian-visa"
    )
    apply = lithuania.steps[-1]
    assert (f"{apply.cost.amount:f}", apply.cost.currency) == ("60.00", "EUR")


def test_a_border_check_risk_follows_a_criminal_case_out_of_the_country(catalog):
    """A criminal case does not close the way out but every leg leaving Russia warns of it."""
    plan = find(match(catalog, exit_barriers=["criminal_case"]), "transit-am", "ca-gar")
    assert plan.is_open
    assert any("a criminal case may be stopped" in note for note in risks(plan))


def test_a_wanted_person_already_in_kazakhstan_is_warned_where_they_are(catalog):
    """The extradition risk of the country the person is in reaches every route from there."""
    results = match(
        catalog, current_country="KZ", exit_barriers=["wanted"], has_international_passport=True
    )
    spain = find(results, "es-embassy-transfer")
    assert any(
        note.startswith("Kazakhstan: Kazakhstan's Interior Minister") for note in risks(spain)
    )


def test_an_exit_ban_does_not_matter_once_abroad(catalog):
    """The ban stops departures from Russia, not applications from Armenia."""
    results = match(
        catalog, current_country="AM", has_international_passport=True, exit_barriers=["exit_ban"]
    )
    assert find(results, "es-embassy-transfer").verdict is Verdict.ELIGIBLE


def test_a_nationality_without_transit_rules_gets_no_plans(catalog):
    """The catalog has entry rules for Russians only: a Belarusian sees routes, not plans."""
    results = match(
        catalog, nationality="BY", current_country="BY", has_international_passport=True
    )
    assert all(len(result.route_ids) == 1 for result in results)
    assert all(not result.route_ids[0].startswith("transit-") for result in results)
    assert find(results, "ch-humanitarian-visa").verdict is Verdict.ELIGIBLE


def test_routes_usable_from_where_the_person_is_get_no_plan(catalog):
    """From Armenia, Spain's embassy route is direct: no plan through another country."""
    results = match(catalog, current_country="AM", has_international_passport=True)
    assert absent(results, "transit-ge", "es-embassy-transfer")
    assert find(results, "es-embassy-transfer").is_open


def test_open_results_come_first_best_score_first(catalog):
    """One array: every open result before every closed one, scores falling."""
    results = match(catalog, has_international_passport=True)
    verdicts = [result.is_open for result in results]
    assert verdicts == sorted(verdicts, reverse=True)
    open_scores = [result.score for result in results if result.is_open]
    assert open_scores == sorted(open_scores, reverse=True)
    assert all(result.score == 0.0 for result in results if not result.is_open)


def test_each_rank_is_explained_in_one_sentence(catalog_as_if_verified):
    """The first reason explains the rank: verdict, which kind of open (for an LGBT man a
    designated partner can be asked; for anyone else it is a selection), days against the
    target, outcomes."""
    plan = find(match(catalog_as_if_verified), "transit-am", "ca-gar")
    sentence = reasons(plan)[0]
    assert sentence.count(".") == 1
    assert sentence.endswith(".")
    assert sentence.startswith(
        "Open after 2 steps; a designated partner can be asked to refer: not a lottery; "
        "about 563 days (365 to 761) to safety"
    )
    # Anyone else: no partner serves them and UNHCR registers nobody in Armenia, so GAR is
    # open only through a country where UNHCR can refer (Kazakhstan), as a selection.
    assert not any(
        r.route_ids == ("transit-am", "ca-gar") for r in match(catalog_as_if_verified, profile=[])
    )
    other = find(match(catalog_as_if_verified, profile=[]), "transit-kz", "ca-gar")
    assert reasons(other)[0].startswith(
        "Open after 3 steps; needs selection, a referral or a sponsor: nobody is entitled to "
        "it; about 563 days (365 to 761) to safety"
    )
    assert "against a target of 90 days" in sentence


def test_the_urgency_target_moves_a_slow_route_down(catalog_as_if_verified):
    """GAR's 563 days score lower against an emergency's 60-day target than a normal year."""
    emergency = find(match(catalog_as_if_verified, urgency="emergency"), "transit-am", "ca-gar")
    normal = find(match(catalog_as_if_verified, urgency="normal"), "transit-am", "ca-gar")
    assert emergency.score < normal.score


def test_our_own_outcomes_show_as_counts_beside_the_prior(catalog):
    """3 of 4 granted by the organisation: counts shown, the rate estimated from them."""
    inputs = RankingInputs(outcomes={"ca-gar": GrantCounts(granted=3, denied=1)})
    plan = find(match(catalog, inputs=inputs), "transit-am", "ca-gar")
    assert (plan.grant_counts.granted, plan.grant_counts.denied) == (3, 1)
    assert plan.grant_rate == round(4 / 6, 4)
    assert "our outcomes: 3 of 4 granted" in reasons(plan)[0]
    without = find(match(catalog), "transit-am", "ca-gar")
    assert plan.score > without.score


def test_a_full_route_no_longer_fits_a_large_household(catalog_as_if_verified):
    """With 48 of RRAP's 50 places taken, a household of 3 does not fit: it ranks lower."""
    facts = {"current_country": "AM", "sponsor_available": True, "household_size": 3}
    full = RankingInputs(places_used={"ca-rrap": 48})
    short = find(match(catalog_as_if_verified, inputs=full, **facts), "ca-rrap")
    roomy = find(match(catalog_as_if_verified, **facts), "ca-rrap")
    assert "only 2 places left for a household of 3" in reasons(short)[0]
    assert short.score < roomy.score


def test_matching_is_memoised_on_the_facts(catalog):
    """The same facts give the very same answer object (no second evaluation)."""
    matcher = Matcher(catalog, today=TODAY)
    first = matcher.match(make_facts())
    assert matcher.match(make_facts()) is first
    other = matcher.match(make_facts(urgency="emergency"))
    assert other is not first


def test_facts_that_cannot_change_an_answer_share_it(catalog):
    """How long a passport takes does not matter to someone who holds one, nor how long
    restoring an internal passport takes to someone whose passport was never taken: such
    facts share one answer. Medical needs change it (care comes first)."""
    matcher = Matcher(catalog, today=TODAY)
    base = matcher.match(make_facts(has_international_passport=True))
    assert matcher.match(make_facts(has_international_passport=True, medical_needs=True)) != base
    held = make_facts(has_international_passport=True, internal_passport_restore_days=10)
    assert matcher.match(held) is base
    assert (
        matcher.match(make_facts(has_international_passport=True, passport_obtain_days=10)) is base
    )


def test_a_cleared_cache_gives_equal_answers(catalog):
    """Dropping the caches changes nothing a caseworker sees."""
    matcher = Matcher(catalog, today=TODAY, cache_limit=1)
    facts = make_facts(exit_barriers=["wanted"], has_international_passport=True)
    first = [(r.route_ids, r.verdict, r.score, reasons(r)) for r in matcher.match(facts)]
    matcher.match(make_facts())  # over the limit: everything is dropped
    again = [(r.route_ids, r.verdict, r.score, reasons(r)) for r in matcher.match(facts)]
    assert again == first


@pytest.mark.process
def test_matching_runs_without_django():
    """matching.py stays pure: importing it (and all it needs) loads no Django at all."""
    code = (
        "import sys, corridor.pathways.matching, corridor.pathways.catalog_files; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"
