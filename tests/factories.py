"""Test data factories (factory_boy + Faker, Russian locale for people)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role

TEST_PASSWORD = "correct horse battery staple 7"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        wanted = extracted if extracted is not None else [Role.CASEWORKER]
        groups = [Group.objects.get_or_create(name=Role(role).value)[0] for role in wanted]
        self.groups.set(groups)
        self.save()
