"""The generic evaluator on declared entries: every condition operator, and the checks the
packaged catalog does not happen to exercise, on entries written for the test."""

from __future__ import annotations

import pytest

from corridor.pathways.catalog_files import read_catalog, read_meta
from corridor.pathways.eligibility import starting_point
from corridor.pathways.lint import Level, lint_catalog
from corridor.pathways.matching import Matcher
from corridor.pathways.ranking import RankingInputs
from corridor.pathways.rules import compile_catalog, compile_condition
from corridor.pathways.schema import Condition, entry_content, parse_entry
from corridor.pathways.vocabulary import Position, Urgency, Verdict
from tests.pathways.conftest import TODAY, find, make_facts, reasons, steps

pytestmark = pytest.mark.pure

PACKAGED = {item.entry.id: item.entry for item in read_catalog()}


def declared(source: str, **changes: object):
    return parse_entry({**entry_content(PACKAGED[source]), **changes})


def holds(test: dict[str, object], position: Position = Position.NATIONALITY, **facts) -> bool:
    """Whether `test` passes for a person (inside Russia unless changed)."""
    here = starting_point(make_facts(**facts), today=TODAY, in_country=None)
    return compile_condition(Condition.model_validate(test))(here, position)


@pytest.mark.parametrize(
    ("test", "facts", "expected"),
    [
        ({"fact": "sponsor_available", "is": True}, {"sponsor_available": True}, True),
        ({"fact": "sponsor_available", "is": True}, {}, False),
        ({"fact": "urgency", "in": ["emergency"]}, {"urgency": "emergency"}, True),
        ({"fact": "urgency", "not_in": ["emergency"]}, {"urgency": "emergency"}, False),
        ({"fact": "profile", "any_of": ["journalist", "lgbt"]}, {}, True),
        ({"fact": "profile", "none_of": ["lgbt"]}, {}, False),
        ({"fact": "ties", "contains": "FR"}, {"ties": ["FR", "DE"]}, True),
        ({"fact": "household_size", "at_least": 3}, {"household_size": 3}, True),
        ({"fact": "household_size", "at_most": 2}, {"household_size": 3}, False),
        # An unknown count never satisfies a bound, in either direction.
        ({"fact": "passport_obtain_days", "at_most": 30}, {}, False),
        ({"fact": "passport_obtain_days", "at_least": 0}, {}, False),
        ({"fact": "position", "in": ["third_country"]}, {}, False),
        ({"fact": "holds_internal_passport", "is": True}, {}, True),
        (
            {
                "all": [
                    {"fact": "urgency", "in": ["urgent"]},
                    {"fact": "profile", "contains": "lgbt"},
                ]
            },
            {},
            True,
        ),
        (
            {"any": [{"fact": "urgency", "in": ["normal"]}, {"fact": "ties", "contains": "CH"}]},
            {},
            False,
        ),
        ({"not": {"fact": "exit_barriers", "contains": "wanted"}}, {}, True),
    ],
)
def test_each_condition_operator_means_what_the_decision_record_says(test, facts, expected):
    assert holds(test, **facts) is expected


def test_a_unhcr_only_route_usable_from_inside_says_why_unhcr_cannot_refer_there():
    """UNHCR refers only people outside their country: declared so, the route says it."""
    route = declared("se-refugee-quota", location=["nationality", "third_country"])
    catalog = compile_catalog([route])
    facts = make_facts(has_international_passport=True)
    result = find(Matcher(catalog, today=TODAY).match(facts), "se-refugee-quota")
    assert result.failed_rules == ("referral",)
    assert "only outside the country of nationality" in " ".join(reasons(result))


def test_a_transit_needing_a_visa_is_closed_and_a_stay_unknown_is_not_invented():
    """A first country with a visa closes its leg; with no published stay the travel step
    says nothing about how long."""
    visa = declared(
        "transit-ge",
        entry=[{**entry_content(PACKAGED["transit-ge"])["entry"][0], "visa_free": False}],
    )
    open_ended = declared(
        "transit-am",
        entry=[
            {
                **entry_content(PACKAGED["transit-am"])["entry"][0],
                "stay_days": None,
                "stay_note": None,
            }
        ],
    )
    catalog = compile_catalog([visa, open_ended, PACKAGED["ca-gar"]])
    results = Matcher(catalog, today=TODAY).match(make_facts(has_international_passport=True))
    assert find(results, "transit-ge").failed_rules == ("transit.visa",)
    plan = find(results, "transit-am", "ca-gar")
    assert steps(plan)[0] == "Travel to Armenia with the internal passport."


def test_a_prior_with_both_counts_feeds_the_grant_rate():
    """When the sources give granted and refused, the estimate uses them with our own."""
    route = declared("ca-psr", prior={"granted": 8, "denied": 2, "note": None})
    catalog = compile_catalog([route])
    result = find(
        Matcher(catalog, today=TODAY).match(
            make_facts(current_country="AM", sponsor_available=True)
        ),
        "ca-psr",
    )
    assert result.verdict is Verdict.ELIGIBLE
    assert result.grant_rate == round(9 / 12, 4)
    assert "sources report 8 granted and 2 refused" in reasons(result)[0]


def test_targets_must_be_given_for_every_urgency():
    with pytest.raises(ValueError, match="target days for emergency"):
        RankingInputs(target_days={Urgency.URGENT: 30, Urgency.NORMAL: 90})


def test_lint_needs_both_kinds_of_entry():
    """A catalog of routes only cannot plan a way out: lint refuses it."""
    routes_only = [item for item in read_catalog() if item.entry.kind == "route"]
    findings = lint_catalog(routes_only, meta=read_meta())
    assert [str(f) for f in findings if f.level is Level.ERROR] == [
        "ERROR (catalog): has no transit entry"
    ]
