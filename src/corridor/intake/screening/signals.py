"""Which signals a confirmed comparison or a text raises: pure functions over facts and
words. The screening task feeds them decrypted values and stores only the codes.
"""

from __future__ import annotations

import re

from corridor.intake.models import Signal
from corridor.intake.screening.facts import Facts

# What an infiltrator asks that a person in danger rarely needs to: where the shelters
# and offices are, who works there. Russian and English stems, matched on word starts.
_LOCATION_PHRASES = (
    r"адрес\w* (?:приют|убежищ|шелтер|офис|квартир|дом)",
    r"где (?:находится|находятся|расположен\w*) (?:ваш|приют|убежищ|шелтер|офис|квартир)",
    r"(?:координаты|локаци\w*|геолокаци\w*) (?:приют|убежищ|шелтер|офис)",
    r"(?:address|location) of (?:the |your )?(?:shelter|safe ?house|office)",
    r"where (?:is|are) (?:the |your )?(?:shelter|safe ?house|office)",
)
_STAFF_PHRASES = (
    r"(?:имена|фамили\w*|контакты|телефоны) (?:ваших |всех )?"
    r"(?:сотрудник|волонт[её]р|координатор|куратор)",
    r"кто (?:у вас )?(?:работает|занимается|отвечает)",
    r"(?:names|phones|contacts) of (?:your |the )?(?:staff|volunteers|workers|coordinators)",
    r"who (?:works|volunteers) (?:for|with|at) you",
)
_LOCATIONS = re.compile("|".join(_LOCATION_PHRASES), re.IGNORECASE)
_STAFF = re.compile("|".join(_STAFF_PHRASES), re.IGNORECASE)


def text_signals(texts: list[str]) -> set[Signal]:
    """Signals in what the requester wrote (answers and messages)."""
    found: set[Signal] = set()
    for text in texts:
        normal = " ".join(text.lower().replace("ё", "е").split())
        if _LOCATIONS.search(normal):
            found.add(Signal.ASKS_FOR_LOCATIONS)
        if _STAFF.search(normal):
            found.add(Signal.ASKS_FOR_STAFF)
    return found


def match_signals(new: Facts, earlier: Facts) -> set[Signal]:
    """Signals two requests' decrypted facts confirm (the candidate was only a hint)."""
    found: set[Signal] = set()
    if new.phones & earlier.phones:
        found.add(Signal.DUPLICATE_PHONE)
    elif new.all_phones & earlier.all_phones:
        found.add(Signal.SHARED_CONTACT)
    if new.documents & earlier.documents:
        found.add(Signal.DUPLICATE_DOCUMENT)
    if new.names & earlier.names and not _born_apart(new, earlier):
        found.add(Signal.DUPLICATE_NAME)
    return found


def watch_matches(new: Facts, entry: Facts) -> bool:
    """True if the request shares a phone, a document number or a name with the entry."""
    return bool(
        new.all_phones & entry.all_phones
        or new.documents & entry.documents
        or (new.names & entry.names and not _born_apart(new, entry))
    )


def _born_apart(first: Facts, second: Facts) -> bool:
    """Two people with one name but different known birth dates or years are two people."""
    if first.dobs and second.dobs and not first.dobs & second.dobs:
        return True
    return bool(first.years and second.years and not first.years & second.years)
