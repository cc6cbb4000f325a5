# The check-in and duress words matched by form (lemma, transliteration, one typo): the
# keyed hashes of every form of each word, and whether portal messages count as check-ins.
#
# No data migration: the words are sealed under each case's data key, which a migration
# cannot unwrap (keyd unwraps for a staff or system principal, audited), so the forms of
# existing words cannot be derived here. Existing protocols keep their exact-word hashes
# and are still matched by them until the words are entered again (people.services).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_check_ins_not_agreed_yet'),
    ]

    operations = [
        migrations.AddField(
            model_name='contactprotocol',
            name='check_in_form_hashes',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='contactprotocol',
            name='duress_form_hashes',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='contactprotocol',
            name='portal_counts_as_check_in',
            field=models.BooleanField(default=False),
        ),
    ]
