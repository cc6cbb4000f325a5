"""The eight people the planner is judged on: the top plans and the steps and risks
a careful caseworker would expect for each. Facts are tests.factories'
PERSONA_FACTS; the real catalog (figures nobody verified left out) unless a test needs a
figure, where the as-if-verified copy stands in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corridor.pathways.findings import Effect
from corridor.pathways.matching import Matcher
from corridor.pathways.results import recognition
from corridor.pathways.vocabulary import Kind, Relation
from tests.factories import PERSONA_FACTS
from tests.pathways.conftest import TODAY, english, make_facts, reasons, risks, steps

pytestmark = pytest.mark.pure


def persona(name: str, **changes: object):
    return make_facts(**{**PERSONA_FACTS[name], **changes})


def plans(catalog, name: str, **changes: object):
    return [r for r in Matcher(catalog, today=TODAY).match(persona(name, **changes)) if r.is_open]


def leaves_russia(result) -> bool:
    """A plan or route the person starts from inside Russia (through its exit check)."""
    return result.countries[0] != "RU"


def test_p1_leaves_at_once_for_armenia_on_the_internal_passport(catalog):
    """P1: Armenia first, on the internal passport; never "register with UNHCR" there; the
    risk notes name detention on Russian requests; Kazakhstan, where Chechens who fled are
    hunted, ranks below Armenia for an LGBT man."""
    found = plans(catalog, "P1")
    top = found[0]
    assert top.route_ids[0] == "transit-am"
    assert steps(top)[0] == (
        "Travel to Armenia with the internal passport (visa-free stay of up to 180 days)."
    )
    assert any("on Russian extradition requests" in note for note in risks(top))
    through_armenia = [r for r in found if r.route_ids[0] == "transit-am"]
    assert not any("Register with UNHCR" in step for r in through_armenia for step in steps(r))
    best_kz = next(r for r in found if r.route_ids[0] == "transit-kz")
    assert best_kz.score < top.score
    assert any(  # his family hunts him, and reaches Kazakhstan: the sentence says so
        "Those hunting this person can reach them in Kazakhstan" in reason
        for reason in reasons(best_kz)
    )
    ways_out = [leg.transit.id for leg in Matcher(catalog, today=TODAY).ways_out(persona("P1"))]
    assert ways_out.index("transit-am") < ways_out.index("transit-kz")


def test_p2_a_visa_he_can_apply_for_this_week_ranks_above_any_quota(catalog):
    """P2, valid passport: leave visa-free now and seek a partner's referral (Canada's GAR
    through Rainbow Railroad, no lottery); the humanitarian visas applied for from Russia
    (Swiss, Lithuanian, Belgian) rank above every resettlement quota that no partner can be
    asked for, and a plan he can start (a visa-free leg and a claim) comes first."""
    found = plans(catalog, "P2")
    assert found[0].basis.kind is Kind.CAN_APPLY_NOW
    rank = {r.route_ids: i for i, r in enumerate(found)}
    gar = min(i for ids, i in rank.items() if ids[-1] == "ca-gar")
    assert found[gar].basis.referral == "partner"
    assert gar < rank[("ch-humanitarian-visa",)]
    selections = [
        i
        for r, i in rank.items()
        if found[i].basis.kind is Kind.SELECTION and not found[i].basis.referral
    ]
    assert selections
    for visa in ("ch-humanitarian-visa", "lt-humanitarian-visa", "be-humanitarian-visa"):
        assert rank[(visa,)] < min(selections), visa
    quota = next(r for r in found if r.route_ids[-1] == "no-refugee-quota")
    assert "nobody is entitled to it" in reasons(quota)[0]


def test_p3_a_short_stay_before_a_long_route_is_flagged(catalog_as_if_verified):
    """P3, two men with a designated partner's referral: Armenia's 180 days against GAR's
    ~560 days is a warning that weighs the plan; the referral step is not needed."""
    found = plans(catalog_as_if_verified, "P3")
    gar = next(r for r in found if r.route_ids == ("transit-am", "ca-gar"))
    stay = [f for f in gar.findings if f.rule == "transit.stay"]
    assert stay
    assert stay[0].effect is Effect.WEIGHS
    assert "stay in Armenia (180 days) runs out before the next steps" in english(stay[0].text)
    assert not any(step.startswith("Get a referral") for step in steps(gar))
    claim = next(r for r in found if r.route_ids == ("transit-am", "am-asylum"))
    assert not any(f.rule == "transit.stay" for f in claim.findings)  # a claim there is a stay


def test_p4_an_injured_man_s_first_steps_are_medical(catalog):
    """P4: every plan out of Russia starts with care and documenting the injuries; his
    answer is not the uninjured man's (P1)."""
    found = plans(catalog, "P4")
    for result in found:
        if leaves_russia(result):
            assert steps(result)[0].startswith("First medical needs: stabilise"), result.route_ids
    unfit = plans(catalog, "P4", medical_detail=["urgent_care", "unfit_to_travel"])
    armenia = next(r for r in unfit if r.route_ids == ("transit-am", "am-asylum"))
    assert "medical.unfit" in [f.rule for f in armenia.findings]
    assert armenia.score < found[0].score
    uninjured = plans(catalog, "P1")
    assert [(r.route_ids, r.score) for r in found] != [(r.route_ids, r.score) for r in uninjured]
    assert found[0].route_ids[0] == "transit-am"


