"""Codenames: enough entropy, words a person can type, and typing forgiven as promised."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.intake import codenames
from corridor.intake.codenames import (
    DIGITS,
    WORDS_PER_CODENAME,
    canonical_codename,
    entropy_bits,
    new_codename,
    within_one_edit,
    words,
)

pytestmark = pytest.mark.pure
ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбю"


def test_the_scheme_has_at_least_56_bits_of_entropy():
    """Five words from the list and four digits, computed from the list as shipped."""
    distinct = len(set(words()))
    bits = WORDS_PER_CODENAME * math.log2(distinct) + DIGITS * math.log2(10)
    assert bits >= 56
    assert entropy_bits() == pytest.approx(bits)
    assert distinct == 2048
    assert entropy_bits() == pytest.approx(68.29, abs=0.01)


def test_the_words_are_short_lower_case_cyrillic_without_yo():
    """Easy to type on a phone: 3 to 8 plain Cyrillic letters, ё written as е, no hard sign."""
    assert all(re.fullmatch(r"[а-я]{3,8}", word) for word in words())
    assert not any("ё" in word or "ъ" in word for word in words())
    assert list(words()) == sorted(set(words()))


def test_no_word_is_one_that_a_person_in_hiding_should_not_write_down():
    """Spot checks on the generator's blocklist (scripts/make_codename_words.py)."""
    never = {"полиция", "тюрьма", "паспорт", "виза", "побег", "гей", "голубой", "петух", "секс"}
    assert never.isdisjoint(words())


def ball(word: str) -> set[str]:
    near = {word}
    for i in range(len(word)):
        near.add(word[:i] + word[i + 1 :])
        near.update(word[:i] + letter + word[i + 1 :] for letter in ALPHABET)
    for i in range(len(word) + 1):
        near.update(word[:i] + letter + word[i:] for letter in ALPHABET)
    for i in range(len(word) - 1):
        near.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return near


def test_no_single_typo_is_near_two_words():
    """Every string one typo from a word is one typo from no other word, so a typo is
    always corrected to the word that was meant."""
    seen: dict[str, str] = {}
    clashes = []
    for word in words():
        for near in ball(word):
            other = seen.setdefault(near, word)
            if other != word:
                clashes.append((other, word, near))
    assert clashes == []


def test_a_new_codename_is_five_listed_words_and_four_digits():
    codename = new_codename()
    *found, digits = codename.split(" ")
    assert len(found) == WORDS_PER_CODENAME
    assert set(found) <= set(words())
    assert re.fullmatch(r"\d{4}", digits)
    assert canonical_codename(codename) == codename


def test_new_codenames_differ():
    assert len({new_codename() for _ in range(200)}) == 200


def sample() -> str:
    rng = random.Random(7)
    chosen = [rng.choice(words()) for _ in range(WORDS_PER_CODENAME)]
    return " ".join([*chosen, "0427"])


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.upper(),
        lambda c: "  " + c.replace(" ", "   ") + "\n",
        lambda c: c.replace(" ", "-"),
        lambda c: c.replace(" ", ", "),
        lambda c: c.replace("е", "ё"),
        lambda c: c.replace("0427", "").strip() + " 04 27",
        lambda c: "0427 " + c.replace(" 0427", ""),
    ],
)
def test_case_spacing_punctuation_and_yo_are_forgiven(typed):
    codename = sample()
    assert canonical_codename(typed(codename)) == codename


def test_the_wrong_keyboard_layout_is_forgiven():
    """Words typed with the Latin layout on ("jekfrj" for "облако") still match."""
    codename = sample()
    to_latin = str.maketrans(CYRILLIC, LATIN)
    assert canonical_codename(codename.translate(to_latin)) == codename


def test_a_stray_latin_lookalike_letter_is_forgiven():
    codename = sample()
    first = codename.split(" ")[0]
    lookalike = first.replace("о", "o", 1).replace("а", "a", 1).replace("е", "e", 1)
    assert canonical_codename(codename.replace(first, lookalike, 1)) == codename


def typo(word: str, rng: random.Random) -> str:
    kind = rng.choice(["drop", "add", "change", "swap"] if len(word) > 2 else ["add", "change"])
    i = rng.randrange(len(word))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "add":
        return word[:i] + rng.choice(ALPHABET) + word[i:]
    if kind == "change":
        return word[:i] + rng.choice(ALPHABET.replace(word[i], "")) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def test_one_typo_in_every_word_is_forgiven():
    """1,000 codenames, each word with one random typo: every one reads back right."""
    rng = random.Random(2024)
    for _ in range(1000):
        chosen = [rng.choice(words()) for _ in range(WORDS_PER_CODENAME)]
        codename = " ".join([*chosen, "1234"])
        mistyped = " ".join([typo(word, rng) for word in chosen] + ["1234"])
        assert canonical_codename(mistyped) == codename, mistyped


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "облако 1234",
        lambda c: c.replace("0427", "427"),
        lambda c: c.replace("0427", "04271"),
        lambda c: c + " " + words()[0],
        lambda c: c.replace(" 0427", ""),
        lambda c: " ".join(w[:-3] + "ююю" if not w.isdigit() else w for w in c.split()),
        "x" * 500,
        "<script>alert(1)</script>",
        None,
    ],
)
def test_what_cannot_be_a_codename_reads_as_none(typed):
    value = typed(sample()) if callable(typed) else typed
    assert canonical_codename(value) is None


def test_two_typos_in_a_word_are_not_guessed():
    """A word two edits from every listed word (no listed word has a hard sign) is refused,
    not matched to a neighbour."""
    codename = sample()
    first = codename.split(" ")[0]
    damaged = "ъъ" + first[2:]
    assert canonical_codename(codename.replace(first, damaged, 1)) is None


@given(st.text(alphabet=ALPHABET[:8], max_size=6), st.text(alphabet=ALPHABET[:8], max_size=6))
def test_within_one_edit_agrees_with_the_definition(a, b):
    assert within_one_edit(a, b) == (b in ball(a))


def test_the_typo_index_finds_every_one_edit_neighbour():
    """The deletion index is complete: for a sample of words and all their one-edit
    variants, the correction is the word itself."""
    rng = random.Random(11)
    for word in rng.sample(list(words()), 40):
        for near in ball(word):
            if near and re.fullmatch(r"[а-я]+", near):
                assert codenames._correct(near) == word, (word, near)
