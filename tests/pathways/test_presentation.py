"""Every phrase the matcher can produce is worded, in both languages, with its numbers."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from corridor.pathways.presentation import LABELS, TEMPLATES, results_json, word
from corridor.pathways.vocabulary import Document, ExitBarrier, Profile
from corridor.pathways.words import Country, PhraseCode, phrase
from tests.pathways.conftest import match

pytestmark = pytest.mark.pure

SITUATIONS = [
    {},
    {"has_international_passport": True, "exit_barriers": ["wanted", "criminal_case"]},
    {"current_country": "KZ", "has_international_passport": True, "exit_barriers": ["wanted"]},
    {"exit_barriers": ["documents_confiscated", "exit_ban"], "avoid_countries": ["AM"]},
    {"can_obtain_international_passport": True, "passport_obtain_days": 30, "ties": ["FR"]},
    {"current_country": "NL", "has_international_passport": True, "profile": ["journalist"]},
    {"nationality": "SY", "current_country": "TR", "sponsor_available": True},
]


def test_every_generated_phrase_has_words():
    """No phrase code can reach a caseworker as a bare code (the sentence is composed)."""
    missing = set(PhraseCode) - set(TEMPLATES) - {PhraseCode.RANK_SENTENCE}
    assert missing == set()


def test_every_label_the_phrases_use_has_words():
    assert set(Profile) | set(Document) | set(ExitBarrier) <= set(LABELS)


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_result_words_completely(catalog, situation, lang):
    """Whatever the facts, every name, reason, step and risk renders with no placeholder
    left and nothing empty."""
    for result in results_json(match(catalog, **situation), lang=lang):
        texts = [
            *result["names"],
            *result["reasons"],
            *result["risk_notes"],
            *(step["text"] for step in result["steps"]),
        ]
        for text in texts:
            assert text.strip(), result["route_ids"]
            assert "%(" not in text, text


def test_counts_choose_the_plural_form():
    """1 step, 2 steps: the count picks the form."""
    with override("en"):
        assert word(phrase(PhraseCode.RANK_OPEN_AFTER, steps=1), "en") == "open after 1 step"
        assert word(phrase(PhraseCode.RANK_OPEN_AFTER, steps=2), "en") == "open after 2 steps"


def test_russian_counts_take_all_three_forms():
    """1 день, 2 дня, 5 дней, 21 день: Russian agrees with the number, with no «дн.»."""
    with override("ru"):
        spans = {n: word(phrase(PhraseCode.SPAN_DAYS, days=n), "ru") for n in (1, 2, 5, 21)}
        assert spans == {1: "1 день", 2: "2 дня", 5: "5 дней", 21: "21 день"}
        days = word(
            phrase(
                PhraseCode.RANK_DAYS,
                time=phrase(PhraseCode.SPAN_DAYS, days=563),
                target=phrase(PhraseCode.SPAN_DAYS, days=365),
            ),
            "ru",
        )
        assert days == "до безопасности примерно 563 дня при цели 365 дней"


def test_russian_declines_the_country_after_its_preposition():
    """«Для въезда в Грузию», «уже находится в Нидерландах», not «в эту страну (Грузия)»."""
    with override("ru"):
        visa = word(phrase(PhraseCode.TRANSIT_VISA, country=Country("GE")), "ru")
        already = word(phrase(PhraseCode.LOCATION_DESTINATION, country=Country("NL")), "ru")
        unknown = word(phrase(PhraseCode.AVOID, country=Country("XK")), "ru")
    assert visa == "Для въезда в Грузию нужна виза."
    assert already == "Только для тех, кто уже находится в Нидерландах."
    assert unknown == "Человек не поедет в страну XK."
    with override("en"):
        assert word(phrase(PhraseCode.TRANSIT_VISA, country=Country("GE")), "en") == (
            "Entry to Georgia needs a visa."
        )


def test_catalog_text_follows_the_language(catalog):
    """Names and risks come from the catalog in the language asked for."""
    [english] = [r for r in results_json(match(catalog), lang="en") if r["route_ids"] == ["ca-gar"]]
    [russian] = [r for r in results_json(match(catalog), lang="ru") if r["route_ids"] == ["ca-gar"]]
    assert english["names"] == ["Government-Assisted Refugees (GAR)"]
    assert russian["names"] == ["Беженцы при государственной поддержке (GAR)"]