def test_p5_a_wanted_man_gets_legal_advice_first_and_avoids_detaining_countries(catalog):
    """P5: no official crossing without legal advice first; Kazakhstan (extradites) closed;
    Armenia's detentions on request named as his dangers and ranked down, so his top plan
    is not the unwanted man's."""
    facts = persona("P5")
    results = Matcher(catalog, today=TODAY).match(facts)
    found = [r for r in results if r.is_open]
    for result in found:
        if leaves_russia(result) or result.countries[0] == "RU":
            assert steps(result)[0].startswith("Before any border: legal advice"), result.route_ids
            assert any(f.rule == "exit.border_check" for f in result.findings)
    assert not any(r.route_ids[0] == "transit-kz" for r in found)
    armenia = next(r for r in found if r.route_ids == ("transit-am", "am-asylum"))
    assert sum(1 for f in armenia.findings if f.rule == "transit.danger") == 2
    assert any("detains Russians on Russian extradition requests" in n for n in risks(armenia))
    unwanted = Matcher(catalog, today=TODAY).match(
        replace(facts, exit_barriers=frozenset(), wanted_scope=frozenset())
    )
    top, free_top = found[0], next(r for r in unwanted if r.is_open)
    assert (top.route_ids, top.score) != (free_top.route_ids, free_top.score)
    assert top.route_ids[0] != "transit-am"


def test_p5_a_served_draft_summons_closes_every_official_exit(catalog):
    found = plans(catalog, "P5", exit_barriers=["draft_summons"])
    assert not any(r.countries[0] != "RU" and len(r.route_ids) > 1 for r in found)
    summoned = Matcher(catalog, today=TODAY).match(persona("P5", exit_barriers=["draft_summons"]))
    armenia = next(r for r in summoned if r.route_ids == ("transit-am",))
    assert "exit.draft_summons" in armenia.failed_rules


def test_p6_relatives_took_both_passports_restore_the_internal_one_first(catalog):
    """P6: restore the internal passport, then Armenia on it; any plan that needs a new
    international passport restores the internal one before it."""
    found = plans(catalog, "P6")
    top = found[0]
    assert top.route_ids[0] == "transit-am"
    assert steps(top)[0].startswith("Restore the internal passport in Russia")
    assert "relatives may have reported it stolen" in steps(top)[0]
    assert steps(top)[1].startswith("Travel to Armenia with the internal passport")
    for result in found:
        texts = steps(result)
        if "Obtain an international passport." in texts:
            restore = next(i for i, t in enumerate(texts) if t.startswith("Restore the internal"))
            assert restore < texts.index("Obtain an international passport.")


