"""All of Corridor's cryptography: AEAD, the key hierarchy, key providers, blind indexes,
encrypted fields and sealed boxes. The only importer of `cryptography` and `nacl`.

The everyday API is re-exported here (nothing in it touches the key store at import):

    from corridor import vault
    vault.seal_field(person, "name", "Ivan Petrov", key=key)

Opening is not re-exported: `opening.open_field` is imported only by `access` modules,
which record the read (an import contract enforces it).

Where the rest lives: `keys` (create_data_key, data_key, destroy_data_key),
`opening` (open_field), `fields` (EncryptedTextField, EncryptedJSONField, DataKeyField,
Sealed), `files` (seal_file, open_file, EncryptedFileStorage), `intake` (seal_for_intake,
intake key rotation), `signing` (sign, verify, public_keys), `providers` (key_provider: wrap,
unwrap, index, open_intake, sign, pepper), `longlived` (initialise_keys), `rotation`
(rotate_kek), `backup` (back_up, restore), `manifest` (the signed manifest of a backup set),
`errors` (every exception).
"""

from corridor.vault.datakey import DataKey
from corridor.vault.fields import Sealed, seal_field

__all__ = ["DataKey", "Sealed", "seal_field"]
