"""Requests built through the real services and screened as the worker does."""

from __future__ import annotations

from corridor.core.actors import WORKER
from corridor.intake.models import Request, RequestFlag
from corridor.intake.services.screening import screen_request
from tests.factories import write

TEMPLATE = (
    "Здравствуйте, меня зовут {name}, я из Грозного. Мои родственники узнали обо мне "
    "и угрожают убить, полиция на их стороне. Я сейчас прячусь у знакомых, но долго здесь "
    "оставаться нельзя. Пожалуйста, помогите мне уехать как можно скорее, денег нет совсем."
)


def screened(story: str = "Нужна помощь", **answers: object) -> Request:
    """A portal request, screened; returned fresh from the database."""
    request = write(story, **answers).request
    screen_request(actor=WORKER, request_id=request.id)
    return Request.objects.get(pk=request.pk)


def flags_of(request: Request) -> set[str]:
    return set(RequestFlag.objects.filter(request=request).values_list("code", flat=True))


def matched(request: Request, code: str) -> set[object]:
    """The requests `request` was matched with for `code`."""
    return set(
        RequestFlag.objects.filter(request=request, code=code).values_list("other_id", flat=True)
    )
