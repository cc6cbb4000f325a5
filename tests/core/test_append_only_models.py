"""Every append-only model, wherever it lives, refuses the writes that bypass its save():
the catalog's copy once lost its bulk_update guard; there is one base now, and this
holds every model built on it."""

from __future__ import annotations

import pytest
from django.apps import apps

from corridor.core.exceptions import AppendOnlyViolation
from corridor.core.models import AppendOnlyModel, AppendOnlyQuerySet

APPEND_ONLY_MODELS = sorted(
    (model for model in apps.get_models() if issubclass(model, AppendOnlyModel)),
    key=lambda model: model._meta.label,
)


@pytest.mark.pure
def test_the_append_only_models_are_found():
    labels = {model._meta.label_lower for model in APPEND_ONLY_MODELS}
    assert {"audit.auditentry", "audit.treehead", "pathways.catalogversion"} <= labels


@pytest.mark.pure
@pytest.mark.parametrize("model", APPEND_ONLY_MODELS, ids=lambda model: model._meta.label)
def test_bulk_writes_are_refused_before_reaching_the_database(model):
    assert isinstance(model.objects.all(), AppendOnlyQuerySet)
    with pytest.raises(AppendOnlyViolation):
        model.objects.bulk_update([model()], ["pk"])
    with pytest.raises(AppendOnlyViolation):
        model.objects.all().update(pk=1)
    with pytest.raises(AppendOnlyViolation):
        model.objects.all().delete()
    with pytest.raises(AppendOnlyViolation):
        model().delete()


@pytest.mark.pure
@pytest.mark.parametrize("model", APPEND_ONLY_MODELS, ids=lambda model: model._meta.label)
def test_a_saved_row_is_never_saved_again(model):
    row = model()
    row._state.adding = False  # as a row read from the database
    with pytest.raises(AppendOnlyViolation):
        row.save()
