"""Blind-index values and narrative signatures, computed through the key provider."""

from __future__ import annotations

import pytest

from corridor.intake.screening.budget import NAME, PHONE
from corridor.intake.screening.facts import facts_from_answers
from corridor.intake.screening.indexes import index_values
from corridor.intake.screening.minhash import (
    PERMUTATIONS,
    decode_signature,
    encode_signature,
    keyed_word_hasher,
    narrative_signature,
    signature_bands,
    similarity,
)
from corridor.intake.services.screening import TEMPLATE_SIMILARITY

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

TEMPLATE = (
    "Здравствуйте, меня зовут {name}, я из Грозного. Мои родственники узнали обо мне "
    "и угрожают убить, полиция на их стороне. Я сейчас прячусь у знакомых, но долго здесь "
    "оставаться нельзя. Пожалуйста, скажите, где находится ваш приют и как туда добраться."
)
OTHER = (
    "Я работаю в Нальчике, мой начальник узнал про мою личную жизнь и уволил меня. Теперь "
    "мне пишут незнакомые люди и требуют денег, иначе расскажут семье. Хочу уехать в другую "
    "страну, у меня есть загранпаспорт, но нет денег на билет."
)


def test_one_person_in_three_spellings_gets_the_same_index_values(vault_keys):
    """Portal and hotline answers for one person share their name and phone values."""
    portal = index_values(
        facts_from_answers({"name_to_use": "Магомед Хасанов", "safe_contact": "+7 928 123-45-67"})
    )
    hotline = index_values(
        facts_from_answers({"full_name": "Magomet Hasanov", "phone": "89281234567"})
    )
    other = index_values(facts_from_answers({"full_name": "Magomed Khasanov"}))
    assert portal == hotline
    assert {name for name, _ in portal} == {NAME.name, PHONE.name}
    assert other < portal


def test_index_values_are_truncated_and_keyed_per_index(vault_keys, settings):
    """Values fit the budget's bits, and the same text under two indexes differs."""
    settings.CORRIDOR_PLANNED_POPULATION = 1_000
    values = index_values(facts_from_answers({"full_name": "Ivan Petrov", "phone": "89001234567"}))
    assert all(0 <= value < 2**8 for _, value in values)


def test_templated_narratives_are_alike_and_others_are_not(vault_keys):
    """The same template with other names is similar; an unrelated story is not."""
    first = narrative_signature(TEMPLATE.format(name="Ислам"), hash_word=keyed_word_hasher())
    second = narrative_signature(TEMPLATE.format(name="Руслан"), hash_word=keyed_word_hasher())
    other = narrative_signature(OTHER, hash_word=keyed_word_hasher())
    assert first is not None
    assert second is not None
    assert other is not None
    assert len(first) == PERMUTATIONS
    assert similarity(first, second) >= TEMPLATE_SIMILARITY
    assert similarity(first, other) <= 0.2
    assert set(signature_bands(first)) & set(signature_bands(second))
    assert decode_signature(encode_signature(first)) == first
    assert decode_signature("1,2,x") == ()


def test_short_narratives_get_no_signature(vault_keys):
    """ "Help me, I am in danger" is what many real people write: never compared."""
    assert narrative_signature("Помогите, мне угрожают", hash_word=keyed_word_hasher()) is None