def test_p7_a_woman_fleeing_a_forced_marriage_leaves_on_her_internal_passport(catalog):
    """P7 (gender-based persecution is not a fact yet): Armenia on the internal passport
    first; no plan sends her to register with UNHCR there; the 2017 precedent is closed."""
    found = plans(catalog, "P7")
    assert found[0].route_ids[0] == "transit-am"
    through_armenia = [r for r in found if r.route_ids[0] == "transit-am"]
    assert not any("Register with UNHCR" in step for r in through_armenia for step in steps(r))


def test_p8_renews_her_passport_and_plans_care_first(catalog):
    """P8: plans that need the international passport renew it (30 days) after the care
    step; her hormone therapy's continuity comes first (no injuries to document)."""
    found = plans(catalog, "P8")
    renewing = [r for r in found if any(s.startswith("Renew the international") for s in steps(r))]
    assert renewing
    for result in renewing:
        assert steps(result)[0].startswith("Plan continuing treatment (medicines, hormone")
        assert not any(s.startswith("First medical needs") for s in steps(result))
        renew = next(step for step in result.steps if english(step.text).startswith("Renew"))
        assert renew.days == 30


@pytest.mark.parametrize("name", sorted(PERSONA_FACTS))
def test_the_2017_precedent_is_never_open(catalog, name):
    results = Matcher(catalog, today=TODAY).match(persona(name))
    evacuation = [r for r in results if r.route_ids[-1] == "ca-evacuation-2017"]
    assert evacuation
    assert not any(r.is_open for r in evacuation)


def test_p1_and_p3_canada_s_gar_through_a_partner_s_referral_comes_second(catalog):
    """P1 (a designated partner can be asked) and P3 (the referral in hand): Canada's GAR
    through Armenia is the second plan, after asylum in Armenia, not a lottery at rank 20;
    a woman whom no partner serves (P7) keeps it weighed as a selection."""
    for name, referral in (("P1", "partner"), ("P3", "in_hand")):
        found = plans(catalog, name)
        assert found[1].route_ids == ("transit-am", "ca-gar"), name
        assert found[1].basis.referral == referral
    p7 = plans(catalog, "P7")
    assert not any(r.route_ids == ("transit-am", "ca-gar") for r in p7)


def test_p7_a_route_only_designated_referrers_open_needs_one_who_can_refer_her(catalog):
    """P7: no designated referrer serves her and UNHCR registers nobody in Armenia, so
    Canada's GAR through Armenia is closed, saying why; once a designated referrer has
    referred her (the `referrer` fact) it opens with the referral in hand; a referrer the
    route does not designate changes nothing."""
    in_armenia = Matcher(catalog, today=TODAY).match(persona("P7", current_country="AM"))
    gar = next(r for r in in_armenia if r.route_ids == ("ca-gar",))
    assert not gar.is_open
    assert "referral" in gar.failed_rules
    assert any("Only designated referrers" in reason for reason in reasons(gar))
    referred = plans(catalog, "P7", referrer="unhcr")
    gar = next(r for r in referred if r.route_ids == ("transit-am", "ca-gar"))
    assert gar.basis.referral == "in_hand"
    assert not any(step.startswith("Get a referral") for step in steps(gar))
    other = plans(catalog, "P7", referrer="other_ngo")
    assert not any(r.route_ids == ("transit-am", "ca-gar") for r in other)


def test_p2_the_earlier_refusal_is_noted_on_schengen_routes_only(catalog):
    found = plans(catalog, "P2")
    swiss = next(r for r in found if r.route_ids == ("ch-humanitarian-visa",))
    assert any(f.rule == "refused_before" for f in swiss.findings)
    assert any("A visa was refused before by Germany" in reason for reason in reasons(swiss))
    armenia = next(r for r in found if r.route_ids == ("transit-am", "am-asylum"))
    assert not any(f.rule == "refused_before" for f in armenia.findings)


