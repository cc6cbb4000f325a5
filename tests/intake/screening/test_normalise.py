"""Normal forms of phones, documents, names and dates: two spellings of one value meet."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.intake.screening.facts import Facts, facts_from_answers
from corridor.intake.screening.normalise import (
    birth_year,
    documents_in_text,
    fold_token,
    name_pairs,
    normalise_dob,
    normalise_document,
    normalise_phone,
    phones_in_text,
)

pytestmark = pytest.mark.pure

# Fictional combinations of common Russian and Chechen given names and surnames.
GIVEN = [
    "Магомед", "Хасан", "Дмитрий", "Евгений", "Фёдор", "Юсуп", "Мария", "Юлия", "Алексей",
    "Александр", "Зелимхан", "Джабраил", "Ислам", "Руслан", "Ахмед", "Ильяс", "Андрей",
    "Сергей", "Наталья", "Елена", "Анастасия", "Лейла", "Зарема", "Аслан", "Тимур", "Яна",
    "Вадим", "Григорий", "Муслим", "Шамиль", "Илья", "Ксения", "Хеда", "Ибрагим",
]  # fmt: skip
FAMILY = [
    "Хасанов", "Магомедов", "Григорьев", "Фёдоров", "Джабраилов", "Валиев", "Андреев",
    "Исмаилов", "Кадыров", "Яковлев", "Ильин", "Соколов", "Шамилев", "Цой", "Юсупова",
    "Ахмадова", "Зубайраев", "Чеченов", "Щукин", "Бейсултанов", "Эльмурзаев", "Жуков",
    "Гайтукаев", "Мусаев", "Ёлкин", "Хаджиев", "Тимурова", "Алексеев",
]  # fmt: skip

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e",
}  # fmt: skip
# The Russian passport (ICAO 2013), BGN/PCGN, and the spellings people write themselves.
SCHEMES = {
    "icao": _COMMON | {"е": "e", "ё": "e", "й": "i", "х": "kh", "ю": "iu", "я": "ia"},
    "bgn": _COMMON | {"е": "e", "ё": "yo", "й": "y", "х": "kh", "ю": "yu", "я": "ya", "ь": "'"},
    "popular": _COMMON | {"е": "e", "ё": "yo", "й": "y", "х": "h", "ю": "yu", "я": "ya"},
}
VOWELS = set("аеёиоуыэюя")


def transliterate(word: str, scheme: str) -> str:
    table = SCHEMES[scheme]
    out = []
    lower = word.lower()
    for i, char in enumerate(lower):
        previous = lower[i - 1] if i else ""
        if scheme == "bgn" and char == "е" and (not previous or previous in VOWELS | {"ь", "ъ"}):
            out.append("ye")
        elif scheme == "popular" and lower.endswith("ий") and i == len(lower) - 2:
            out.append("")  # Dmitry, Grigory
        else:
            out.append(table[char])
    return "".join(out).capitalize()


VARIANTS = {
    "kh_as_h": lambda w: w.replace("kh", "h").replace("Kh", "H"),
    "ov_as_off": lambda w: w[:-2] + "off" if w.endswith("ov") else w,
    "ev_as_eff": lambda w: w[:-2] + "eff" if w.endswith("ev") else w,
    "final_d_as_t": lambda w: w[:-1] + "t" if w.endswith("d") else w,
    "doubled": lambda w: w[:2] + w[1] + w[2:] if len(w) > 3 and w[1] not in "aeiouy" else w,
    "ks_as_x": lambda w: w.replace("ks", "x"),
    "ts_as_tz": lambda w: w.replace("ts", "tz"),
    "none": lambda w: w,
}

names = st.tuples(
    st.sampled_from(GIVEN),
    st.sampled_from(FAMILY),
    st.sampled_from(sorted(SCHEMES)),
    st.sampled_from(sorted(VARIANTS)),
    st.sampled_from(sorted(VARIANTS)),
    st.booleans(),
)


def check_variant(given_name: str, family: str, scheme: str, v1: str, v2: str, swap: bool) -> None:
    latin = [
        VARIANTS[v1](transliterate(given_name, scheme)),
        VARIANTS[v2](transliterate(family, scheme)),
    ]
    written = " ".join(reversed(latin) if swap else latin)
    assert name_pairs(f"{given_name} {family}") == name_pairs(written), written


@given(names)
@settings(max_examples=400, deadline=None)
def test_listed_variants_of_a_name_meet_its_cyrillic_form(case):
    """A Cyrillic name and its Latin spellings (three schemes, each listed variant, either
    order) give the same name key."""
    check_variant(*case)


@pytest.mark.slow
@given(names)
@settings(max_examples=10_000, deadline=None)
def test_no_false_negatives_over_ten_thousand_name_pairs(case):
    """Hypothesis over 10^4 Cyrillic/Latin name pairs: no listed variant is missed."""
    check_variant(*case)


def test_the_issue_s_three_spellings_are_one_name():
    """ "Магомед Хасанов", "Magomed Khasanov" and "Magomet Hasanov" are one person."""
    keys = {
        frozenset(name_pairs(n)) for n in ("Магомед Хасанов", "Magomed Khasanov", "Magomet Hasanov")
    }
    assert keys == {frozenset({"hasanof magomet"})}


def test_different_people_keep_different_names():
    """Folding does not merge different names."""
    assert name_pairs("Магомед Хасанов") != name_pairs("Магомед Хасбулатов")
    assert name_pairs("Мария Иванова") != name_pairs("Марина Иванова")
    assert fold_token("Ислам") != fold_token("Ильяс")


def test_a_name_needs_two_words_and_patronymics_still_meet():
    """One word is no name key; a patronymic added still shares the given/family pair."""
    assert name_pairs("Магомед") == set()
    assert name_pairs("") == set()
    assert "hasanof magomet" in name_pairs("Хасанов Магомед Алиевич")
    assert name_pairs("Dmitriy Grigor'yev") == name_pairs("Дмитрий Григорьев")


def test_phone_numbers_in_russian_national_and_international_forms_meet():
    """89281234567, +7 928 123-45-67 and 8 (928) 123 45 67 are one number."""
    forms = {"89281234567", "+7 928 123-45-67", "8 (928) 123 45 67", "+79281234567"}
    assert {normalise_phone(form) for form in forms} == {"+79281234567"}
    assert normalise_phone("not a phone") is None
    assert normalise_phone("12") is None


def test_phone_numbers_are_found_in_free_text():
    """A contact field or story gives up every phone number in it, in E.164."""
    text = "Пишите в телеграм 8 928 123-45-67, или сестре: +995 599 12 34 56."
    assert phones_in_text(text) == {"+79281234567", "+995599123456"}
    assert phones_in_text("позвоните вечером") == set()


def test_document_numbers_in_their_usual_writings_meet_and_are_found_in_text():
    """Passport and birth certificate numbers compare without spaces, dashes or the
    Cyrillic look-alike letters; phone numbers in the same text are not documents."""
    assert normalise_document("45 10 123456") == normalise_document("4510-123456") == "4510123456"
    assert normalise_document("IV-КВ 123456") == normalise_document("iv-kb 123456")
    assert normalise_document("12") is None
    text = "паспорт 45 10 123456, загран 75 1234567, тел. 8 928 123-45-67, свид. IV-КВ 123456"
    assert documents_in_text(text) == {"4510123456", "751234567", "IVKB123456"}


def test_dates_of_birth_and_years():
    assert normalise_dob("1990-03-04") == "1990-03-04"
    assert normalise_dob(date(1990, 3, 4)) == "1990-03-04"
    assert normalise_dob("04.03.1990") is None
    assert normalise_dob("1812-01-01") is None
    assert normalise_dob(None) is None
    assert birth_year("1990-03-04") == 1990


def test_facts_from_a_portal_and_a_hotline_request():
    """The portal's name and contact fields and the hotline's fields give the same facts;
    a number only mentioned in the story is kept apart from the requester's own."""
    portal = facts_from_answers(
        {
            "name_to_use": "Магомед Хасанов",
            "safe_contact": "звонить 89281234567 после 20:00",
            "story": "Сестра: +7 928 765-43-21. Паспорт 45 10 123456 забрали.",
        }
    )
    hotline = facts_from_answers(
        {
            "full_name": "Magomet Hasanov",
            "phone": "+7 928 123-45-67",
            "date_of_birth": "1990-03-04",
            "document_number": "4510 123456",
        }
    )
    assert portal.phones == hotline.phones == {"+79281234567"}
    assert portal.mentioned == {"+79287654321"}
    assert portal.names == hotline.names
    assert portal.documents == hotline.documents == {"4510123456"}
    assert hotline.years == {1990}
    assert Facts.from_json(hotline.as_json()) == hotline
    assert Facts.from_json("garbage") == Facts()
