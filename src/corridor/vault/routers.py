"""Send the vault's tables to the `keystore` database and nothing else there.

Keeping the wrapped keys out of the data database means a data backup holds no key
at all, and erasing a key touches a database whose backups age out sooner.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

KEYSTORE = "keystore"
VAULT_APP = "vault"


def migrated_apps(alias: str) -> tuple[str, ...]:
    """The apps whose migrations `alias` runs; () for all of them.

    The key store holds the vault's tables only. Migrating it for every app created
    nothing but still rendered each app's history, which doubled `setup`'s migrate time.
    """
    return (VAULT_APP,) if alias == KEYSTORE else ()


class KeyStoreRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return KEYSTORE if model._meta.app_label == VAULT_APP else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return KEYSTORE if model._meta.app_label == VAULT_APP else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Nothing relates across the two databases; a foreign key to a key would
        # tie the data to a database it must outlive.
        if (obj1._meta.app_label == VAULT_APP) != (obj2._meta.app_label == VAULT_APP):
            return False
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if app_label == VAULT_APP:
            return db == KEYSTORE
        if db == KEYSTORE:
            return False
        return None
