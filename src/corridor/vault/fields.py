"""Encrypted model fields that load as opaque `Sealed` values.

A model with personal data subclasses `corridor.core.models.UUIDModel` (its id exists
before the insert), names its data key in a `DataKeyField` column, and declares each
personal field encrypted. The field points at that column with `key_field`:

    class Person(UUIDModel):
        key_id = DataKeyField()
        name = EncryptedTextField(key_field="key_id")
        contacts = EncryptedJSONField(key_field="key_id")

A service seals plaintext into the row (setting `key_id` if it is empty) and saves:

    key = create_data_key()                      # or data_key(case.key_id, ...)
    seal_field(person, "name", "Ivan Petrov", key=key)
    person.save()

Only an `access` module, which records the read, opens it, with `open_field` from
`corridor.vault.opening` (an import contract keeps everything else out of that module):

    open_field(person.name, key=key)  -> "Ivan Petrov"

`person.name` is a `Sealed`: no plaintext attribute, `repr()` is `<sealed>`, and it
refuses pickling, JSON and Django's serialisers. Assigning anything but a `Sealed` (or
None, to blank it) raises InputRejected. The associated data binds the ciphertext to
model, field, row id and data key id, so a value copied to another row, field or case
fails to open. Renaming a model or field therefore needs a re-sealing migration.

Rollback: the associated data cannot tell an old value of the same row and field from
the current one. Every save that replaces or blanks a sealed value records the SHA-256
of the new ciphertext (`pending_sealed_writes`, recorded by corridor.audit.sealed_digests
in the audit log and a latest-digest index), and `open_field` asks the registered
freshness check once the value authenticates: a value copied back from an old row
raises StaleSealedValue.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, NoReturn, TypeAlias, TypeVar

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init

from corridor.vault.aead import field_associated_data, seal_envelope
from corridor.vault.datakey import DataKey
from corridor.vault.errors import (
    InputRejected,
    KeyMismatch,
    StaleSealedValue,
)

JSONValue: TypeAlias = dict[str, "JSONValue"] | list["JSONValue"] | str | int | float | bool | None
T = TypeVar("T")
NOT_SEALED = "Set encrypted fields with vault.seal_field(...), never with plaintext."
STALE = "The sealed value is not the latest one written to its row and field."
# Where a save's blanked (set to None) encrypted fields are noted until it is recorded.
_BLANKED = "_sealed_blanked"
# (model label, row id, field, SHA-256 hex of the envelope); raises StaleSealedValue.
FreshnessCheck: TypeAlias = Callable[[str, uuid.UUID, str, str], None]
_freshness_check: list[FreshnessCheck] = []


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a field's plaintext becomes bytes and back."""

    name: str
    encode: Callable[[object], bytes]
    decode: Callable[[bytes], T]


def _encode_text(value: object) -> bytes:
    if not isinstance(value, str):
        raise InputRejected("An encrypted text field takes a str.")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputRejected("The text contains characters that cannot be stored.") from None


def _encode_json(value: object) -> bytes:
    try:
        text = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
        return text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        raise InputRejected("An encrypted JSON field takes plain JSON values only.") from None


def _decode_json(data: bytes) -> JSONValue:
    value: JSONValue = json.loads(data)
    return value


TEXT: Codec[str] = Codec("text", _encode_text, lambda data: data.decode("utf-8"))
JSON: Codec[JSONValue] = Codec("json", _encode_json, _decode_json)


class _Binding(NamedTuple):
    """Where a sealed value was read from: what its associated data must name."""

    model_label: str
    field: str
    row_id: object
    row_key_id: object


