"""Which risk notes are warnings (red on the routes panel) and which are neutral facts."""

from __future__ import annotations

import pytest

from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.rules import compile_catalog
from corridor.pathways.vocabulary import WARNING_RISKS
from corridor.pathways.words import Country, PhraseCode, Words, is_warning, phrase

pytestmark = pytest.mark.pure

ENTRIES = [item.entry for item in read_catalog()]
CATALOG = compile_catalog(ENTRIES)


def test_each_structured_risk_of_harm_is_a_warning_and_each_caveat_is_not():
    transits = {transit.id: transit for transit in CATALOG.transits}
    for entry in ENTRIES:
        if entry.id not in transits:
            continue
        compiled = transits[entry.id].risk_notes
        # Risks come first, then the caveats (notes), in the catalog's order.
        risks, caveats = compiled[: len(entry.risk_notes)], compiled[len(entry.risk_notes) :]
        for risk, note in zip(entry.risk_notes, risks, strict=True):
            assert is_warning(note) == (risk.what in WARNING_RISKS), (entry.id, risk.en)
        assert not any(is_warning(note) for note in caveats), entry.id
    # The catalog does carry both kinds, so the test above checks something.
    georgia = transits["transit-ge"].risk_notes
    assert any(is_warning(note) for note in georgia)
    assert not all(is_warning(note) for note in georgia)


def test_generated_notes_are_warnings_only_when_they_warn():
    country = Country("KZ")
    danger = Words(en="Wanted Russians are extradited.", ru="Выдают.", warning=True)
    fact = Words(en="90 days in any 180.", ru="90 дней из 180.")
    assert is_warning(phrase(PhraseCode.BORDER_CHECK, barriers=("wanted",)))
    assert is_warning(phrase(PhraseCode.IN_COUNTRY, country=country, note=danger))
    assert not is_warning(phrase(PhraseCode.IN_COUNTRY, country=country, note=fact))
    assert is_warning(phrase(PhraseCode.NOTE_UNVERIFIED, note=danger))
    assert not is_warning(phrase(PhraseCode.NOTE_UNCERTAIN, note=fact))
    assert not is_warning(phrase(PhraseCode.ENTRY_UNVERIFIED, country=country))
    assert not is_warning(fact)