def test_p3_a_plan_is_open_for_the_household_only_when_open_for_each(catalog):
    """P3: the partner's own facts are matched; the plans stay open for both and remind
    that the route must recognise an unmarried same-sex partner; a partner who holds no
    document closes Armenia for the household, naming him and why."""
    found = plans(catalog, "P3")
    assert found[0].route_ids == ("transit-am", "am-asylum")
    assert any(f.rule == "household.recognition" for f in found[0].findings)
    undocumented = {
        **PERSONA_FACTS["P3"]["members"][0],  # type: ignore[index]
        "has_internal_passport": False,
        "has_international_passport": False,
        "can_obtain_international_passport": False,
    }
    results = Matcher(catalog, today=TODAY).match(persona("P3", members=[undocumented]))
    armenia = next(r for r in results if r.route_ids == ("transit-am", "am-asylum"))
    assert not armenia.is_open
    assert "household.member" in armenia.failed_rules
    assert english(armenia.findings[0].text).startswith("Not open for household member 2: Entry")


def test_p5_a_wanted_listing_alone_puts_legal_advice_first_and_names_interpol(catalog):
    found = plans(catalog, "P5", exit_barriers=[], wanted_scope=["interpol"])
    out = [r for r in found if leaves_russia(r)]
    assert out
    for result in out:
        assert steps(result)[0].startswith("Before any border: legal advice"), result.route_ids
        assert any("An Interpol notice" in note for note in risks(result))
    assert not any(r.route_ids[0] == "transit-kz" for r in found)


def test_p6_only_the_passports_taken_are_missing(catalog):
    """Relatives took only the international passport: Armenia on the internal one at once,
    nothing to restore; only the internal one: restore it first."""
    international = plans(
        catalog, "P6", exit_barriers=[], confiscated_documents=["international_passport"]
    )
    assert steps(international[0])[0].startswith("Travel to Armenia with the internal passport")
    internal = plans(catalog, "P6", exit_barriers=[], confiscated_documents=["internal_passport"])
    assert steps(internal[0])[0].startswith("Restore the internal passport in Russia")


def test_p7_her_family_s_reach_and_case_change_the_plan(catalog):
    """P7: Georgia's seizures of women by relatives are her dangers and weigh plans through
    it; a case her family filed puts a lawyer's check before any airport and weighs."""
    found = plans(catalog, "P7", can_obtain_international_passport=True, passport_obtain_days=90)
    georgia = [r for r in found if r.route_ids[0] == "transit-ge"]
    assert georgia
    assert all(any(f.rule == "transit.danger" for f in r.findings) for r in georgia)
    assert found[0].route_ids[0] != "transit-ge"
    found = plans(catalog, "P7")
    filed = plans(catalog, "P7", family_filed_case=True)
    for result in filed:
        if leaves_russia(result):
            assert steps(result)[0].startswith("Before any airport: a lawyer checks"), (
                result.route_ids
            )
            assert "exit.family_case" in [f.rule for f in result.findings]
    assert filed[0].score < found[0].score


def test_p8_the_mismatched_sex_marker_is_named_at_the_border(catalog):
    """P8: her documents' marker (M) does not match her identity: named on every plan out;
    a man whose marker matches (P1) sees no such risk."""
    out = [r for r in plans(catalog, "P8") if leaves_russia(r)]
    assert out
    for result in out:
        assert any("The sex on the documents does not match" in n for n in risks(result))
    assert not any("The sex on the documents" in n for r in plans(catalog, "P1") for n in risks(r))


def test_p8_identity_is_sealed_it_only_adds_the_border_risk(catalog):
    """Gender identity and the marker are never worded: the only difference they make to
    her results is the border risk phrase (and the catalog's dangers for trans people)."""
    known = Matcher(catalog, today=TODAY).match(persona("P8"))
    unknown = Matcher(catalog, today=TODAY).match(
        persona("P8", gender_identity="unknown", document_sex_marker="unknown")
    )
    assert [r.route_ids for r in known] == [r.route_ids for r in unknown]
    added = {
        note
        for mine, theirs in zip(known, unknown, strict=True)
        for note in set(risks(mine)) - set(risks(theirs))
    }
    assert added
    assert all("The sex on the documents does not match" in n or "trans" in n for n in added)
    assert not any("woman" in n.lower() for n in added)


