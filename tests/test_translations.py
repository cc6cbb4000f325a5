"""Every string a person sees exists in Russian, and the Russian reads as Russian.

The catalog checks that CI runs (besides `make messages-check`, which proves the committed
catalog is what makemessages and compilemessages produce): nothing untranslated or fuzzy,
the same placeholders in both languages, counts worded through plural entries, no
abbreviated units, and no deny-listed word.
"""

import json
import re
from pathlib import Path

import polib
import pytest
import yaml

import corridor

pytestmark = pytest.mark.pure
CATALOG = Path(corridor.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"
DENYLIST = Path(__file__).parent / "translations_denylist_ru.txt"

# A python-format placeholder (named or not, with its conversion) or a brace placeholder.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdif]|\{\w*\}")
# Placeholders whose name says they hold a number of things. Russian words the noun after
# a number in three forms (1 день, 2 дня, 5 дней), so such a number must come through a
# plural entry. "total" and "number" are left out on purpose: in our strings they are a
# denominator ("%(granted)s of %(total)s") or an ordinal ("Version %(number)s"), after
# which Russian puts no noun.
COUNT_NAMES = frozenset(
    {
        "count",
        "n",
        "days",
        "hours",
        "minutes",
        "seconds",
        "weeks",
        "months",
        "years",
        "people",
        "steps",
        "places",
        "remaining",
        "length",
        "lag",
    }
)
# Whatever its name, a placeholder followed by one of these English nouns is a count.
COUNTED_NOUN = re.compile(
    r"%\(\w+\)[sd]\s+(?:case\s+)?(?:days?|hours?|minutes?|seconds?|weeks?|months?|years?|"
    r"people|persons?|cases?|characters?|places?|messages?|steps?|codes?|openings?|"
    r"requests?|actions?|incidents?)\b"
)
# «дн.», «мин.», «чел.»: abbreviated units have no place in a sentence.
ABBREVIATED_UNIT = re.compile(
    r"(?:\d|%\(\w+\)[sd])\s*(?:дн|мин|чел|мес|сек|ч|с)\.?(?=[\s,;:)]|$)"
    r"|(?<![\w-])(?:дн|мин|чел|мес|сек)\."
)


def _catalog() -> polib.POFile:
    return polib.pofile(str(CATALOG))


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def test_every_message_has_a_russian_translation():
    """No empty or fuzzy entry in the Russian catalog."""
    catalog = _catalog()
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_every_plural_entry_has_its_three_russian_forms():
    """1 день, 2 дня, 5 дней: each plural entry fills all three Russian forms."""
    catalog = _catalog()
    assert "nplurals=3;" in catalog.metadata["Plural-Forms"]
    incomplete = [
        entry.msgid
        for entry in catalog
        if entry.msgid_plural
        and (
            sorted(entry.msgstr_plural) != [0, 1, 2]
            or not all(text.strip() for text in entry.msgstr_plural.values())
        )
    ]
    assert incomplete == []


def test_translations_keep_their_placeholders():
    """Every Russian form has exactly the placeholders of the English (plural) original.

    Russian uses its "one" form for 21 and 31 as well, so every form must show the number:
    the forms are compared with the English plural, which names every placeholder."""
    broken = []
    for entry in _catalog().translated_entries():
        original = _placeholders(entry.msgid_plural or entry.msgid)
        broken += [
            (entry.msgid, text) for text in _translations(entry) if _placeholders(text) != original
        ]
    assert broken == []


def test_counts_in_running_text_go_through_plural_entries():
    """A message with a number of things in it is a plural entry, so Russian can agree."""
    singular_counts = []
    for entry in _catalog():
        if entry.msgid_plural:
            continue
        names = set(re.findall(r"%\((\w+)\)[sd]", entry.msgid))
        if names & COUNT_NAMES or COUNTED_NOUN.search(entry.msgid):
            singular_counts.append(entry.msgid)
    assert singular_counts == []


def test_russian_has_no_abbreviated_units():
    """No «90 дн.» or «15 мин.»: units are written out in the right plural form."""
    abbreviated = [
        text
        for entry in _catalog().translated_entries()
        for text in _translations(entry)
        if ABBREVIATED_UNIT.search(text)
    ]
    assert abbreviated == []


def _denied() -> list[str]:
    lines = DENYLIST.read_text(encoding="utf-8").splitlines()
    return [line.strip().lower() for line in lines if line.strip() and not line.startswith("#")]


def _is_denied(word: str, denied: list[str]) -> bool:
    return any(
        word.startswith(entry[:-1]) if entry.endswith("*") else word == entry for entry in denied
    )


def test_russian_has_no_denied_word():
    """No slur, prison slang or stigmatising officialese anywhere in the Russian catalog."""
    denied = _denied()
    found = [
        (word, text)
        for entry in _catalog().translated_entries()
        for text in _translations(entry)
        for word in re.findall(r"[а-яё]+", text.lower())
        if _is_denied(word, denied)
    ]
    assert found == []


def test_deny_list_catches_what_it_lists():
    """The deny-list check itself works: a listed slur and a listed stem are caught."""
    denied = _denied()
    assert _is_denied("петух", denied)
    assert _is_denied("нетрадиционной", denied)
    assert not _is_denied("консультант", denied)


def test_lint_catches_a_count_outside_a_plural_entry():
    """The count lint flags a message that names a number of days outside ngettext."""
    assert COUNTED_NOUN.search("We answer within %(within)s days.")
    assert not COUNTED_NOUN.search("Paused since %(since)s: %(reason)s")
    assert ABBREVIATED_UNIT.search("в течение 90 дн.")
    assert ABBREVIATED_UNIT.search("Подождите 30 с и попробуйте")
    assert not ABBREVIATED_UNIT.search("с 2 декабря, в течение 90 дней")


def test_compiled_catalog_is_newer_than_its_source():
    """The committed .mo file was compiled after the last .po change."""
    assert CATALOG.with_suffix(".mo").stat().st_size > 0
    compiled = polib.mofile(str(CATALOG.with_suffix(".mo")))
    source = {
        entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOG)).translated_entries()
    }
    assert {entry.msgid: entry.msgstr for entry in compiled if entry.msgid in source} == source


