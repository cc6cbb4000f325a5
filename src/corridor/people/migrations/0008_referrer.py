import corridor.vault.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0007_document_files'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='referrer',
            field=corridor.vault.fields.EncryptedTextField(key_field='key_id'),
        ),
    ]