def test_p3_each_route_says_whether_it_recognises_his_same_sex_partner(catalog):
    """P3's partner is an unmarried same-sex partner: Canada's GAR recognises him (a
    common-law partner of either sex, sourced); no source says for asylum in Armenia, so the
    plan says to check, never guessing."""
    found = plans(catalog, "P3")
    gar = next(r for r in found if r.route_ids == ("transit-am", "ca-gar"))
    said = [english(f.text) for f in gar.findings if f.rule.startswith("household.")]
    assert said == [
        "Household member 2, a same-sex partner, is recognised as family by Government-Assisted "
        "Refugees (GAR)."
    ]
    armenia = next(r for r in found if r.route_ids == ("transit-am", "am-asylum"))
    assert any(
        english(f.text).startswith(
            "No source says whether Asylum in Armenia recognises household member 2, "
            "a same-sex partner, as family"
        )
        for f in armenia.findings
    )


def test_p3_a_partner_the_route_does_not_recognise_is_planned_separately(catalog):
    """Where the route takes spouses only (here asylum in Armenia, as if a source said so),
    the plan warns that the partner cannot come on it and names his own best plan; it is
    not closed for the household by his own documents, since he is planned separately.
    A spouse the route recognises is still needed on it: his documents close it."""
    routes = tuple(
        replace(route, partners=(False, None)) if route.id == "am-asylum" else route
        for route in catalog.routes
    )
    spouses_only = replace(catalog, routes=routes)
    found = plans(spouses_only, "P3")
    armenia = next(r for r in found if r.route_ids == ("transit-am", "am-asylum"))
    warning = next(f for f in armenia.findings if f.rule == "household.not_recognised")
    assert warning.effect is Effect.WEIGHS
    assert english(warning.text).startswith(
        "Household member 2, a same-sex partner, is not recognised as family by Asylum in "
        "Armenia: they cannot come on this application; plan for them separately (their own "
        "best plan: Visa-free entry to Armenia, Asylum in Armenia)"
    )
    undocumented = {
        **PERSONA_FACTS["P3"]["members"][0],  # type: ignore[index]
        "has_internal_passport": False,
        "has_international_passport": False,
        "can_obtain_international_passport": False,
    }
    alone = Matcher(spouses_only, today=TODAY).match(persona("P3", members=[undocumented]))
    armenia = next(r for r in alone if r.route_ids == ("transit-am", "am-asylum"))
    assert armenia.is_open
    assert "this plan does not exist for them" in english(
        next(f.text for f in armenia.findings if f.rule == "household.not_recognised")
    )
    spouse = {**undocumented, "relation": "spouse"}
    married = Matcher(spouses_only, today=TODAY).match(persona("P3", members=[spouse]))
    armenia = next(r for r in married if r.route_ids == ("transit-am", "am-asylum"))
    assert not armenia.is_open


@pytest.mark.parametrize(
    ("partners", "relation", "expected"),
    [
        ((True, True), "same_sex_partner", True),
        ((True, False), "same_sex_partner", False),
        ((False, None), "same_sex_partner", False),
        ((True, None), "same_sex_partner", None),
        ((None, True), "same_sex_spouse", True),
        ((True, None), "same_sex_spouse", None),
        ((False, True), "unmarried_partner", False),
        ((None, None), "spouse", True),
        ((False, False), "child", True),
    ],
)
def test_which_partners_a_route_recognises(partners, relation, expected):
    assert recognition(partners, Relation(relation)) is expected


