from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_request_deletion_due_at")]

    # Codenames stored before this migration were derived twice (scheme 1); new ones once.
    operations = [
        migrations.AddField(
            model_name="codename",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="codename",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
