"""The forms of a check-in or duress word that count as saying it, and the forms a message holds.

A person under pressure writes fast, on a phone, maybe on a keyboard without Cyrillic:
«ЛИМОНЫ», "limon" or «лимрн» must all say «лимон». Both sides are reduced to keys that
are then hashed with a keyed blind index (people.services), so the words are compared
without being kept:

- a word counts by its lemma (pymorphy3 with its Russian dictionary, installed from the
  lock: nothing is downloaded), lower case, ё as е;
- a Latin word is read as transliterated Russian first;
- one edit (a letter missing, extra or wrong) counts too, but only for words of five
  letters or more: a short word has too many neighbours that are ordinary words.

The one-edit neighbourhood is spelled out on the stored side (a few hundred keys per
word, hashed once when the protocol is saved), so a message costs one key per form of
each of its words: matching stays cheap where it runs on every message.

    protocol_keys("лимон")          # {"лимон", "лимн", "лимоны", "ламон", ...}
    message_keys("купил ЛИМОНЫ")    # {"купил", "купить", "лимоны", "лимон", "купить лимон", ...}
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

# Words of at least this many letters match with one edit.
TYPO_MIN_LETTERS = 5
# Lemma combinations kept per phrase: an ambiguous word has two or three lemmas, and a
# three-word phrase of such words should not cost dozens of hashes.
PHRASE_COMBINATIONS = 8
RUSSIAN_LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"  # ё is folded into е

_WORD = re.compile(r"[\w-]+", re.UNICODE)
_LATIN = re.compile(r"[a-z'-]+")
# Longest first: "shch" before "sh" before "s". One common reading per sequence; a
# second reading is usually one edit away and caught as a typo.
_TRANSLIT = sorted(
    {
        "shch": "щ", "sch": "щ", "zh": "ж", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш",
        "yu": "ю", "ju": "ю", "ya": "я", "ja": "я", "yo": "е", "jo": "е", "ye": "е",
        "a": "а", "b": "б", "v": "в", "w": "в", "g": "г", "d": "д", "e": "е", "z": "з",
        "i": "и", "j": "й", "y": "ы", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
        "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х", "c": "к",
        "q": "к", "x": "кс", "'": "ь",
    }.items(),
    key=lambda pair: -len(pair[0]),
)  # fmt: skip


@functools.cache
def _analyzer() -> MorphAnalyzer:
    # Loaded once per process (about a second and a half; the dictionary is a package).
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def transliterate(word: str) -> str:
    """A Latin word read as Russian ("limon" -> «лимон»); anything else unchanged."""
    if not _LATIN.fullmatch(word):
        return word
    out, i = [], 0
    while i < len(word):
        for latin, cyrillic in _TRANSLIT:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def tokens(text: str) -> list[str]:
    """The words of `text`, lower case, ё as е, Latin ones transliterated."""
    return [transliterate(w) for w in _WORD.findall(text.lower().replace("ё", "е"))]


@functools.lru_cache(maxsize=4096)
def lemmas(word: str) -> frozenset[str]:
    """Every dictionary form the word may be a form of (pymorphy3 keeps the ambiguity:
    «стали» is «стать» or «сталь»)."""
    return frozenset(parse.normal_form.replace("ё", "е") for parse in _analyzer().parse(word))


def _forms(word: str) -> frozenset[str]:
    return lemmas(word) | {word}


@functools.lru_cache(maxsize=4096)
def likeliest_lemma(word: str) -> str:
    """The dictionary form of the word's likeliest reading."""
    lemma: str = _analyzer().parse(word)[0].normal_form
    return lemma.replace("ё", "е")


def _phrases(words: list[str]) -> set[str]:
    """A stored phrase of two or three words: as written, and its lemma combinations
    (each word in every reading it may have, so the likeliest reading of the message's
    words is among them)."""
    choices = [sorted(lemmas(w)) for w in words]
    combos = itertools.islice(itertools.product(*choices), PHRASE_COMBINATIONS)
    return {" ".join(words), *(" ".join(combo) for combo in combos)}


def one_edit(word: str) -> set[str]:
    """Every string one deletion, substitution or insertion of a Russian letter away."""
    out: set[str] = set()
    for i in range(len(word) + 1):
        if i < len(word):
            out.add(word[:i] + word[i + 1 :])
            out.update(word[:i] + c + word[i + 1 :] for c in RUSSIAN_LETTERS)
        out.update(word[:i] + c + word[i:] for c in RUSSIAN_LETTERS)
    out.discard(word)
    return out


def protocol_keys(phrase: str) -> set[str]:
    """What a message may hold to say `phrase` (a check-in or duress word, one to three
    words): its lemmas and, for one word of five letters or more, their one-edit
    neighbours."""
    words = tokens(phrase)
    if len(words) != 1:
        return _phrases(words)
    keys = set(_forms(words[0]))
    for lemma in list(keys):
        if len(lemma) >= TYPO_MIN_LETTERS:
            keys |= one_edit(lemma)
    return keys


def message_keys(text: str) -> set[str]:
    """What `text` says, as keys to look up among a protocol's: every word with its
    lemmas, and every two- and three-word phrase as written and in its likeliest lemmas
    (about three keys a word)."""
    words = tokens(text)
    keys: set[str] = set()
    for word in words:
        keys |= _forms(word)
    likeliest = [likeliest_lemma(word) for word in words]
    for size in (2, 3):
        for i in range(len(words) - size + 1):
            keys.add(" ".join(words[i : i + size]))
            keys.add(" ".join(likeliest[i : i + size]))
    return keys
