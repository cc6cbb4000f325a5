"""Normal forms of what identifies a person, so two spellings of one value compare equal.

A blind index is computed over these forms, and the screening task compares them again
after decrypting a candidate, so one function decides both. Pure: no database, no keys.

    normalise_phone("89281234567") == normalise_phone("+7 928 123-45-67") == "+79281234567"
    name_pairs("Магомед Хасанов") == name_pairs("Magomet Hasanov") == {"hasanof magomet"}
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from itertools import combinations

import phonenumbers

# Phone numbers without a country code are read as Russian (most callers are), so the
# national "8 928 …" and "928 …" forms meet "+7 928 …".
DEFAULT_REGION = "RU"
MAX_NAME_TOKENS = 4
MAX_TEXT_SCAN = 20_000

# Cyrillic to Latin, close to the passport (ICAO) scheme; the folding below absorbs the
# differences from BGN/PCGN and popular spellings. Chechen's palochka carries no sound
# the other alphabets write.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "ӏ": "", "і": "i", "ї": "i", "є": "e", "ґ": "g", "ў": "u",
}  # fmt: skip
# Spelling variants folded, in order: each rule sees the output of the ones before.
_FOLDS: tuple[tuple[str, str], ...] = (
    (r"(.)\1+", r"\1"),  # double letters first, so a doubled half of "kh" folds too
    (r"dzh|dj", "j"),  # Джабраил: Dzhabrail, Djabrail, Jabrail
    (r"kh", "h"),  # Хасанов: Khasanov, Hasanov
    (r"ks|x", "ks"),  # Александр: Aleksandr, Alexandr
    (r"ph", "f"),
    (r"w", "v"),
    (r"q|ck|c(?=[kaou])", "k"),
    (r"tz|cz", "ts"),
    (r"ye|yo", "e"),  # Евгений: Yevgeny, Evgeny; Фёдор: Fyodor, Fedor
    (r"ie(?=[^aeiouy]|$)", "e"),  # Валиев: Valiyev, Valiev
    (r"y", "i"),  # Дмитрий: Dmitriy, Dmitry, Dmitrii
    (r"(.)\1+", r"\1"),  # double letters: Hassan, Hasan; Khasanoff
)
_FINAL_DEVOICING = str.maketrans({"d": "t", "b": "p", "g": "k", "z": "s", "v": "f"})
_LETTERS = re.compile(r"[^\W\d_]+")

_DOCUMENT_LOOKALIKES = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I",
    }
)  # fmt: skip
# Russian internal passport (series of four digits, number of six), international
# passport (nine digits), birth certificate (Roman numerals, two letters, six digits),
# or anything after "№"/"No".
_DOCUMENT_PATTERNS = (
    re.compile(r"(?<!\d)\d{2}[ \-]?\d{2}[ \-]?\d{6}(?!\d)"),
    re.compile(r"(?<!\d)\d{2}[ \-]?\d{7}(?!\d)"),
    re.compile(r"\b[IVXLІ]{1,4}[ \-]?[A-ZА-ЯЁ]{2}[ \-]?\d{6}(?!\d)", re.IGNORECASE),
    re.compile(
        r"(?:№|\bNo\b\.?|\bN\b\.?)\s*([A-ZА-ЯЁ0-9][A-ZА-ЯЁ0-9 \-]{4,18}[0-9])", re.IGNORECASE
    ),
)
_MIN_DOCUMENT_DIGITS = 5


def transliterate(text: str) -> str:
    """Cyrillic letters in Latin, lower case ("Хасанов" -> "khasanov"); the first step of
    folding, before the variants are folded together."""
    return "".join(
        _CYRILLIC.get(char, char) for char in unicodedata.normalize("NFKC", text).lower()
    )


def fold_token(token: str) -> str:
    """One word of a name in its folded Latin form ("Хасанов" -> "hasanof")."""
    text = transliterate(token)
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = "".join(char for char in text if "a" <= char <= "z")
    for pattern, replacement in _FOLDS:
        text = re.sub(pattern, replacement, text)
    if len(text) > 1:
        # Magomed/Magomet, Khasanov/Khasanoff: voiced and unvoiced endings are one name.
        text = text[:-1] + text[-1].translate(_FINAL_DEVOICING)
    return text


def name_tokens(raw: str) -> list[str]:
    """The folded words of a name, in the order written, at most MAX_NAME_TOKENS."""
    # An apostrophe (BGN's soft sign, O'Brien) joins the word it stands in.
    joined = re.sub(r"['’ʼ`´]", "", raw[:200])
    tokens = [fold_token(word) for word in _LETTERS.findall(joined)]
    return [token for token in tokens if len(token) > 1][:MAX_NAME_TOKENS]


def name_pairs(raw: str) -> set[str]:
    """Every unordered pair of a name's words ("given family", "family given patronymic"
    all meet), each as one string; empty when fewer than two words remain."""
    tokens = sorted(set(name_tokens(raw)))
    return {f"{first} {second}" for first, second in combinations(tokens, 2)}


def normalise_phone(raw: str) -> str | None:
    """The number in E.164 ("+79281234567"), or None if it cannot be a phone number."""
    try:
        number = phonenumbers.parse(raw[:64], DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_in_text(text: str) -> set[str]:
    """Every phone number written in free text, in E.164."""
    found: set[str] = set()
    matcher = phonenumbers.PhoneNumberMatcher(
        text[:MAX_TEXT_SCAN], DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        found.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return found


def normalise_document(raw: str) -> str | None:
    """A document number as letters and digits only, look-alike Cyrillic capitals read as
    Latin ("45 10 123456" -> "4510123456", "IV-КВ 123456" -> "IVKB123456"); None if too
    few digits to be one."""
    text = unicodedata.normalize("NFKC", raw[:64]).upper().translate(_DOCUMENT_LOOKALIKES)
    text = "".join(
        _CYRILLIC.get(char.lower(), char).upper() if char.isalpha() else char for char in text
    )
    compact = "".join(char for char in text if char.isascii() and char.isalnum())
    if sum(char.isdigit() for char in compact) < _MIN_DOCUMENT_DIGITS or len(compact) > 20:
        return None
    return compact


def documents_in_text(text: str) -> set[str]:
    """Document numbers written in free text, normalised; a span that reads as a phone
    number is left to the phone matcher."""
    scanned = text[:MAX_TEXT_SCAN]
    found: set[str] = set()
    for pattern in _DOCUMENT_PATTERNS:
        for match in pattern.finditer(scanned):
            span = match.group(match.lastindex or 0)
            if _looks_like_phone(span, scanned, match.start()):
                continue
            number = normalise_document(span)
            if number is not None:
                found.add(number)
    return found


def birth_year(value: date | str | None) -> int | None:
    """The year of a date of birth given as a date or ISO text, if plausible."""
    born = normalise_dob(value)
    return int(born[:4]) if born else None


def normalise_dob(value: date | str | None) -> str | None:
    """A date of birth as ISO text, or None if it is not a plausible one."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    if not 1900 <= value.year <= 2100:
        return None
    return value.isoformat()


def _looks_like_phone(span: str, text: str, start: int) -> bool:
    """A digit run preceded by "+" or a phone-like prefix (8 9xx…) is a phone number."""
    before = text[max(0, start - 2) : start]
    digits = "".join(char for char in span if char.isdigit())
    return "+" in before or (len(digits) in (10, 11) and digits.startswith(("89", "79", "9")))
