"""Build the codename word list: 2,048 common, neutral Russian words that are safe to
write on paper, no two of which one typo could confuse, none of which one typo could
confuse with a word of the first list either. The output is committed; nothing runs
this at run time.

Needs nothing but the standard library and three committed files beside the list
(src/corridor/intake/data/README.md says where they come from and why):

    python3 scripts/make_codename_words.py > src/corridor/intake/data/codename_words_ru.txt

How a word gets in, in the order the rules run:
1. It is in the frequency extract (codename_frequencies_ru.tsv) with a Zipf frequency of
   at least MIN_ZIPF: an inanimate noun or an adjective in its dictionary form, 3 to 8
   letters. Animate nouns are mostly words for people (family, partners, professions):
   only the animals in ANIMALS are kept.
2. The deny-list (codename_denied_ru.txt) does not deny it: not listed as a word, not
   starting with a listed stem ("стем*"), not ending in a listed ending ("*ский").
3. Taking words from the most frequent down (ties alphabetically), a word is kept only
   if no string is one edit (a letter added, dropped, changed, or two neighbours
   swapped) away from both it and a word already kept or a word of the first list
   (codename_words_ru_v1.txt, which existing codenames are made of). So one typo in a
   word of either list is always corrected to the one right word.
The first 2,048 words kept are written out, sorted, one per line. Then a person reads
every word of the output; whatever is doubtful goes into the deny-list's last section and
the list is built again, until a full read finds nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "corridor" / "intake" / "data"
EXTRACT = DATA / "codename_frequencies_ru.tsv"
DENIED = DATA / "codename_denied_ru.txt"
FIRST_LIST = DATA / "codename_words_ru_v1.txt"
WANTED = 2048
MIN_ZIPF = 1.8
ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
KEPT_POS = frozenset({"noun", "adj"})


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Animals a schoolchild draws, none of them an insult or slang for a person in Russian
# (not "козел", "петух", "крыса", "олень", "медведь", "дятел", "кот") nor a national
# emblem ("волк", "орел"); the deny-list is checked as well.
ANIMALS = frozenset(
    _words(
        """
    кошка котенок собака птица рыба конь тигр кролик слон лиса заяц бабочка черепаха
    акула лебедь лось сова воробей пчела дельфин пингвин жираф зебра енот ежик лягушка
    аист хомяк краб белка попугай лошадь бобер барсук кенгуру коала панда леопард
    муравей ягуар тюлень морж цапля журавль фазан окунь щука карась сом синица снегирь
    соловей чайка скворец пеликан бегемот носорог муха дракон динозавр комар улитка
    дрозд ящерица индейка филин конек мышка лошадка пантера лосось оса
    """
    )
)


@dataclass(frozen=True)
class DenyList:
    """Words denied as written, stems denied at a word's start, endings at its end."""

    words: frozenset[str]
    stems: tuple[str, ...]
    endings: tuple[str, ...]

    def denies(self, word: str) -> bool:
        return word in self.words or word.startswith(self.stems) or word.endswith(self.endings)


def read_deny_list(path: Path = DENIED) -> DenyList:
    entries = [
        entry
        for line in path.read_text(encoding="utf-8").splitlines()
        for entry in line.split("#", 1)[0].split()
    ]
    return DenyList(
        words=frozenset(e for e in entries if "*" not in e),
        stems=tuple(sorted(e[:-1] for e in entries if e.endswith("*"))),
        endings=tuple(sorted(e[1:] for e in entries if e.startswith("*"))),
    )


def read_extract(path: Path = EXTRACT) -> list[tuple[str, str, float]]:
    """(lemma, part of speech, Zipf frequency) for every line of the extract."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        lemma, pos, zipf = line.split("\t")
        rows.append((lemma, pos, float(zipf)))
    return rows


def read_words(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split()


def ball(word: str) -> set[str]:
    """Every string at most one edit from `word` (the typos it must survive)."""
    near = {word}
    for i in range(len(word)):
        near.add(word[:i] + word[i + 1 :])
        near.update(word[:i] + letter + word[i + 1 :] for letter in ALPHABET)
    for i in range(len(word) + 1):
        near.update(word[:i] + letter + word[i:] for letter in ALPHABET)
    for i in range(len(word) - 1):
        near.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    return near


def candidates(extract: Iterable[tuple[str, str, float]], denied: DenyList) -> list[str]:
    """Words that pass rules 1 and 2, most frequent first, ties alphabetically."""
    eligible = [
        (-zipf, lemma)
        for lemma, pos, zipf in extract
        if zipf >= MIN_ZIPF and (pos in KEPT_POS or lemma in ANIMALS) and not denied.denies(lemma)
    ]
    return [lemma for _, lemma in sorted(eligible)]


def spread_apart(words: Iterable[str], wanted: int, first_list: Iterable[str]) -> list[str]:
    """The first `wanted` words whose one-typo neighbourhoods overlap neither each other's
    nor those of the first list's words (a first-list word may be kept again)."""
    owner: dict[str, str] = {}
    for old in first_list:
        for near in ball(old):
            owner[near] = old
    kept: list[str] = []
    for word in words:
        near = ball(word)
        if any(owner.get(s, word) != word for s in near):
            continue
        for s in near:
            owner[s] = word
        kept.append(word)
        if len(kept) == wanted:
            return kept
    raise SystemExit(f"only {len(kept)} words qualify; lower MIN_ZIPF or review the deny-list")


def build() -> list[str]:
    """The codename word list, sorted, from the committed extract and deny-list."""
    chosen = spread_apart(
        candidates(read_extract(), read_deny_list()), WANTED, read_words(FIRST_LIST)
    )
    return sorted(chosen)


def main() -> None:
    sys.stdout.write("".join(f"{word}\n" for word in build()))


if __name__ == "__main__":
    main()
