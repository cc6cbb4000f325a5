"""Write the frequency extract that the codename word list is built from.

The extract is committed (src/corridor/intake/data/codename_frequencies_ru.tsv) so that
scripts/make_codename_words.py and the tests run without a network or these libraries.
Run this only to refresh the extract on purpose; it needs wordfreq (frequencies; data CC
BY-SA 4.0) and pymorphy3 with pymorphy3-dicts-ru (OpenCorpora's dictionary, CC BY-SA
3.0), which are not Corridor dependencies. Install them in a throwaway virtual
environment outside the repository:

    python3.11 -m venv /tmp/wordlist-venv
    /tmp/wordlist-venv/bin/pip install wordfreq==3.1.1 pymorphy3==2.0.6 \
        pymorphy3-dicts-ru==2.4.417150.4580142
    /tmp/wordlist-venv/bin/python scripts/extract_codename_frequencies.py \
        > src/corridor/intake/data/codename_frequencies_ru.tsv

A lemma gets into the extract when:
1. it is among wordfreq's Russian words with a Zipf frequency of at least MIN_ZIPF,
   3 to 8 Cyrillic letters, no hard sign, no "э" after the first letter (loanwords
   spelt two ways);
2. OpenCorpora's dictionary knows it (no guesses from the ending: foreign names, brands,
   typos) and pymorphy3 reads it, most likely, as the dictionary form (nominative
   singular) of a noun or of a masculine adjective; a word that is also a name, a
   place, an abbreviation, slang, archaic or informal in any reading is out, and so is
   a word with no singular.
Animate nouns are kept only for the animals that make_codename_words.ANIMALS lists. Each
line is the lemma (ё written as е), its part of speech ("noun", "anim" for an animal,
"adj") and its Zipf frequency with two decimals, most frequent first.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pymorphy3
import wordfreq
from make_codename_words import ANIMALS

MIN_ZIPF = 1.8
SHAPE = re.compile(r"[а-яё]{3,8}")
EXCLUDED_GRAMMEMES = frozenset(
    {
        "Name", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Infr", "Slng", "Arch",
        "Litr", "Erro", "Dist", "Pltm", "Init", "Apro", "Ques", "Prnt",
    }
)  # fmt: skip


def lemmas(morph: pymorphy3.MorphAnalyzer) -> Iterator[tuple[str, str, float]]:
    """(lemma, part of speech, Zipf frequency), most frequent first."""
    seen: set[str] = set()
    for text in wordfreq.top_n_list("ru", 400_000):
        zipf = wordfreq.zipf_frequency(text, "ru")
        if zipf < MIN_ZIPF:
            return
        word = text.replace("ё", "е")
        if not SHAPE.fullmatch(text) or "ъ" in word or "э" in word[1:] or word in seen:
            continue
        seen.add(word)
        pos = part_of_speech(morph, text, word)
        if pos is not None:
            yield word, pos, zipf


def part_of_speech(morph: pymorphy3.MorphAnalyzer, text: str, word: str) -> str | None:
    """The part of speech ("noun", "anim" or "adj") if `text` is plainly that word's
    dictionary form, else None."""
    if not morph.word_is_known(text):
        return None
    parses = morph.parse(text)
    best = parses[0]
    tag = best.tag
    if best.normal_form.replace("ё", "е") != word:
        return None
    if any(EXCLUDED_GRAMMEMES & set(parse.tag.grammemes) for parse in parses):
        return None  # also a name, a place or slang in some reading
    if "Surn" in tag:
        return None  # a surname first ("попов"); "мороз", also a surname, stays
    grammemes = set(tag.grammemes)
    if tag.POS == "NOUN" and {"sing", "nomn"} <= grammemes:
        if "anim" in grammemes:
            # Words for people (family, partners, professions) are never used.
            return "anim" if word in ANIMALS else None
        return "noun"
    if tag.POS == "ADJF" and {"masc", "sing", "nomn"} <= grammemes:
        return "adj"
    return None


def main() -> None:
    morph = pymorphy3.MorphAnalyzer()
    sys.stdout.write("lemma\tpos\tzipf\n")
    sys.stdout.writelines(f"{word}\t{pos}\t{zipf:.2f}\n" for word, pos, zipf in lemmas(morph))


if __name__ == "__main__":
    main()
