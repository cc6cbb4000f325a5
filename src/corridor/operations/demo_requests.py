"""Fictional requests for the demo: portal requests and hotline calls that give the verifier's
pages something to show, including the signals screening exists to raise.

Stories are written from templates with names drawn from the demo's lists; phones are in
the same made-up range as the demo's cases. They go through the real services, so they are
sealed exactly as a requester's would be, and the worker screens them when it runs.
"""

from __future__ import annotations

import hashlib
import random
import secrets

from corridor.accounts.models import Staff
from corridor.core.actors import RequesterActor
from corridor.intake.models import Request
from corridor.intake.screening.normalise import transliterate
from corridor.intake.services.hotline import record_hotline_request
from corridor.intake.services.requests import receive_portal_request
from corridor.operations.demo_cases import FAMILY, GIVEN_MALE
from corridor.vault.fields import JSONValue

# One story three "requesters" send with only the name changed: the narrative signal.
TEMPLATED = (
    "Здравствуйте, меня зовут {name}. Родственники узнали обо мне и грозятся убить, "
    "участковый на их стороне. Сейчас я у знакомых в другом районе, но долго здесь "
    "оставаться нельзя. Помогите уехать как можно скорее, денег на дорогу нет."
)
OWN_STORIES = (
    "Меня вызывали в отдел и спрашивали про друзей. Телефон забрали на два дня. "
    "Боюсь возвращаться домой, сейчас живу у двоюродного брата.",
    "Семья нашла переписку. Брат сказал, что решит вопрос сам. Ушёл из дома ночью, "
    "паспорт остался у отца.",
    "Работаю в другом городе, но мне звонят и требуют приехать домой на семейный совет. "
    "Знаю, чем это кончается для таких, как я.",
)


def build_requests(*, operator: Staff, seed: int = 2017) -> list[Request]:
    """About ten requests: portal ones (three with one templated story, one that the
    hotline hears again under another spelling) and hotline calls. Deterministic."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    made: list[Request] = []

    def portal(**answers: JSONValue) -> None:
        made.append(
            receive_portal_request(
                # Each from a network of its own: the seed is not a flood (intake/sources.py).
                actor=RequesterActor(source=f"demo:{len(made)}"),
                answers=answers,
                session_digest=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                form_token=secrets.token_urlsafe(24),
            )
        )

    for _ in range(3):
        portal(
            urgency="days",
            region="Чеченская Республика",
            danger_from=["family"],
            story=TEMPLATED.format(name=rng.choice(GIVEN_MALE)),
        )
    for story in OWN_STORIES:
        portal(
            urgency=rng.choice(["now", "days", "weeks"]),
            region=rng.choice(["Москва", "Санкт-Петербург", "Чеченская Республика"]),
            danger_from=[rng.choice(["family", "police"])],
            name_to_use=rng.choice(GIVEN_MALE),
            story=story,
        )
    # The same person twice: the portal in Cyrillic with a national-format phone, then a
    # hotline call taken down in Latin letters with the international format.
    given, family = rng.choice(GIVEN_MALE), rng.choice(FAMILY)
    digits = f"{rng.randint(100, 999)}{rng.randint(10, 99)}{rng.randint(10, 99)}"
    portal(
        urgency="now",
        region="Дагестан",
        danger_from=["police"],
        name_to_use=f"{given} {family}",
        safe_contact=f"звонить после 21:00, 8900{digits}",
        story="За мной следят, телефон могут проверить. Нужна помощь.",
    )
    made.append(
        record_hotline_request(
            actor=operator,
            answers={
                "danger_now": "yes",
                "where": "Махачкала",
                "can_talk": "no",
                "callback": "после 21:00",
                "full_name": _latin(f"{given} {family}"),
                "phone": f"+7 900 {digits[:3]}-{digits[3:5]}-{digits[5:]}",
                "story": "Звонил второй раз, за ним следят, просит перезвонить вечером.",
            },
            escalate=True,
            conflict=False,
        )
    )
    made.append(
        record_hotline_request(
            actor=operator,
            answers={
                "danger_now": "no",
                "where": "Москва",
                "can_talk": "yes",
                "callback": "днём",
                "story": "Спрашивает, как получить загранпаспорт, если внутренний у родителей.",
            },
            escalate=False,
            conflict=False,
        )
    )
    return made


def _latin(name: str) -> str:
    """A name as an operator might take it down from a call ("Khasanov", not "Хасанов")."""
    return " ".join(part.capitalize() for part in transliterate(name).split())