def test_p7_her_family_s_reach_abroad_lowers_armenia_and_georgia_saying_why(catalog):
    """P7: a killing in Yerevan of a woman who fled her family and seizures in Georgia are
    her family's reach: plans through them weigh and say so; the way out that no reach
    danger weighs ranks first."""
    found = plans(catalog, "P7", can_obtain_international_passport=True, passport_obtain_days=90)
    for country in ("Armenia", "Georgia"):
        through = [r for r in found if r.names[0].en.endswith(country)]
        assert through, country
        for result in through:
            assert any(
                f"Those hunting this person can reach them in {country}" in reason
                for reason in reasons(result)
            ), result.route_ids
    assert not any(f.rule == "transit.danger" for f in found[0].findings), found[0].route_ids


def test_who_hunts_the_person_decides_whose_reach_a_danger_is(catalog):
    """P5, hunted by the federal services, reads Turkey's attacks on Kadyrov's critics as
    his hunters' reach; P1 without his family hunting him reads Kazakhstan's danger as a
    danger for LGBT people, not as anyone's reach."""
    p5 = plans(catalog, "P5")
    turkey = [r for r in p5 if r.route_ids[0] == "transit-tr"]
    assert turkey
    assert all(
        any("Those hunting this person can reach them in Turkey" in x for x in reasons(r))
        for r in turkey
    )
    p1 = plans(catalog, "P1", hunted_by=[])
    kz = next(r for r in p1 if r.route_ids[0] == "transit-kz")
    assert any("A danger for this person in Kazakhstan" in x for x in reasons(kz))
    assert not any("Those hunting this person" in x for x in reasons(kz))


def test_p6_the_plan_s_total_is_a_range_from_the_law_s_days_and_the_route_s(catalog):
    """P6: restoring the internal passport takes 5 to 30 days by law (the source named on
    the step), asylum in Armenia its published range; the plan's total is their sum, its
    point the middle, and the rank sentence shows both; the travel leg has no source and
    counts as a step of unknown length, never as zero days read as known."""
    top = plans(catalog, "P6")[0]
    restore, travel, apply = top.steps
    assert restore.days_range == (5, 30)
    assert restore.source.startswith("https://www.consultant.ru/")
    assert travel.days is None
    assert travel.days_range is None
    low, high = apply.days_range
    assert top.basis.days_range == (5 + low, 30 + high)
    assert top.expected_days == round((5 + low + 30 + high) / 2)
    assert f"({5 + low} to {30 + high})" in reasons(top)[0]
    assert top.basis.unknown_steps == 1
    # The case's own estimate wins over the law's days, as a point.
    own = plans(catalog, "P6", internal_passport_restore_days=20)[0]
    assert own.steps[0].days_range == (20, 20)
    assert own.basis.days_range == (20 + low, 20 + high)


@pytest.mark.parametrize("name", sorted(PERSONA_FACTS))
def test_every_open_plan_s_point_lies_in_its_range(catalog, name):
    for result in plans(catalog, name):
        if result.basis.days_range is not None:
            low, high = result.basis.days_range
            assert low <= result.expected_days <= high, result.route_ids
        else:
            assert result.expected_days is None, result.route_ids


def test_p3_a_stay_that_runs_out_only_at_the_longest_is_a_note_not_a_weight(
    catalog_as_if_verified,
):
    """Armenia's 180 days against a route of 100 to 300 days: it may run out, so the plan
    says so without weighing it; against 365 to 761 days it runs out at the shortest and
    weighs (the P3 test above)."""
    routes = tuple(
        replace(route, processing_days=(100, 300)) if route.id == "ca-gar" else route
        for route in catalog_as_if_verified.routes
    )
    shorter = replace(catalog_as_if_verified, routes=routes)
    gar = next(r for r in plans(shorter, "P3") if r.route_ids == ("transit-am", "ca-gar"))
    stay = next(f for f in gar.findings if f.rule == "transit.stay")
    assert stay.effect is Effect.NOTE
    assert "may run out if the next steps take their longest (up to 300 days)" in english(stay.text)
