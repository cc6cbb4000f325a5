"""Table tests of the catalog: for a person in a given situation, named
routes and plans get the verdict and the reason the facts file gives (source keys per row)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.pathways.conftest import find, match, reasons

pytestmark = pytest.mark.pure

WITH_PASSPORT = {"has_international_passport": True}
IN_ARMENIA = {"current_country": "AM", "has_international_passport": True}
IN_GEORGIA = {"current_country": "GE", "has_international_passport": True}


@dataclass(frozen=True)
class Expect:
    verdict: str
    fails: tuple[str, ...] = ()  # rule ids that must close it (all of them, nothing else)
    says: tuple[str, ...] = field(default=())  # words that must appear in its reasons


@dataclass(frozen=True)
class Row:
    name: str
    facts: dict[str, object]
    expect: dict[tuple[str, ...], Expect]


TABLE = [
    Row(
        "S10/S27: inside Russia, Canada's GAR is closed by the outside-the-country rule",
        {},
        {
            ("ca-gar",): Expect(
                "ineligible", ("location",), ("outside their country of nationality",)
            ),
            ("transit-am", "ca-gar"): Expect("after_steps"),
        },
    ),
    Row(
        "S38: the Swiss humanitarian visa is open from inside Russia, ties counting for it",
        WITH_PASSPORT,
        {("ch-humanitarian-visa",): Expect("eligible", (), ("Ties to Switzerland matter",))},
    ),
    Row(
        "S38: people already in a third state are refused the Swiss visa",
        IN_ARMENIA,
        {
            ("ch-humanitarian-visa",): Expect(
                "ineligible", ("location",), ("still inside their country of nationality",)
            )
        },
    ),
    Row(
        "S39: Spain's Art. 38 needs an embassy outside the person's own country",
        WITH_PASSPORT,
        {
            ("es-embassy-transfer",): Expect("ineligible", ("location",)),
            ("transit-am", "es-embassy-transfer"): Expect("after_steps"),
        },
    ),
    Row(
        "S39: from Armenia the Spanish embassy route is open, weighed by the physical risk",
        {**IN_ARMENIA, "urgency": "normal"},
        {
            ("es-embassy-transfer",): Expect(
                "eligible", (), ("physical integrity is at risk", "Discretionary")
            )
        },
    ),
    Row(
        "S23/S41: Dutch asylum is only on Dutch territory",
        WITH_PASSPORT,
        {
            ("nl-asylum",): Expect(
                "ineligible", ("location",), ("Only for people already in the Netherlands",)
            )
        },
    ),
    Row(
        "S23: a person who reached the Netherlands can claim asylum there, free of charge",
        {"current_country": "NL", "has_international_passport": True},
        {("nl-asylum",): Expect("eligible")},
    ),
    Row(
        "S47: UK resettlement has no application process: without a UNHCR referral it is closed",
        IN_ARMENIA,
        {("gb-resettlement",): Expect("ineligible", ("referral",), ("no way to ask",))},
    ),
    Row(
        "S47: with a UNHCR referral in hand, UK resettlement is open",
        {**IN_ARMENIA, "referral": "unhcr", "unhcr_registered": True},
        {("gb-resettlement",): Expect("eligible")},
    ),
    Row(
        "S28: the Urgent Protection Program needs an immediate threat",
        IN_GEORGIA,
        {
            ("ca-upp",): Expect(
                "ineligible", ("ca-upp:immediate-threat",), ("immediate threat to life",)
            )
        },
    ),
    Row(
        "S28/S50: in an emergency in Georgia, UPP opens after UNHCR registration and referral",
        {**IN_GEORGIA, "urgency": "emergency"},
        {("ca-upp",): Expect("after_steps")},
    ),
    Row(
        "UNHCR registers nobody in Armenia: UPP, which only UNHCR refers to, is closed there",
        {**IN_ARMENIA, "urgency": "emergency"},
        {
            ("ca-upp",): Expect(
                "ineligible", ("referral",), ("UNHCR does not register refugees in Armenia",)
            )
        },
    ),
    Row(
        "S31: the Rainbow Refugee partnership is not for emergencies",
        {**IN_ARMENIA, "urgency": "emergency", "sponsor_available": True},
        {("ca-rrap",): Expect("ineligible", ("ca-rrap:not-emergency",), ("Rainbow Railroad",))},
    ),
    Row(
        "S31: the Rainbow Refugee partnership is for LGBT people with a sponsoring group",
        {**IN_ARMENIA, "profile": ["journalist"]},
        {("ca-rrap",): Expect("ineligible", ("profile",), ("LGBT people",))},
    ),
    Row(
        "S30: the Human Rights Defenders stream is for defenders only",
        IN_ARMENIA,
        {("ca-hrd",): Expect("ineligible", ("profile",), ("human rights defenders",))},
    ),
    Row(
        "S30: a defender in Armenia reaches the HRD stream after registration and referral",
        {**IN_ARMENIA, "profile": ["lgbt", "human_rights_defender"]},
        {("ca-hrd",): Expect("after_steps")},
    ),
    Row(
        "S35: Germany's §22 sentence 2 is suspended in 2025 even for a journalist",
        {**WITH_PASSPORT, "profile": ["journalist"]},
        {("de-political-interest",): Expect("ineligible", ("status",), ("Suspended",))},
    ),
    Row(
        "S51: Argentina's Programa Siria was repealed in 2024 (and was for Syrians)",
        {**WITH_PASSPORT, "sponsor_available": True},
        {
            ("ar-programa-siria",): Expect(
                "ineligible", ("status", "nationality"), ("Repealed", "Syria")
            )
        },
    ),
    Row(
        "S52: Brazil's humanitarian visa does not cover Russians",
        WITH_PASSPORT,
        {("br-humanitarian-visa",): Expect("ineligible", ("nationality",), ("Afghanistan",))},
    ),
    Row(
        "S43: Lautenberg P-2 is for religious minorities, not LGBT claims (and suspended)",
        {**WITH_PASSPORT, "sponsor_available": True, "ties": ["US"]},
        {
            ("us-lautenberg-p2",): Expect(
                "ineligible", ("status", "profile"), ("religious minorities", "Suspended")
            )
        },
    ),
    Row(
        "EO 14163: even a religious minority member with a US relative finds P-2 suspended",
        {
            **WITH_PASSPORT,
            "profile": ["religious_minority"],
            "sponsor_available": True,
            "ties": ["US"],
        },
        {("us-lautenberg-p2",): Expect("ineligible", ("status",), ("Suspended",))},
    ),
    Row(
        "EO 14163: US refugee admissions are suspended, even with an embassy referral",
        {**WITH_PASSPORT, "referral": "embassy"},
        {("us-refugee-p1",): Expect("ineligible", ("status",), ("Suspended",))},
    ),
    Row(
        "EO 14163: a person in Armenia with a UNHCR referral is not offered USRAP as open",
        {**IN_ARMENIA, "referral": "unhcr", "unhcr_registered": True},
        {
            ("us-refugee-p1",): Expect("ineligible", ("status",), ("Suspended",)),
            ("us-lautenberg-p2",): Expect("ineligible", ("status", "profile", "location")),
        },
    ),
    Row(
        "IRCC pause: a person in Armenia with five sponsors finds Groups of Five closed",
        {**IN_ARMENIA, "sponsor_available": True},
        {("ca-psr-groups",): Expect("ineligible", ("status",), ("Suspended",))},
    ),
    Row(
        "GAR from Armenia: an NGO that is not a designated partner does not open it",
        {**IN_ARMENIA, "referral": "ngo", "referrer": "other_ngo"},
        {("ca-gar",): Expect("after_steps", (), ())},
    ),
    Row(
        "GAR from Armenia: Rainbow Railroad's referral opens it (a designated partner)",
        {**IN_ARMENIA, "referral": "ngo", "referrer": "rainbow_railroad"},
        {("ca-gar",): Expect("eligible")},
    ),
    Row(
        "GAR from Armenia: a UNHCR referral still counts as UNHCR's",
        {**IN_ARMENIA, "referral": "unhcr", "unhcr_registered": True},
        {("ca-gar",): Expect("eligible")},
    ),
    Row(
        "Asylum in Armenia is open to a person who is there, free, decided within 3 months",
        IN_ARMENIA,
        {("am-asylum",): Expect("eligible")},
    ),
    Row(
        "Belarus is never a way out: its leg is closed with the reason to avoid it",
        {},
        {("transit-by",): Expect("ineligible", ("transit.avoid",), ("Do not go to Belarus",))},
    ),
    Row(
        "S45/S25: US asylum needs the person in the US",
        WITH_PASSPORT,
        {
            ("us-asylum",): Expect(
                "ineligible", ("location",), ("Only for people already in the United States",)
            )
        },
    ),
    Row(
        "S51/S53: visa-free entry to Argentina, then an asylum claim there",
        WITH_PASSPORT,
        {("transit-ar", "ar-asylum"): Expect("after_steps")},
    ),
    Row(
        "S36: France's asylum visa needs links to France",
        WITH_PASSPORT,
        {
            ("fr-asylum-visa",): Expect(
                "ineligible", ("fr-asylum-visa:links-to-france",), ("links to France",)
            )
        },
    ),
    Row(
        "S36: with ties to France and a current threat, the asylum visa is open",
        {**WITH_PASSPORT, "ties": ["FR"]},
        {("fr-asylum-visa",): Expect("eligible", (), ("Discretionary",))},
    ),
    Row(
        "S29: private sponsorship needs a sponsor",
        IN_ARMENIA,
        {("ca-psr",): Expect("ineligible", ("sponsor",), ("Needs a sponsor",))},
    ),
    Row(
        "S29: with a sponsor in place, private sponsorship is open from Armenia",
        {**IN_ARMENIA, "sponsor_available": True},
        {("ca-psr",): Expect("eligible")},
    ),
    Row(
        "S11/S13: the 2017 Canadian evacuation is a precedent: history, never open",
        WITH_PASSPORT,
        {
            ("ca-evacuation-2017",): Expect(
                "ineligible", ("status",), ("A precedent, not a standing",)
            )
        },
    ),
    Row(
        "S37: the Schengen LTV visa is discretionary, with no EU obligation to issue it",
        WITH_PASSPORT,
        {("eu-ltv-visa",): Expect("eligible", (), ("Discretionary",))},
    ),
    Row(
        "S40/S17: Lithuania's humanitarian visa needs the international passport",
        {},
        {
            ("lt-humanitarian-visa",): Expect(
                "ineligible",
                ("documents.international_passport",),
                ("Needs an international passport",),
            )
        },
    ),
    Row(
        "S53: a wanted person cannot go through Kazakhstan, which extradites wanted Russians",
        {"exit_barriers": ["wanted"]},
        {
            ("transit-kz",): Expect(
                "ineligible", ("transit-kz:extradition",), ("will be extradited",)
            ),
            ("transit-am", "ca-gar"): Expect("after_steps"),
        },
    ),
    Row(
        "Avoided countries close the leg there: a person who will not go to Armenia",
        {"avoid_countries": ["AM"]},
        {
            ("transit-am",): Expect(
                "ineligible", ("avoid_countries",), ("will not go to Armenia",)
            ),
            ("transit-kz", "ca-gar"): Expect("after_steps"),
        },
    ),
    Row(
        "An exit ban closes every way out of the country of nationality",
        {**WITH_PASSPORT, "exit_barriers": ["exit_ban"]},
        {
            ("transit-am",): Expect("ineligible", ("exit.exit_ban",), ("exit ban",)),
            ("ch-humanitarian-visa",): Expect("ineligible", ("exit.exit_ban",)),
        },
    ),
    Row(
        "S53: without an international passport, Georgia is closed (it takes no internal one)",
        {},
        {
            ("transit-ge",): Expect(
                "ineligible", ("transit.documents",), ("international passport",)
            )
        },
    ),
]


@pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])
def test_route_verdicts_follow_the_facts_file(catalog, row):
    """Each named route or plan gets the verdict, the failing rules and the words expected."""
    results = match(catalog, **row.facts)
    for route_ids, expect in row.expect.items():
        result = find(results, *route_ids)
        assert result.verdict.value == expect.verdict, (route_ids, reasons(result))
        assert set(result.failed_rules) == set(expect.fails), (route_ids, reasons(result))
        text = " ".join(reasons(result))
        for words in expect.says:
            assert words in text, (route_ids, words, text)