class Sealed(Generic[T]):
    """An encrypted value as loaded from the database: opaque until `open_field`."""

    __slots__ = ("_binding", "_codec", "_envelope", "_fresh")

    def __init__(
        self,
        envelope: bytes,
        codec: Codec[T],
        binding: _Binding | None = None,
        *,
        fresh: bool = False,
    ) -> None:
        self._envelope = envelope
        self._codec = codec
        self._binding = binding
        # Made by seal_field and not yet saved: the next save records its digest.
        self._fresh = fresh

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # Defends against a sealed value travelling into a cache, session or task
        # payload, where it would outlive erasure of the row it belongs to.
        raise TypeError("A sealed value cannot be pickled or serialised.")

    def __copy__(self) -> Sealed[T]:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Sealed[T]:
        # Immutable; Django deep-copies model instances in a few places (test data, forms).
        return self

    def _bind(self, binding: _Binding) -> Sealed[T]:
        return Sealed(self._envelope, self._codec, binding)

    def _unbound(self) -> Sealed[T]:
        return self if self._binding is None else Sealed(self._envelope, self._codec)

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the stored ciphertext: what the audit log records per write."""
        return sealed_digest(self._envelope)


if TYPE_CHECKING:
    _KeyColumn = models.UUIDField[uuid.UUID | None, uuid.UUID | None]
    _SealedColumn = models.BinaryField[Sealed[T] | None, Sealed[T] | None]
else:
    # Django's field classes are not subscriptable at run time unless something has
    # called django_stubs_ext.monkeypatch(); the vault must import without that.
    _KeyColumn = models.UUIDField

    class _SealedColumn(models.BinaryField, Generic[T]):
        pass


class DataKeyField(_KeyColumn):
    """The id of the data key a row's sealed fields are under.

    A plain column, not a foreign key: the key store is another database, and the row
    must outlive its key (erasure destroys the key and keeps the row's blanks).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


class SealedAttribute(DeferredAttribute):
    """Hands out values bound to their row, and refuses plaintext assignments."""

    field: EncryptedField[Any]

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if value is None:
            return None
        field = self.field
        binding = _Binding(
            model_label=field.model._meta.label_lower,
            field=field.name,
            row_id=instance.pk,
            row_key_id=getattr(instance, field.key_field),
        )
        bound: Sealed[Any] = value._bind(binding)
        return bound

    def __set__(self, instance: models.Model, value: object) -> None:
        if value is not None and not isinstance(value, Sealed):
            raise InputRejected(NOT_SEALED)
        if value is None:
            # Blanking is a write too: restoring the old value afterwards is a rollback.
            instance.__dict__.setdefault(_BLANKED, set()).add(self.field.attname)
        instance.__dict__[self.field.attname] = None if value is None else value._unbound()


class EncryptedField(_SealedColumn[T]):
    """Stores an AES-256-GCM envelope; always nullable (erasure blanks to NULL)."""

    descriptor_class = SealedAttribute
    codec: Codec[T]

    def __init__(self, *args: Any, key_field: str = "key_id", **kwargs: Any) -> None:
        self.key_field = key_field
        kwargs["null"] = True
        super().__init__(*args, **kwargs)

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        # Migrations render a "__fake__" class per model per step; a receiver for each made
        # `migrate` spend a tenth of its time connecting signals that nothing would send.
        if not cls._meta.abstract and cls.__module__ != "__fake__":
            # Loading a row sets its NULL fields through SealedAttribute: not a blanking.
            post_init.connect(
                _forget_blanks,
                sender=cls,
                weak=False,
                dispatch_uid=f"vault-blanks-{cls.__qualname__}-{id(cls)}",
            )

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("null", None)
        kwargs["key_field"] = self.key_field
        return name, path, list(args), kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        opts = self.model._meta
        if not isinstance(opts.pk, models.UUIDField):
            errors.append(
                checks.Error(
                    "A model with encrypted fields needs a UUID primary key set in Python "
                    "(subclass corridor.core.models.UUIDModel).",
                    obj=self,
                    id="vault.E001",
                )
            )
        try:
            key_column: object = opts.get_field(self.key_field)
        except FieldDoesNotExist:
            key_column = None
        if not isinstance(key_column, DataKeyField):
            errors.append(
                checks.Error(
                    f"key_field '{self.key_field}' must name a DataKeyField on this model.",
                    obj=self,
                    id="vault.E002",
                )
            )
        return errors

    def from_db_value(self, value: object, expression: object, connection: object) -> Any:
        if value is None:
            return None
        return Sealed(bytes(value), self.codec)  # type: ignore[call-overload]  # bytes or memoryview

    def to_python(self, value: object) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        raise InputRejected(NOT_SEALED)

    def get_prep_value(self, value: object) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value._envelope
        raise InputRejected(NOT_SEALED)

    def value_to_string(self, obj: models.Model) -> str:
        raise InputRejected("Sealed values are never serialised; export through an access_*.")


class EncryptedTextField(EncryptedField[str]):
    """Text sealed under the row's data key; opens to `str`."""

    codec = TEXT


class EncryptedJSONField(EncryptedField[JSONValue]):
    """A JSON value (canonical, sorted keys) sealed under the row's data key."""

    codec = JSON


def seal_field(
    instance: models.Model, field_name: str, plaintext: JSONValue, *, key: DataKey
) -> None:
    """Seal `plaintext` into `instance.<field_name>` under `key`; the caller saves the row.

    Who can decrypt: whoever can get `key` back from the key provider (an access_*
    function, under keyd only for staff assigned to the case). The row's key column is
    set to `key` if empty; a row already under another key raises KeyMismatch.
    """
    field = _encrypted_field(instance, field_name)
    row_id = instance.pk
    if not isinstance(row_id, uuid.UUID):
        raise InputRejected("Encrypted fields need a row whose UUID is set before sealing.")
    current = getattr(instance, field.key_field)
    if current is not None and current != key.key_id:
        raise KeyMismatch("The row is under another data key.")
    # Encode before touching the instance: a rejected value leaves the row as it was.
    data = field.codec.encode(plaintext)
    setattr(instance, field.key_field, key.key_id)
    associated = field_associated_data(
        model_label=field.model._meta.label_lower,
        field=field.name,
        row_id=row_id,
        dek_id=key.key_id,
    )
    envelope = seal_envelope(key.key_id, key.cipher, data, associated_data=associated)
    instance.__dict__[field.attname] = Sealed(envelope, field.codec, fresh=True)
    blanked = instance.__dict__.get(_BLANKED)
    if blanked:
        blanked.discard(field.attname)


def sealed_digest(envelope: bytes) -> str:
    """SHA-256 (hex) of a stored envelope; reveals nothing of the plaintext."""
    return hashlib.sha256(envelope).hexdigest()


def register_freshness_check(check: FreshnessCheck) -> None:
    """Install the check `vault.opening.open_field` runs on every value (the audit
    app's, at startup)."""
    _freshness_check[:] = [check]


def check_freshness(model_label: str, row_id: uuid.UUID, field: str, digest: str) -> None:
    """Run the registered freshness check on an authenticated value (StaleSealedValue)."""
    for check in _freshness_check:
        check(model_label, row_id, field, digest)


def stale_value(model_label: str, row_id: uuid.UUID, field: str, digest: str) -> StaleSealedValue:
    """The exception a freshness check raises for a value that is not the latest."""
    return StaleSealedValue(
        STALE, model_label=model_label, row_id=str(row_id), field=field, digest=digest
    )


def pending_sealed_writes(
    instance: models.Model, *, created: bool, update_fields: frozenset[str] | None
) -> dict[str, str]:
    """The encrypted fields this save of an existing row replaced, by name: the new value's
    digest, or "" for a blanked field. Marks them recorded.

    A new row (`created`) records nothing: the first value of a row's field is the only
    genuine ciphertext for it until it is replaced, so there is nothing older to restore.
    A value merely loaded and saved again is not a write either, so an unrelated save
    never re-records a restored old value as current.
    """
    written: dict[str, str] = {}
    blanked: set[str] = instance.__dict__.get(_BLANKED) or set()
    for field in _encrypted_fields_of(type(instance)):
        if update_fields is not None and field.name not in update_fields:
            continue
        value = instance.__dict__.get(field.attname)
        if isinstance(value, Sealed) and value._fresh:
            if not created:
                written[field.name] = value.digest
            instance.__dict__[field.attname] = Sealed(value._envelope, value._codec)
        elif value is None and field.attname in blanked and not created:
            written[field.name] = ""
        blanked.discard(field.attname)
    return written


def encrypted_models() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    """Every installed model with encrypted fields, and those fields' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = sealed_field_names(model)
        if names:
            found.append((model, names))
    return found


@functools.cache
def _encrypted_fields_of(model: type[models.Model]) -> tuple[EncryptedField[Any], ...]:
    # Asked on every save of every model: most have none, and should pay nothing.
    return tuple(f for f in model._meta.concrete_fields if isinstance(f, EncryptedField))


def _forget_blanks(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    instance.__dict__.pop(_BLANKED, None)


def sealed_field_names(model: type[models.Model]) -> tuple[str, ...]:
    """Every encrypted column of `model`, read from the model itself: erasure blanks these,
    so a sealed field added later is blanked without anyone remembering to list it."""
    return tuple(
        field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedField)
    )


def _encrypted_field(instance: models.Model, field_name: str) -> EncryptedField[Any]:
    try:
        field: object = instance._meta.get_field(field_name)
    except FieldDoesNotExist:
        field = None
    if not isinstance(field, EncryptedField):
        raise InputRejected(f"{type(instance).__name__}.{field_name} is not an encrypted field.")
    return field
