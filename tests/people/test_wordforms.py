"""Which forms of a check-in or duress word say it: lemmas, Latin letters, one typo in a
long word. Pure functions: the keyed hashes are tested where the words are stored."""

from __future__ import annotations

from corridor.people import wordforms


def says(text: str, word: str) -> bool:
    return bool(wordforms.message_keys(text) & wordforms.protocol_keys(word))


def test_an_inflected_word_in_capitals_says_its_lemma():
    assert says("купил лимон", "лимон")
    assert says("ЛИМОНЫ", "лимон")
    assert says("Нет лимонов", "лимон")


def test_a_word_in_latin_letters_is_read_as_russian():
    assert wordforms.transliterate("limon") == "лимон"
    assert says("kupil limon", "лимон")
    assert says("LIMONY", "лимон")


def test_one_typo_in_a_word_of_five_letters_or_more_still_says_it():
    assert says("лимрн", "лимон")  # a letter wrong
    assert says("лмон", "лимон")  # a letter missing
    assert says("лиимон", "лимон")  # a letter extra


def test_a_typo_in_a_four_letter_word_does_not():
    assert says("кофе", "кофе")
    assert not says("кафе", "кофе")
    assert not says("кофей", "кофе")


def test_two_typos_do_not():
    assert not says("лемрн", "лимон")
    assert not says("ламрн", "лимон")


def test_a_phrase_says_itself_in_other_forms():
    assert says("Ясного неба!", "ясное небо")
    assert not says("небо ясное", "ясное небо")
    assert not says("ясное утро", "ясное небо")
