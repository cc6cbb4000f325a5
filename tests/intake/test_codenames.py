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
    first_words,
    new_codename,
    recognised_words,
    within_one_edit,
    words,
)

pytestmark = pytest.mark.pure
ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбю"


def test_the_scheme_has_at_least_64_bits_of_entropy():
    """Five words from the list and four digits, computed from the list as shipped."""
    distinct = len(set(words()))
    bits = WORDS_PER_CODENAME * math.log2(distinct) + DIGITS * math.log2(10)
    assert bits >= 64
    assert entropy_bits() == pytest.approx(bits)
    assert distinct == 2048
    assert entropy_bits() == pytest.approx(68.29, abs=0.01)


@pytest.mark.parametrize("listed", [words, first_words], ids=["new", "first"])
def test_the_words_are_short_lower_case_cyrillic_without_yo(listed):
    """Easy to type on a phone: 3 to 8 plain Cyrillic letters, ё written as е, no hard sign."""
    assert len(listed()) == 2048
    assert all(re.fullmatch(r"[а-я]{3,8}", word) for word in listed())
    assert not any("ё" in word or "ъ" in word for word in listed())
    assert list(listed()) == sorted(set(listed()))


def test_no_word_is_one_that_a_person_in_hiding_should_not_write_down():
    """Spot checks; tests/intake/test_codename_words.py checks the whole deny-list."""
    never = {
        "полиция", "тюрьма", "паспорт", "виза", "побег", "гей", "голубой", "петух", "секс",
        "дырявый", "пассив", "активный", "дырка", "опущенный", "козел", "зона", "срок",
        "наркотик", "беги", "помощь",
    }  # fmt: skip
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
    """Every string one typo from a word of either list is one typo from no other word of
    the two, so a typo is always corrected to the word that was meant, in a new codename
    and in one issued from the first list alike."""
    seen: dict[str, str] = {}
    clashes = []
    for word in recognised_words():
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


def test_new_codenames_use_only_the_new_list():
    """The first list's words that the rebuild dropped are recognised, never issued."""
    dropped = set(first_words()) - set(words())
    issued = {word for _ in range(2000) for word in new_codename().split(" ")[:-1]}
    assert issued <= set(words())
    assert issued.isdisjoint(dropped)
    assert len(dropped) > 100


def first_list_codename(rng: random.Random) -> str:
    """A codename as issued before the rebuild, made of words the new list dropped."""
    dropped = sorted(set(first_words()) - set(words()))
    return " ".join([rng.choice(dropped) for _ in range(WORDS_PER_CODENAME)] + ["0427"])


def test_a_codename_from_the_first_list_still_reads_back():
    rng = random.Random(5)
    for _ in range(200):
        codename = first_list_codename(rng)
        assert canonical_codename(codename) == codename
        assert canonical_codename(codename.upper().replace(" ", ", ")) == codename


def test_one_typo_in_a_codename_from_the_first_list_is_forgiven():
    """One typo in one word, or in every word, reads back to the codename as issued."""
    rng = random.Random(6)
    for _ in range(300):
        codename = first_list_codename(rng)
        chosen = codename.split(" ")[:-1]
        one = rng.randrange(len(chosen))
        in_one = [typo(word, rng) if i == one else word for i, word in enumerate(chosen)]
        in_every = [typo(word, rng) for word in chosen]
        assert canonical_codename(" ".join([*in_one, "0427"])) == codename, in_one
        assert canonical_codename(" ".join([*in_every, "0427"])) == codename, in_every


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
    for word in rng.sample(list(words()), 30) + rng.sample(list(first_words()), 30):
        for near in ball(word):
            if near and re.fullmatch(r"[а-я]+", near):
                assert codenames._correct(near) == word, (word, near)
