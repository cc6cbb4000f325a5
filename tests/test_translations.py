"""Every string a person sees exists in Russian."""

from pathlib import Path

import polib
import pytest

import corridor

pytestmark = pytest.mark.pure
CATALOG = Path(corridor.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_russian_translation():
    """No empty or fuzzy entry in the Russian catalog."""
    catalog = polib.pofile(str(CATALOG))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    """A translated string keeps every %(name)s placeholder of the original."""
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    broken = []
    for entry in polib.pofile(str(CATALOG)).translated_entries():
        originals = sorted(pattern.findall(entry.msgid))
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        broken += [
            entry.msgid for text in translations if sorted(pattern.findall(text)) != originals
        ]
    assert broken == []


def test_compiled_catalog_is_newer_than_its_source():
    """The committed .mo file was compiled after the last .po change."""
    assert CATALOG.with_suffix(".mo").stat().st_size > 0
    compiled = polib.mofile(str(CATALOG.with_suffix(".mo")))
    source = {
        entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOG)).translated_entries()
    }
    assert {entry.msgid: entry.msgstr for entry in compiled if entry.msgid in source} == source
