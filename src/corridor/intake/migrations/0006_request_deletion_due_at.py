from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_carried_answers_and_sharing_changes")]

    operations = [
        migrations.AddField(
            model_name="request",
            name="deletion_due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
