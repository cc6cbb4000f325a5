"""Wording match results for people: every generated phrase in English and Russian (gettext),
and the JSON form of a result that the CLI (and later the web pages) print.

The pure modules hand over codes and parameters; only this module knows words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, override, pgettext_lazy

from corridor.pathways.findings import Leg, Step
from corridor.pathways.results import MatchResult
from corridor.pathways.vocabulary import Document, ExitBarrier, Profile, Relation
from corridor.pathways.words import Country, Message, Param, Phrase, PhraseCode, Words

LANGUAGES = ("en", "ru")

TEMPLATES: Mapping[PhraseCode, Promise] = {
    PhraseCode.STATUS_SUSPENDED: _("Suspended: the route takes no applications now."),
    PhraseCode.STATUS_REPEALED: _("Repealed: the route no longer exists."),
    PhraseCode.STATUS_PAUSED: _("Paused by our organisation: see the route's notes."),
    PhraseCode.NATIONALITY_ONLY: _("Only for nationals of: %(countries)s."),
    PhraseCode.PROFILE_ONLY: _("Only for: %(profiles)s."),
    PhraseCode.LOCATION_OUTSIDE: _(
        "Only for people outside their country of nationality; the person is still inside it."
    ),
    PhraseCode.LOCATION_INSIDE: _(
        "Only for people still inside their country of nationality; the person has left it."
    ),
    PhraseCode.LOCATION_DESTINATION: _("Only for people already %(country_in)s."),
    PhraseCode.LOCATION_NOT_DESTINATION: _("Not for people already %(country_in)s."),
    PhraseCode.PASSPORT_MISSING: _(
        "Needs an international passport; the person holds no valid one and cannot obtain one."
    ),
    PhraseCode.JOURNEY_PASSPORT_MISSING: _(
        "The journey %(country_to)s needs an international passport (the internal passport "
        "is not accepted there); the person holds no valid one and cannot obtain one."
    ),
    PhraseCode.REFERRAL_UNAVAILABLE: _(
        "Needs a referral (%(by)s), and there is no way to ask for one."
    ),
    PhraseCode.REFERRAL_UNHCR_OUTSIDE: _(
        "Needs a UNHCR referral, which is possible only outside the country of nationality."
    ),
    PhraseCode.REFERRAL_UNHCR_NOT_HERE: _(
        "Needs a UNHCR referral, and UNHCR does not register refugees %(country_in)s."
    ),
    PhraseCode.REFERRAL_NO_DESIGNATED: _(
        "Only designated referrers (%(by)s) can refer to it: none has referred this person, "
        "none of the partners takes cases like theirs, and UNHCR cannot refer them from here."
    ),
    PhraseCode.SPONSOR_MISSING: _("Needs a sponsor, and the person has none."),
    PhraseCode.EXIT_BAN: _(
        "An exit ban stops the person at the border: leaving the country of nationality is closed."
    ),
    PhraseCode.EXIT_BAN_SUMMONS: _(
        "A served draft summons bans leaving from the day it enters the electronic register, "
        "and border guards check the register: an official border crossing is closed."
    ),
    PhraseCode.AVOID: _("The person will not go %(country_to)s."),
    PhraseCode.TRANSIT_VISA: _("Entry %(country_to)s needs a visa."),
    PhraseCode.TRANSIT_DOCUMENTS: _(
        "Entry %(country_to)s needs one of: %(documents)s; the person holds none and cannot "
        "obtain one."
    ),
    PhraseCode.LEG_WOULD_OPEN: _("Going %(country_to)s would open: %(names)s."),
    PhraseCode.PRECEDENT: _(
        "A precedent, not a standing programme: it was used once and needs the government "
        "to agree again."
    ),
    PhraseCode.DISCRETIONARY: _("Discretionary: there is no legal entitlement."),
    PhraseCode.BORDER_CHECK: _(
        "Leaving means an exit border check, where a person with %(barriers)s may be stopped."
    ),
    PhraseCode.BORDER_ADVICE_FIRST: _(
        "Wanted or prosecuted: no official border crossing before legal advice and a check of "
        "the wanted databases."
    ),
    PhraseCode.TRANSIT_DANGER: _("A danger for this person %(country_in)s: %(note)s"),
    PhraseCode.TRANSIT_REACH: _(
        "Those hunting this person can reach them %(country_in)s (relatives through the "
        "diaspora, security services through agents or extradition requests): %(note)s"
    ),
    PhraseCode.STAY_RUNS_OUT: ngettext_lazy(
        "The visa-free stay %(country_in)s (%(stay)s day) runs out before the next steps "
        "(at least %(time)s) are done: plan a legal stay or a claim there.",
        "The visa-free stay %(country_in)s (%(stay)s days) runs out before the next steps "
        "(at least %(time)s) are done: plan a legal stay or a claim there.",
        "stay",
    ),
    PhraseCode.STAY_MAY_RUN_OUT: ngettext_lazy(
        "The visa-free stay %(country_in)s (%(stay)s day) may run out if the next steps "
        "take their longest (up to %(time)s): plan a legal stay or a claim there in time.",
        "The visa-free stay %(country_in)s (%(stay)s days) may run out if the next steps "
        "take their longest (up to %(time)s): plan a legal stay or a claim there in time.",
        "stay",
    ),
    PhraseCode.ENTRY_UNCERTAIN: _(
        "The rule for entry %(country_to)s is uncertain in the sources; check it before travel."
    ),
    PhraseCode.ENTRY_UNVERIFIED: _(
        "The rule for entry %(country_to)s is not verified from a source; check it before "
        "relying on it."
    ),
    PhraseCode.IN_COUNTRY: _("%(country)s: %(note)s"),
    PhraseCode.NOTE_UNCERTAIN: _("%(note)s (uncertain)"),
    PhraseCode.NOTE_UNVERIFIED: _("%(note)s (not verified: check before relying)"),
    PhraseCode.STEP_MEDICAL_FIRST: _(
        "First medical needs: stabilise any urgent condition, document injuries (keep the "
        "medical report as evidence), plan continuing treatment and assess fitness to travel."
    ),
    PhraseCode.STEP_TREATMENT: _(
        "Plan continuing treatment (medicines, hormone therapy) for the journey and the "
        "first country, with prescriptions and a doctor's letter."
    ),
    PhraseCode.STEP_PSYCHOLOGICAL: _("Arrange psychological support before and after the journey."),
    PhraseCode.UNFIT_TO_TRAVEL: _(
        "Not fit to travel yet: every journey waits for a doctor's clearance."
    ),
    PhraseCode.FAMILY_CASE_FIRST: _(
        "Relatives filed a case (theft or a missing person): the person may be detained at any "
        "airport or border until a lawyer has checked it."
    ),
    PhraseCode.BORDER_SEX_MARKER: _(
        "The sex on the documents does not match how the person looks: border guards see it, "
        "and questioning, searches or refusal are likely. Brief the person and choose crossings "
        "and partners who know trans clients."
    ),
    PhraseCode.BORDER_INTERPOL: _(
        "An Interpol notice: any country that honours it may detain the person on arrival."
    ),
    PhraseCode.REFUSED_BEFORE: _(
        "A visa was refused before by %(countries)s: the consulate sees it; explain what "
        "has changed since."
    ),
    PhraseCode.STEP_FAMILY_CASE: _(
        "Before any airport: a lawyer checks whether relatives filed a theft or missing-person "
        "case, and the police databases for it."
    ),
    PhraseCode.REFERRAL_PARTNER: _("a designated partner can be asked to refer: not a lottery"),
    PhraseCode.HOUSEHOLD_LEFT_OUT: _("Not open for household member %(member)s: %(reason)s"),
    PhraseCode.HOUSEHOLD_NO_PLAN: _("this plan does not exist for them (see their documents)"),
    PhraseCode.HOUSEHOLD_NOT_RECOGNISED: _(
        "Household member %(member)s, %(relation)s, is not recognised as family by "
        "%(route)s: they cannot come on this application; plan for them separately "
        "(their own best plan: %(plan)s)."
    ),
    PhraseCode.HOUSEHOLD_RECOGNISED: _(
        "Household member %(member)s, %(relation)s, is recognised as family by %(route)s."
    ),
    PhraseCode.HOUSEHOLD_RECOGNITION_UNKNOWN: _(
        "No source says whether %(route)s recognises household member %(member)s, "
        "%(relation)s, as family: check before relying on it."
    ),
    PhraseCode.HOUSEHOLD_PARTNERS: _(
        "For a household: check that the route recognises each partner (unmarried and "
        "same-sex partners are often not recognised as family)."
    ),
    PhraseCode.STEP_LEGAL_ADVICE: _(
        "Before any border: legal advice, and a check of the wanted databases (regional, "
        "federal, CIS, Interpol); avoid countries that extradite or detain on Russian requests."
    ),
    PhraseCode.STEP_RESTORE_INTERNAL: _(
        "Restore the internal passport in Russia (relatives may have reported it stolen: check "
        "for a theft case before any border)."
    ),
    PhraseCode.STEP_OBTAIN_PASSPORT: _("Obtain an international passport."),
    PhraseCode.STEP_RENEW_PASSPORT: _(
        "Renew the international passport (the one held is not valid)."
    ),
    PhraseCode.STEP_REGISTER_UNHCR: _("Register with UNHCR in the country where the person is."),
    PhraseCode.STEP_REFERRAL: _("Get a referral: %(by)s."),
    PhraseCode.STEP_TRAVEL: _("Travel %(country_to)s with the %(document)s."),
    PhraseCode.STEP_TRAVEL_STAY: ngettext_lazy(
        "Travel %(country_to)s with the %(document)s (visa-free stay of up to %(days)s day).",
        "Travel %(country_to)s with the %(document)s (visa-free stay of up to %(days)s days).",
        "days",
    ),
    PhraseCode.STEP_APPLY: _("Apply: %(name)s."),
    PhraseCode.RANK_OPEN_NOW: _("open now"),
    PhraseCode.RANK_OPEN_AFTER: ngettext_lazy(
        "open after %(steps)d step", "open after %(steps)d steps", "steps"
    ),
    PhraseCode.RANK_CLOSED: ngettext_lazy(
        "closed: %(count)d rule fails", "closed: %(count)d rules fail", "count"
    ),
    PhraseCode.SPAN_DAYS: ngettext_lazy("%(days)s day", "%(days)s days", "days"),
    PhraseCode.SPAN_RANGE: ngettext_lazy(
        "%(about)s day (%(low)s to %(high)s)", "%(about)s days (%(low)s to %(high)s)", "about"
    ),
    PhraseCode.RANK_DAYS: _("about %(time)s to safety against a target of %(target)s"),
    PhraseCode.RANK_DAYS_PARTIAL: _(
        "about %(time)s to safety plus steps of unknown length (%(unknown)s), against a "
        "target of %(target)s"
    ),
    PhraseCode.RANK_DAYS_UNKNOWN: _("time to safety not published (target %(target)s)"),
    PhraseCode.RANK_DAYS_UNVERIFIED: _(
        "processing time not verified, check before relying (target %(target)s)"
    ),
    PhraseCode.RANK_STATUS_UNVERIFIED: _("status not verified, check before relying"),
    PhraseCode.RANK_OURS: _("our outcomes: %(granted)s of %(total)s granted"),
    PhraseCode.RANK_OURS_NONE: _("no outcomes of ours yet"),
    PhraseCode.RANK_PRIOR: _("sources report %(granted)s granted and %(denied)s refused"),
    PhraseCode.RANK_PRIOR_GRANTED: _("sources report %(granted)s granted (refusals not reported)"),
    PhraseCode.RANK_PRIOR_NONE: _("no outcomes in the sources"),
    PhraseCode.RANK_CAPACITY_FITS: ngettext_lazy(
        "capacity %(places)s place a year (%(year)s) fits the household",
        "capacity %(places)s places a year (%(year)s) fits the household",
        "places",
    ),
    PhraseCode.RANK_CAPACITY_SHORT: ngettext_lazy(
        "only %(remaining)s place left for a household of %(size)s",
        "only %(remaining)s places left for a household of %(size)s",
        "remaining",
    ),
    PhraseCode.RANK_CAPACITY_UNKNOWN: _("capacity not published"),
    PhraseCode.RANK_CAPACITY_UNVERIFIED: _("capacity not verified, check before relying"),
    PhraseCode.RANK_COST: _("fee %(amount)s %(currency)s"),
    PhraseCode.RANK_COST_NONE: _("no fee"),
    PhraseCode.RANK_COST_UNKNOWN: _("fee not published"),
    PhraseCode.RANK_COST_UNVERIFIED: _("fee not verified, check before relying"),
    PhraseCode.RANK_DISCRETIONARY: _("discretionary: a decision-maker may grant it"),
    PhraseCode.RANK_SELECTION: _(
        "needs selection, a referral or a sponsor: nobody is entitled to it"
    ),
    PhraseCode.RANK_CAN_APPLY: _("the person can apply"),
    PhraseCode.RANK_PRECEDENT: _("a one-off precedent"),
    PhraseCode.RANK_UNCERTAIN: _("some figures uncertain"),
    PhraseCode.RANK_WEIGHS: ngettext_lazy(
        "%(count)d condition counts against it", "%(count)d conditions count against it", "count"
    ),
    PhraseCode.RANK_DANGERS: ngettext_lazy(
        "%(count)d danger for this person on the way",
        "%(count)d dangers for this person on the way",
        "count",
    ),
}

LABELS: Mapping[StrEnum, Promise] = {
    Profile.LGBT: _("LGBT people"),
    Profile.HUMAN_RIGHTS_DEFENDER: _("human rights defenders"),
    Profile.JOURNALIST: _("journalists"),
    Profile.POLITICAL_OPPOSITION: _("the political opposition"),
    Profile.RELIGIOUS_MINORITY: _("religious minorities"),
    Profile.GENDER_BASED_PERSECUTION: _("people fleeing gender-based persecution"),
    Document.INTERNAL_PASSPORT: _("internal passport"),
    Document.INTERNATIONAL_PASSPORT: _("international passport"),
    Document.UNHCR_REFERRAL: _("UNHCR referral"),
    Document.SPONSOR_UNDERTAKING: _("sponsorship undertaking"),
    Document.EVIDENCE_OF_TIES: _("evidence of ties to the country"),
    Document.EVIDENCE_OF_PERSECUTION: _("evidence of persecution"),
    Document.IDENTITY_DOCUMENTS: _("identity documents"),
    Document.EMBASSY_INTERVIEW: _("interview at the embassy"),
    ExitBarrier.WANTED: _("a wanted notice"),
    ExitBarrier.CRIMINAL_CASE: _("a criminal case"),
    ExitBarrier.DRAFT_SUMMONS: _("a draft summons"),
    ExitBarrier.DOCUMENTS_CONFISCATED: _("confiscated documents"),
    ExitBarrier.EXIT_BAN: _("an exit ban"),
    Relation.UNMARRIED_PARTNER: _("an unmarried partner"),
    Relation.SAME_SEX_SPOUSE: _("a same-sex spouse"),
    Relation.SAME_SEX_PARTNER: _("a same-sex partner"),
}

COUNTRY_NAMES: Mapping[str, Promise] = {
    "AF": _("Afghanistan"),
    "AM": _("Armenia"),
    "AR": _("Argentina"),
    "AT": _("Austria"),
    "AZ": _("Azerbaijan"),
    "BE": _("Belgium"),
    "BR": _("Brazil"),
    "BY": _("Belarus"),
    "CA": _("Canada"),
    "CH": _("Switzerland"),
    "CL": _("Chile"),
    "CO": _("Colombia"),
    "DE": _("Germany"),
    "EE": _("Estonia"),
    "ES": _("Spain"),
    "EU": _("the Schengen area"),
    "FR": _("France"),
    "GB": _("the United Kingdom"),
    "GE": _("Georgia"),
    "HT": _("Haiti"),
    "IL": _("Israel"),
    "KG": _("Kyrgyzstan"),
    "KZ": _("Kazakhstan"),
    "LT": _("Lithuania"),
    "LV": _("Latvia"),
    "MD": _("Moldova"),
    "ME": _("Montenegro"),
    "NL": _("the Netherlands"),
    "NO": _("Norway"),
    "RS": _("Serbia"),
    "RU": _("Russia"),
    "SE": _("Sweden"),
    "SY": _("Syria"),
    "TJ": _("Tajikistan"),
    "TM": _("Turkmenistan"),
    "TR": _("Turkey"),
    "UA": _("Ukraine"),
    "US": _("the United States"),
    "UZ": _("Uzbekistan"),
}

# The same countries where a sentence goes to or is in them: Russian declines the name
# («в Грузию», «в Грузии»), so each is a phrase of its own.
COUNTRIES_TO: Mapping[str, Promise] = {
    "AF": pgettext_lazy("country after “to”", "to Afghanistan"),
    "AM": pgettext_lazy("country after “to”", "to Armenia"),
    "AR": pgettext_lazy("country after “to”", "to Argentina"),
    "AT": pgettext_lazy("country after “to”", "to Austria"),
    "AZ": pgettext_lazy("country after “to”", "to Azerbaijan"),
    "BE": pgettext_lazy("country after “to”", "to Belgium"),
    "BR": pgettext_lazy("country after “to”", "to Brazil"),
    "BY": pgettext_lazy("country after “to”", "to Belarus"),
    "CA": pgettext_lazy("country after “to”", "to Canada"),
    "CH": pgettext_lazy("country after “to”", "to Switzerland"),
    "CL": pgettext_lazy("country after “to”", "to Chile"),
    "CO": pgettext_lazy("country after “to”", "to Colombia"),
    "DE": pgettext_lazy("country after “to”", "to Germany"),
    "EE": pgettext_lazy("country after “to”", "to Estonia"),
    "ES": pgettext_lazy("country after “to”", "to Spain"),
    "EU": pgettext_lazy("country after “to”", "to the Schengen area"),
    "FR": pgettext_lazy("country after “to”", "to France"),
    "GB": pgettext_lazy("country after “to”", "to the United Kingdom"),
    "GE": pgettext_lazy("country after “to”", "to Georgia"),
    "HT": pgettext_lazy("country after “to”", "to Haiti"),
    "IL": pgettext_lazy("country after “to”", "to Israel"),
    "KG": pgettext_lazy("country after “to”", "to Kyrgyzstan"),
    "KZ": pgettext_lazy("country after “to”", "to Kazakhstan"),
    "LT": pgettext_lazy("country after “to”", "to Lithuania"),
    "LV": pgettext_lazy("country after “to”", "to Latvia"),
    "MD": pgettext_lazy("country after “to”", "to Moldova"),
    "ME": pgettext_lazy("country after “to”", "to Montenegro"),
    "NL": pgettext_lazy("country after “to”", "to the Netherlands"),
    "NO": pgettext_lazy("country after “to”", "to Norway"),
    "RS": pgettext_lazy("country after “to”", "to Serbia"),
    "RU": pgettext_lazy("country after “to”", "to Russia"),
    "SE": pgettext_lazy("country after “to”", "to Sweden"),
    "SY": pgettext_lazy("country after “to”", "to Syria"),
    "TJ": pgettext_lazy("country after “to”", "to Tajikistan"),
    "TM": pgettext_lazy("country after “to”", "to Turkmenistan"),
    "TR": pgettext_lazy("country after “to”", "to Turkey"),
    "UA": pgettext_lazy("country after “to”", "to Ukraine"),
    "US": pgettext_lazy("country after “to”", "to the United States"),
    "UZ": pgettext_lazy("country after “to”", "to Uzbekistan"),
}
COUNTRIES_IN: Mapping[str, Promise] = {
    "AF": pgettext_lazy("country after “in”", "in Afghanistan"),
    "AM": pgettext_lazy("country after “in”", "in Armenia"),
    "AR": pgettext_lazy("country after “in”", "in Argentina"),
    "AT": pgettext_lazy("country after “in”", "in Austria"),
    "AZ": pgettext_lazy("country after “in”", "in Azerbaijan"),
    "BE": pgettext_lazy("country after “in”", "in Belgium"),
    "BR": pgettext_lazy("country after “in”", "in Brazil"),
    "BY": pgettext_lazy("country after “in”", "in Belarus"),
    "CA": pgettext_lazy("country after “in”", "in Canada"),
    "CH": pgettext_lazy("country after “in”", "in Switzerland"),
    "CL": pgettext_lazy("country after “in”", "in Chile"),
    "CO": pgettext_lazy("country after “in”", "in Colombia"),
    "DE": pgettext_lazy("country after “in”", "in Germany"),
    "EE": pgettext_lazy("country after “in”", "in Estonia"),
    "ES": pgettext_lazy("country after “in”", "in Spain"),
    "EU": pgettext_lazy("country after “in”", "in the Schengen area"),
    "FR": pgettext_lazy("country after “in”", "in France"),
    "GB": pgettext_lazy("country after “in”", "in the United Kingdom"),
    "GE": pgettext_lazy("country after “in”", "in Georgia"),
    "HT": pgettext_lazy("country after “in”", "in Haiti"),
    "IL": pgettext_lazy("country after “in”", "in Israel"),
    "KG": pgettext_lazy("country after “in”", "in Kyrgyzstan"),
    "KZ": pgettext_lazy("country after “in”", "in Kazakhstan"),
    "LT": pgettext_lazy("country after “in”", "in Lithuania"),
    "LV": pgettext_lazy("country after “in”", "in Latvia"),
    "MD": pgettext_lazy("country after “in”", "in Moldova"),
    "ME": pgettext_lazy("country after “in”", "in Montenegro"),
    "NL": pgettext_lazy("country after “in”", "in the Netherlands"),
    "NO": pgettext_lazy("country after “in”", "in Norway"),
    "RS": pgettext_lazy("country after “in”", "in Serbia"),
    "RU": pgettext_lazy("country after “in”", "in Russia"),
    "SE": pgettext_lazy("country after “in”", "in Sweden"),
    "SY": pgettext_lazy("country after “in”", "in Syria"),
    "TJ": pgettext_lazy("country after “in”", "in Tajikistan"),
    "TM": pgettext_lazy("country after “in”", "in Turkmenistan"),
    "TR": pgettext_lazy("country after “in”", "in Turkey"),
    "UA": pgettext_lazy("country after “in”", "in Ukraine"),
    "US": pgettext_lazy("country after “in”", "in the United States"),
    "UZ": pgettext_lazy("country after “in”", "in Uzbekistan"),
}


def word(message: Message, lang: str) -> str:
    """`message` in `lang` ("en" or "ru"); call inside translation.override(lang)."""
    if isinstance(message, Words):
        return message.ru if lang == "ru" else message.en
    if message.code is PhraseCode.RANK_SENTENCE:
        parts = [word(part, lang) for part in _phrases(message.param("parts"))]
        sentence = "; ".join(parts)
        return sentence[:1].upper() + sentence[1:] + "."
    params: dict[str, object] = {name: _param(value, lang) for name, value in message.params}
    for name, value in message.params:
        if isinstance(value, Country):
            params[f"{name}_to"] = _country_form(value, COUNTRIES_TO, _("to %(country)s"))
            params[f"{name}_in"] = _country_form(value, COUNTRIES_IN, _("in %(country)s"))
    for name, value in message.params:
        if isinstance(value, int) and not isinstance(value, bool):
            params[name] = value  # a number chooses the plural form and fills %(name)d
    # `lazy % params` (not `str(lazy) % params`): ngettext_lazy picks the plural form then.
    return str(TEMPLATES[message.code] % params)


def results_json(results: Iterable[MatchResult], *, lang: str) -> list[dict[str, object]]:
    """The CLI contract: one object per result, in the order given (best first)."""
    with override(lang):
        return [_result_json(result, lang) for result in results]


def ways_out_json(legs: Iterable[Leg], *, lang: str) -> list[dict[str, object]]:
    """Each open leg out of the country: where to, the steps, what to watch for."""
    with override(lang):
        return [
            {
                "transit_id": leg.transit.id,
                "country": leg.transit.country,
                "name": word(leg.transit.name, lang),
                "steps": [_step_json(step, lang) for step in leg.steps],
                "notes": [word(finding.text, lang) for finding in leg.notes],
                "risk_notes": [word(note, lang) for note in leg.risk_notes],
            }
            for leg in legs
        ]


def _result_json(result: MatchResult, lang: str) -> dict[str, object]:
    return {
        "route_ids": list(result.route_ids),
        "countries": list(result.countries),
        "names": [word(name, lang) for name in result.names],
        "verdict": result.verdict.value,
        "reasons": [word(reason, lang) for reason in result.reasons],
        "steps": [_step_json(step, lang) for step in result.steps],
        "risk_notes": [word(note, lang) for note in result.risk_notes],
        "expected_days": result.expected_days,
        "days_range": list(result.basis.days_range) if result.basis.days_range else None,
        "kind": result.basis.kind.value if result.basis.kind else None,
        "why": [word(result.explanation, lang)],
        "grant_counts": {
            "granted": result.grant_counts.granted,
            "denied": result.grant_counts.denied,
        },
        "grant_rate": result.grant_rate,
        "score": result.score,
    }


def _step_json(step: Step, lang: str) -> dict[str, object]:
    cost = None
    if step.cost is not None:
        # A string, so 229.77 stays exactly 229.77.
        cost = {"amount": f"{step.cost.amount:f}", "currency": step.cost.currency}
    return {
        "text": word(step.text, lang),
        "days": step.days,
        "days_range": list(step.days_range) if step.days_range else None,
        "days_source": step.source,
        "cost": cost,
    }


def _country_form(country: Country, forms: Mapping[str, Promise], fallback: Promise) -> str:
    form = forms.get(country.code)
    return str(form) if form is not None else str(fallback) % {"country": country.code}


def _param(value: Param, lang: str) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | str) and not isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Words | Phrase):
        return word(value, lang)
    if isinstance(value, Country):
        name = COUNTRY_NAMES.get(value.code)
        return str(name) if name is not None else value.code
    if isinstance(value, StrEnum):
        label = LABELS.get(value)
        return str(label) if label is not None else value.value
    return ", ".join(_param(item, lang) for item in value)


def _phrases(value: Param) -> list[Phrase]:
    if not isinstance(value, tuple):
        raise TypeError("a sentence's parts are a tuple of phrases")
    return [part for part in value if isinstance(part, Phrase)]