# The words docs/glossary-ru.md rules out, each with the term to use instead.
REJECTED_BY_GLOSSARY = {
    "куратор": "консультант",
    "гуманитарный пароль": "разрешение на въезд (parole)",
    "слово опасности": "тревожное слово",
    "пропущенная связь": "не вышел(а) на связь вовремя",
    "протокол связи": "порядок связи",
    "протоколы связи": "порядок связи",
    "внутренний паспорт": "паспорт РФ",
    "заграничный паспорт": "загранпаспорт",
    "маршрут": "правовой путь",
}
ROUTE_CATALOG = Path(corridor.__file__).parent / "pathways" / "catalog"


def test_the_glossary_names_each_rejected_word_and_its_term():
    glossary = (Path(__file__).parents[1] / "docs" / "glossary-ru.md").read_text(encoding="utf-8")
    missing = [
        (word, term)
        for word, term in REJECTED_BY_GLOSSARY.items()
        if term not in glossary or word[:6] not in glossary.lower()
    ]
    assert missing == []


def test_russian_uses_the_glossarys_terms():
    """A term the glossary rules out, anywhere in the catalog or the route catalog."""
    texts = [text for entry in _catalog().translated_entries() for text in _translations(entry)]
    texts += [_our_words(path) for path in sorted(ROUTE_CATALOG.glob("*.yaml"))]
    found = sorted(
        {word for text in texts for word in REJECTED_BY_GLOSSARY if word in text.lower()}
    )
    assert found == []


def _our_words(path: Path) -> str:
    """A route catalog file's text without its sources' excerpts: those quote a source word
    for word, so the glossary governs what we write around them, not the quotation."""

    def strip(node: object) -> object:
        if isinstance(node, dict):
            return {key: strip(value) for key, value in node.items() if key != "excerpt"}
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    return json.dumps(strip(yaml.safe_load(path.read_text(encoding="utf-8"))), ensure_ascii=False)
