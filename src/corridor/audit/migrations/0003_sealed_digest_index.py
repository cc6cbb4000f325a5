# The latest recorded digest per (model, row, sealed field): what reads check against.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_reason_note'),
    ]

    operations = [
        migrations.CreateModel(
            name='SealedDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model_label', models.CharField(max_length=100)),
                ('row_id', models.UUIDField()),
                ('field', models.CharField(max_length=64)),
                ('digest', models.CharField(blank=True, max_length=64)),
                ('seq', models.BigIntegerField()),
            ],
            options={
                'db_table': 'audit_sealed_digest',
                'constraints': [models.UniqueConstraint(fields=('model_label', 'row_id', 'field'), name='audit_sealed_digest_one')],
            },
        ),
    ]
