"""Places typed by name resolve to ISO 3166 codes; unknown and shared names say what to type."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from corridor.core import places
from corridor.core.places import PlaceAmbiguous, PlaceNotFound, resolve_place

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("typed", "lang", "code", "country"),
    [
        ("Armenia", "en", "AM", "AM"),
        ("Армения", "ru", "AM", "AM"),
        ("Германия", "ru", "DE", "DE"),
        ("Russian Federation", "en", "RU", "RU"),
        ("Чеченская Республика", "ru", "RU-CE", "RU"),  # the official Russian name
        ("Dagestan, Respublika", "en", "RU-DA", "RU"),  # the ISO 3166-2 name
        ("RU-CE", "en", "RU-CE", "RU"),
        ("de", "en", "DE", "DE"),
    ],
)
def test_countries_and_regions_resolve_by_their_names_in_either_language(
    typed, lang, code, country
):
    place = resolve_place(typed, lang=lang)
    assert (place.code, place.country) == (code, country)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Чечня", "RU-CE"),
        ("чечня", "RU-CE"),
        ("Ичкерия", "RU-CE"),
        ("Chechnya", "RU-CE"),
        ("Дагестан", "RU-DA"),
        ("Ингушетия", "RU-IN"),
        ("Кабарда", "RU-KB"),
        ("Питер", "RU-SPE"),
        ("США", "US"),
        ("Белоруссия", "BY"),
    ],
)
def test_everyday_names_resolve(typed, code):
    assert resolve_place(typed, lang="ru").code == code


def test_a_city_lands_in_its_country_and_its_region():
    """Грозный is in Chechnya; Ереван resolves to Armenia whatever the language."""
    grozny = resolve_place("Грозный", lang="ru", kinds=("city",))
    assert (grozny.country, grozny.region) == ("RU", "RU-CE")
    assert places.describe(grozny, "ru") == "Грозный (Чечня)"
    assert resolve_place("Makhachkala", lang="en").region == "RU-DA"
    assert resolve_place("Ереван", lang="ru").country == "AM"
    assert resolve_place("Tbilisi", lang="en").country == "GE"


def test_a_typo_gets_a_sentence_with_suggestions():
    with override("ru"), pytest.raises(PlaceNotFound) as typo:
        resolve_place("Грзный", lang="ru")
    assert "Грозный (Чечня)" in typo.value.suggestions
    assert str(typo.value) == "Не нашли «Грзный». Возможно: Грозный (Чечня)."


def test_suggestions_are_russian_spellings_naming_each_place_once():
    """GeoNames holds Serbian and Belarusian spellings too ("Ервајн", "Эрэван"): a Russian
    speaker is offered Yerevan once, and no letters outside the Russian alphabet."""
    with override("ru"), pytest.raises(PlaceNotFound) as typo:
        resolve_place("Ерван", lang="ru")
    suggestions = typo.value.suggestions
    assert suggestions[0] == "Ереван (Армения)"
    assert not any("Эрэван" in s for s in suggestions)
    russian = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
    letters = {c.lower() for s in suggestions for c in s if "\u0400" <= c <= "\u04ff"}
    assert letters <= russian


def test_nothing_like_it_says_what_to_type():
    with pytest.raises(PlaceNotFound) as unknown:
        resolve_place("Xyzzyq", lang="en")
    assert unknown.value.suggestions == []


def test_a_shared_name_is_ambiguous_until_the_country_is_added():
    """Lincoln is a city in England, in the United States and in Argentina."""
    with pytest.raises(PlaceAmbiguous) as shared:
        resolve_place("Линкольн", lang="ru")
    assert len(shared.value.suggestions) >= 2
    assert resolve_place("Линкольн (Великобритания)", lang="ru").country == "GB"
    assert resolve_place("Lincoln, UK", lang="en").country == "GB"


def test_a_country_wins_over_a_region_of_the_same_name():
    """Georgia the country, not the US state."""
    assert resolve_place("Georgia", lang="en").code == "GE"


def test_lists_of_countries_and_names_of_codes():
    assert places.resolve_countries("Германия, Armenia; Грузия", lang="ru") == ["AM", "DE", "GE"]
    assert places.resolve_countries("", lang="ru") == []
    assert places.place_name("RU-CE", "ru") == "Чечня"
    assert places.place_name("AM", "en") == "Armenia"
    assert places.place_name("", "en") == ""
    assert "Чечня" in places.datalist_names("ru")


def test_a_language_typed_as_its_code_is_named_and_other_text_stays_as_typed():
    assert places.language_name("ru", "ru") == "русский"
    assert places.language_name("che", "ru") == "чеченский"
    assert places.language_name("ce", "en") == "Chechen"
    assert places.language_name("чеченский", "ru") == "чеченский"
    assert places.language_name("zz", "ru") == "zz"
