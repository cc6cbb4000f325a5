"""One evacuation night: accounts.UnwrapSurge (keyd's limit, for listed people) and
cases.Surge (the insider threshold, for everyone) become accounts.Surge, which lifts both
for the people it lists.

UnwrapSurge rows keep their ids, names and members, with threshold 0 (they raised no
insider threshold). Each cases.Surge row becomes a night named "surge-<its old id>",
opened by whoever declared it, with its reason and threshold and no members: it raised
the threshold for everyone, which a night no longer does, so it stays as history (a
surge running during the upgrade stops raising the threshold; open a night instead).
"""

import uuid

from django.db import migrations, models


def copy_declared_surges(apps, schema_editor):
    Old = apps.get_model("cases", "Surge")
    New = apps.get_model("accounts", "Surge")
    New.objects.bulk_create(
        [
            New(
                id=uuid.uuid4(),
                name=f"surge-{old.pk}",
                reason=old.reason,
                threshold=old.threshold,
                opened_by_id=old.declared_by_id,
                opened_at=old.starts_at,
                ends_at=old.ends_at,
            )
            for old in Old.objects.order_by("pk")
        ]
    )


def copy_back(apps, schema_editor):
    Old = apps.get_model("cases", "Surge")
    New = apps.get_model("accounts", "Surge")
    for night in New.objects.filter(name__startswith="surge-", members__isnull=True):
        Old.objects.create(
            declared_by_id=night.opened_by_id,
            reason=night.reason,
            threshold=night.threshold,
            starts_at=night.opened_at,
            ends_at=night.closed_at or night.ends_at,
        )
        night.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_notifications_rota_pages"),
        ("cases", "0009_work_window"),
    ]

    operations = [
        migrations.RenameModel(old_name="UnwrapSurge", new_name="Surge"),
        migrations.AddField(
            model_name="surge",
            name="reason",
            field=models.CharField(
                choices=[
                    ("evacuation_night", "Evacuation night"),
                    ("mass_incident", "Many incidents at once"),
                    ("raid_response", "Responding to a raid"),
                ],
                default="evacuation_night",
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="surge",
            name="threshold",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(copy_declared_surges, copy_back),
    ]
