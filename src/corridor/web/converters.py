"""URL converters: a case is addressed by its reference only, never by anything personal."""

from __future__ import annotations


class CaseRefConverter:
    """`CR-XXXX-XXXX` in Crockford base32: anything else is not a case URL at all."""

    regex = "CR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RequestRefConverter(CaseRefConverter):
    """`RQ-XXXX-XXXX`: a request's reference, as read out on the phone."""

    regex = "RQ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"
