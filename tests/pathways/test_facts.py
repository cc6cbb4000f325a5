"""Facts arrive as strict JSON: every key required, nothing unknown, every type checked."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from corridor.pathways.facts import (
    FACT_KEYS,
    FactsInvalid,
    facts_from_json_text,
    facts_from_mapping,
    facts_to_mapping,
)
from corridor.pathways.vocabulary import ExitBarrier, Position, Profile, ReferralChannel, Urgency
from tests.pathways.conftest import INSIDE_RUSSIA, make_facts

pytestmark = pytest.mark.pure


def test_the_keys_are_exactly_those_of_the_issue():
    """The seventeen facts, the `referrer` and the optional facts, no more, no fewer."""
    optional = {
        "referrer", "internal_passport_restore_days", "medical_detail", "hunted_by",
        "wanted_scope", "family_filed_case", "confiscated_documents", "previous_refusals",
        "gender_identity", "document_sex_marker", "members", "relation",
    }  # fmt: skip
    assert set(FACT_KEYS) == set(INSIDE_RUSSIA) | optional
    assert len(FACT_KEYS) == 29


def test_the_optional_facts_have_defaults_and_round_trip():
    """A document without the new keys keeps its meaning; with them, the JSON form reads
    back to the same facts, members included; a member with members of their own, a
    refusal that is not a country and an unknown marker are refused by name."""
    plain = make_facts()
    assert plain.hunted_by == frozenset()
    assert plain.taken_documents == frozenset()
    assert not plain.documents_mismatch
    assert make_facts(exit_barriers=["documents_confiscated"]).taken_documents == {
        "internal_passport",
        "international_passport",
    }
    full = make_facts(
        hunted_by=["family"],
        wanted_scope=["federal", "interpol"],
        family_filed_case=True,
        confiscated_documents=["internal_passport"],
        previous_refusals=["DE"],
        gender_identity="woman",
        document_sex_marker="M",
        members=[{**INSIDE_RUSSIA, "has_internal_passport": False}],
    )
    assert full.documents_mismatch
    assert facts_from_mapping(facts_to_mapping(full)) == full
    with pytest.raises(FactsInvalid, match="previous_refusals"):
        make_facts(previous_refusals=["Germany"])
    with pytest.raises(FactsInvalid, match="document_sex_marker"):
        make_facts(document_sex_marker="X")
    with pytest.raises(FactsInvalid, match=r"members\[1\]\.urgency"):
        make_facts(members=[{**INSIDE_RUSSIA, "urgency": "soon"}])
    with pytest.raises(FactsInvalid, match="members"):
        make_facts(members=[{**INSIDE_RUSSIA, "members": [INSIDE_RUSSIA]}])


def test_a_document_without_referrer_reads_as_no_designated_referrer():
    """Facts written before `referrer` existed keep their meaning: nobody designated refers."""
    assert make_facts().referrer == "none"
    assert make_facts(referral="ngo").referrer == "none"


def test_a_referrer_that_is_not_a_code_is_refused():
    with pytest.raises(FactsInvalid, match="referrer"):
        facts_from_mapping({**INSIDE_RUSSIA, "referrer": "Rainbow Railroad"})


def test_a_full_document_reads_into_typed_facts():
    """Lists become sets of known values; dates become dates."""
    facts = make_facts(
        exit_barriers=["wanted", "wanted"],
        profile=["lgbt", "journalist"],
        international_passport_expiry="2027-03-01",
        has_international_passport=True,
        referral="unhcr",
        urgency="emergency",
    )
    assert facts.exit_barriers == frozenset({ExitBarrier.WANTED})
    assert facts.profile == frozenset({Profile.LGBT, Profile.JOURNALIST})
    assert facts.international_passport_expiry == date(2027, 3, 1)
    assert facts.referral is ReferralChannel.UNHCR
    assert facts.urgency is Urgency.EMERGENCY


def test_facts_survive_a_round_trip_through_json():
    """What facts_to_mapping writes, facts_from_mapping reads back unchanged."""
    facts = make_facts(
        ties=["FR", "DE"],
        exit_barriers=["exit_ban"],
        has_international_passport=True,
        international_passport_expiry="2030-01-31",
    )
    assert facts_from_json_text(json.dumps(facts_to_mapping(facts))) == facts


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"household_size": 0}, "household_size"),
        ({"passport_obtain_days": -1}, "passport_obtain_days"),
        ({"ties": frozenset({"France"})}, "ties"),
    ],
)
def test_facts_built_in_code_are_checked_too(changes, key):
    """Facts from a case (not JSON) keep the same invariants."""
    with pytest.raises(FactsInvalid) as raised:
        replace(make_facts(), **changes)
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"nationality": "Russia"}, "nationality"),
        ({"nationality": "EU"}, "nationality"),
        ({"current_country": None}, "current_country"),
        ({"has_internal_passport": "yes"}, "has_internal_passport"),
        ({"has_international_passport": 1}, "has_international_passport"),
        ({"international_passport_expiry": "01.03.2027"}, "international_passport_expiry"),
        ({"international_passport_expiry": 20270301}, "international_passport_expiry"),
        ({"passport_obtain_days": -3}, "passport_obtain_days"),
        ({"passport_obtain_days": True}, "passport_obtain_days"),
        ({"passport_obtain_days": 4.5}, "passport_obtain_days"),
        ({"exit_barriers": "wanted"}, "exit_barriers"),
        ({"exit_barriers": ["arrested"]}, "exit_barriers"),
        ({"referral": "UNHCR"}, "referral"),
        ({"ties": ["fr"]}, "ties"),
        ({"avoid_countries": [7]}, "avoid_countries"),
        ({"profile": ["gay"]}, "profile"),
        ({"urgency": "high"}, "urgency"),
        ({"household_size": 0}, "household_size"),
        ({"household_size": "2"}, "household_size"),
        ({"medical_needs": None}, "medical_needs"),
    ],
)
def test_a_mistyped_fact_is_refused_by_name(changes, key):
    """A wrong type or value names the key, so the caseworker knows what to fix."""
    with pytest.raises(FactsInvalid) as raised:
        make_facts(**changes)
    assert raised.value.key == key
    assert str(raised.value).startswith(f"{key}: ")


def test_a_missing_fact_is_refused_by_name():
    """Every fact is required: null is how to say "unknown" where it is allowed."""
    document = dict(INSIDE_RUSSIA)
    del document["unhcr_registered"]
    with pytest.raises(FactsInvalid) as raised:
        facts_from_mapping(document)
    assert raised.value.key == "unhcr_registered"
    assert "missing" in str(raised.value)


def test_an_unknown_fact_is_refused_by_name():
    """A misspelt key is never silently ignored."""
    with pytest.raises(FactsInvalid) as raised:
        facts_from_mapping({**INSIDE_RUSSIA, "has_pasport": True})
    assert raised.value.key == "has_pasport"
    assert "unknown key" in str(raised.value)


@pytest.mark.parametrize("text", ["", "[1, 2]", "{", '"facts"'])
def test_a_document_that_is_not_one_object_is_refused(text):
    """Broken JSON or the wrong shape is bad input, not a crash."""
    with pytest.raises(FactsInvalid):
        facts_from_json_text(text)


@pytest.mark.parametrize(
    ("current", "country", "position"),
    [
        ("RU", "CA", Position.NATIONALITY),
        ("AM", "CA", Position.THIRD_COUNTRY),
        ("CA", "CA", Position.DESTINATION),
    ],
)
def test_where_the_person_is_gives_their_position_for_each_route(current, country, position):
    """current_country places the person relative to each route's country."""
    assert make_facts(current_country=current).position_for(country) is position
