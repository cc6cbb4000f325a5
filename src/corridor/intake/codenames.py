"""Codenames: five common Russian words and four digits, and reading one back as typed.

    codename = new_codename()             # "облако сирень компас ладья метель 4821"
    canonical_codename("Облако  сирнь, КОМПАС ладья мётель 4821") == codename

Typed input is forgiven what a person on a phone gets wrong: case, ё for е, extra
spaces or punctuation, the Latin keyboard layout left on ("jekfrj" for "облако"), and
one typo in each word (a letter dropped, added, changed, or two swapped). The word list
is built so that one typo can never turn one word into another or into something one
typo away from another word (tests/intake/test_codenames.py checks it), so the
correction is always unique.

New codenames are drawn from `words()` only. Codenames issued before the list was
rebuilt are made of the first list's words (`first_words()`); reading a typed codename
recognises and corrects the words of both lists, which were built so that one typo
still points at a single word of the two together. The canonical form is the words as
listed, so an old codename reads back to exactly what was issued and derives the same
lookup value. Pure functions; no database, no keys.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
import unicodedata
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("data") / "codename_words_ru.txt"
# The list codenames were drawn from before the rebuild: recognised, never issued.
FIRST_WORDS_FILE = Path(__file__).with_name("data") / "codename_words_ru_v1.txt"
WORDS_PER_CODENAME = 5
DIGITS = 4
MAX_TYPED = 200
# The Russian ЙЦУКЕН layout over the Latin QWERTY keys, for a codename typed with the
# wrong layout switched on.
_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LAYOUT = str.maketrans(_LATIN, _CYRILLIC)
# Latin letters that look like Cyrillic ones, for a Cyrillic word with a stray Latin letter.
_LOOKALIKES = str.maketrans("aeopcxykmt", "аеорсхукмт")
_PIECES = re.compile(r"[а-я]+|[0-9]+")
_CYRILLIC_LETTER = re.compile(r"[а-яё]")


@functools.cache
def words() -> tuple[str, ...]:
    """The 2,048 words new codenames are made of (see data/README.md)."""
    return tuple(WORDS_FILE.read_text(encoding="utf-8").split())


@functools.cache
def first_words() -> tuple[str, ...]:
    """The 2,048 words of the first list, which codenames issued before the rebuild use."""
    return tuple(FIRST_WORDS_FILE.read_text(encoding="utf-8").split())


@functools.cache
def recognised_words() -> tuple[str, ...]:
    """Every word a typed codename may contain: both lists, sorted."""
    return tuple(sorted(set(words()) | set(first_words())))


def entropy_bits(word_count: int | None = None) -> float:
    """Bits of a codename made of `word_count` equally likely words and the digits."""
    count = len(set(words())) if word_count is None else word_count
    return WORDS_PER_CODENAME * math.log2(count) + DIGITS * math.log2(10)


def new_codename() -> str:
    """A fresh random codename from the operating system's CSPRNG."""
    chosen = [secrets.choice(words()) for _ in range(WORDS_PER_CODENAME)]
    digits = "".join(secrets.choice("0123456789") for _ in range(DIGITS))
    return " ".join([*chosen, digits])


def canonical_codename(typed: str) -> str | None:
    """The codename `typed` most likely means, in its canonical form, or None if it
    cannot be one (wrong number of words or digits, a word too far from every word)."""
    if not isinstance(typed, str) or len(typed) > MAX_TYPED:
        return None
    found_words: list[str] = []
    digits = ""
    for piece in _pieces(typed):
        if piece.isdigit():
            digits += piece
            continue
        word = _correct(piece)
        if word is None:
            return None
        found_words.append(word)
    if len(found_words) != WORDS_PER_CODENAME or len(digits) != DIGITS:
        return None
    return " ".join([*found_words, digits])


def _pieces(typed: str) -> list[str]:
    text = unicodedata.normalize("NFC", typed).lower()
    pieces: list[str] = []
    for chunk in text.split():
        if _CYRILLIC_LETTER.search(chunk):
            chunk = chunk.translate(_LOOKALIKES)
        else:
            chunk = chunk.translate(_LAYOUT)
        pieces.extend(_PIECES.findall(chunk.replace("ё", "е")))
    return pieces


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@functools.cache
def _index() -> dict[str, frozenset[str]]:
    """Each word and each of its one-letter deletions, to the words they come from.

    Two strings one edit apart always share an entry of {s} ∪ deletions(s), so looking
    up a typed word's entries finds every word it could be a typo of.
    """
    index: dict[str, set[str]] = {}
    for word in recognised_words():
        for key in {word} | _deletions(word):
            index.setdefault(key, set()).add(word)
    return {key: frozenset(found) for key, found in index.items()}


def _correct(typed_word: str) -> str | None:
    index = _index()
    if typed_word in index and typed_word in index[typed_word]:
        return typed_word
    candidates: set[str] = set()
    for key in {typed_word} | _deletions(typed_word):
        candidates |= index.get(key, frozenset())
    near = [word for word in candidates if within_one_edit(typed_word, word)]
    return near[0] if len(near) == 1 else None


def within_one_edit(a: str, b: str) -> bool:
    """True if `a` and `b` differ by at most one insertion, deletion, substitution or
    swap of two neighbouring letters."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
