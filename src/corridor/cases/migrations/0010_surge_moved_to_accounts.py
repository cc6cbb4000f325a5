"""cases.Surge is gone: its rows are accounts.Surge (accounts 0010), one evacuation night."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_work_window"),
        ("accounts", "0011_one_surge"),
    ]

    operations = [
        migrations.DeleteModel(name="Surge"),
    ]
