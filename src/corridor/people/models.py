"""Persons and their contact protocols.

Everything that identifies a person or says where they are is sealed under the
data key of their case (`key_id`); only coarse, non-identifying facts are plain
columns, because dashboards, pathway matching and reports read them without a key:
nationality and current country as ISO codes, sex, age band, and which documents
they hold.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core import clock
from corridor.core.models import AppendOnlyModel, AppendOnlyQuerySet, UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField, EncryptedTextField


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class AgeBand(models.TextChoices):
    CHILD = "0-13", _("Child (0–13)")
    TEEN = "14-17", _("Teenager (14–17)")
    YOUNG = "18-29", _("18–29")
    ADULT = "30-49", _("30–49")
    OLDER = "50-64", _("50–64")
    ELDER = "65+", _("65 or older")
    UNKNOWN = "unknown", _("Not known")


class Referral(models.TextChoices):
    NONE = "none", _("None")
    NGO = "ngo", _("A designated organisation")
    UNHCR = "unhcr", _("UNHCR")
    EMBASSY = "embassy", _("An embassy")


class Referrer(models.TextChoices):
    """Which referrer has referred the person or agreed to (the matcher's `referrer`):
    routes that take referrals only from designated referrers read it."""

    NONE = "none", _("None yet")
    UNHCR = "unhcr", _("UNHCR")
    RAINBOW_RAILROAD = "rainbow_railroad", _("Rainbow Railroad")
    EMBASSY = "embassy", _("An embassy")
    OTHER_NGO = "other_ngo", _("Another organisation")


# The planner's vocabularies, named as the matcher's facts contract names them.
class GenderIdentity(models.TextChoices):
    MAN = "man", _("Man")
    WOMAN = "woman", _("Woman")
    NONBINARY = "nonbinary", _("Non-binary")
    UNKNOWN = "unknown", _("Not known")


class SexMarker(models.TextChoices):
    """The sex written in their documents, which may not match who they are."""

    M = "M", _("M")
    F = "F", _("F")
    UNKNOWN = "unknown", _("Not known")


class HuntedBy(models.TextChoices):
    FAMILY = "family", _("Family")
    REGIONAL_POLICE = "regional_police", _("Regional police")
    FEDERAL_SERVICES = "federal_services", _("Federal services")
    COMMUNITY = "community", _("Community")
    OTHER = "other", _("Someone else")


class WantedScope(models.TextChoices):
    REGIONAL = "regional", _("Regional wanted list")
    FEDERAL = "federal", _("Federal wanted list")
    CIS = "cis", _("CIS wanted list")
    INTERPOL = "interpol", _("Interpol notice")


class MedicalDetail(models.TextChoices):
    URGENT_CARE = "urgent_care", _("Needs urgent care")
    ONGOING_TREATMENT = "ongoing_treatment", _("Ongoing treatment")
    INJURIES_TO_DOCUMENT = "injuries_to_document", _("Injuries to document")
    UNFIT_TO_TRAVEL = "unfit_to_travel", _("Not fit to travel now")
    HORMONE_THERAPY = "hormone_therapy", _("Hormone therapy")
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _("Psychological support")


class Person(UUIDModel):
    """One person: sealed identity under the case's data key, plain coarse facts."""

    key_id = DataKeyField()
    # Sealed: names and aliases in Cyrillic and Latin, [{"script", "given", "family",
    # "patronymic", "kind"}]; how to address them; date of birth (ISO); contacts; where
    # exactly they are; languages; health and protection needs; their story; special
    # category facts (profile tags, ties to countries).
    names = EncryptedJSONField(key_field="key_id")
    address_as = EncryptedTextField(key_field="key_id")
    date_of_birth = EncryptedTextField(key_field="key_id")
    contacts = EncryptedJSONField(key_field="key_id")
    location_detail = EncryptedTextField(key_field="key_id")
    languages = EncryptedJSONField(key_field="key_id")
    health_needs = EncryptedTextField(key_field="key_id")
    protection_needs = EncryptedTextField(key_field="key_id")
    narrative = EncryptedTextField(key_field="key_id")
    # Gender identity and the sex marker on their documents: special category data,
    # sealed and never in any report (the plain `sex` column is the coarse one).
    gender_identity = EncryptedTextField(key_field="key_id")
    document_sex_marker = EncryptedTextField(key_field="key_id")
    profile_tags = EncryptedJSONField(key_field="key_id")
    ties = EncryptedJSONField(key_field="key_id")
    # What decides which legal routes fit (pathways facts). Sealed: exit barriers say who
    # hunts the person (a criminal case, an exit ban), where they will not go says why,
    # medical needs are health data.
    exit_barriers = EncryptedJSONField(key_field="key_id")
    avoid_countries = EncryptedJSONField(key_field="key_id")
    medical_needs = EncryptedJSONField(key_field="key_id")
    # The planner's facts about danger and documents, named as the matcher names them:
    # who hunts the person, how far a search reaches, refusals, health in detail.
    hunted_by = EncryptedJSONField(key_field="key_id")
    wanted_scope = EncryptedJSONField(key_field="key_id")
    family_filed_case = EncryptedJSONField(key_field="key_id")
    previous_refusals = EncryptedJSONField(key_field="key_id")
    medical_detail = EncryptedJSONField(key_field="key_id")
    # Which referrer has referred them or agreed to (Rainbow Railroad says the person is LGBT).
    referrer = EncryptedTextField(key_field="key_id")
    # Plain, non-identifying. The document facts are a cache derived from the document
    # register (IdentityDocument) by the service that writes it; matching and reports
    # read them here without a key.
    nationality = models.CharField(max_length=2, blank=True)
    current_country = models.CharField(max_length=2, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    has_internal_passport = models.BooleanField(null=True)
    has_international_passport = models.BooleanField(null=True)
    international_passport_expiry = models.DateField(null=True, blank=True)
    has_birth_certificate = models.BooleanField(null=True)
    has_other_id = models.BooleanField(null=True)
    documents_confiscated = models.BooleanField(default=False)
    can_obtain_international_passport = models.BooleanField(null=True)
    passport_obtain_days = models.PositiveIntegerField(null=True, blank=True)
    internal_passport_restore_days = models.PositiveIntegerField(null=True, blank=True)
    unhcr_registered = models.BooleanField(default=False)
    referral = models.CharField(max_length=10, choices=Referral.choices, default=Referral.NONE)
    sponsor_available = models.BooleanField(default=False)
    # Bumped on every change: a form carrying an older version is refused as stale.
    version = models.PositiveIntegerField(default=1)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"person {self.pk}"


class PersonIndexEntry(models.Model):
    """One blind-index value of a person's names or phones, so the search box finds every
    person on a case, not only those who came through a request. The values are the
    requests' own (intake/screening/indexes.py: the same keys, normalisation and
    truncation), so one search value meets both; a value is a candidate, never proof.
    `field` is the person's field it was derived from ("names" or "contacts"): a change
    to one replaces that field's values only."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=16)
    name = models.CharField(max_length=32)
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["name", "value"], name="people_index_lookup")]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    INTERNAL_PASSPORT = "internal_passport", _("Internal passport")
    INTERNATIONAL_PASSPORT = "international_passport", _("International passport")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    MILITARY_ID = "military_id", _("Military ID")
    OTHER = "other", _("Other identity document")
    # Not identity documents: the evidence and decisions an application rests on. They
    # decide no identity fact (people.register), but they expire and change hands too.
    MEDICAL_REPORT = "medical_report", _("Medical report")
    POLICE_SUMMONS = "police_summons", _("Police summons")
    COURT_DOCUMENT = "court_document", _("Court document")
    VISA = "visa", _("Visa")
    DECISION_LETTER = "decision_letter", _("Decision letter")


class DocumentWhereabouts(models.TextChoices):
    """Where the original is now."""

    WITH_PERSON = "with_person", _("With the person")
    WITH_US = "with_us", _("With us")
    CONFISCATED = "confiscated", _("Confiscated")
    LOST = "lost", _("Lost")


class IdentityDocument(UUIDModel):
    """One identity document of a person: the register the document facts derive from.

    The number is sealed under the person's case key, with a blind index so the same
    document can be found in another case without decrypting; the issue date is sealed
    too. Kind, issuing country, expiry and whereabouts are plain: they decide routes.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    key_id = DataKeyField()
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    issuing_country = models.CharField(max_length=2, blank=True)
    number = EncryptedTextField(key_field="key_id")
    number_index = models.BigIntegerField(null=True, db_index=True)
    issued_on = EncryptedTextField(key_field="key_id")
    expires_on = models.DateField(null=True, blank=True)
    whereabouts = models.CharField(
        max_length=20, choices=DocumentWhereabouts.choices, default=DocumentWhereabouts.WITH_PERSON
    )
    # Bumped on every change: a form carrying an older version is refused as stale.
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"document {self.pk}"


class HolderKind(models.TextChoices):
    """Who holds an original in the custody log."""

    PERSON = "person", _("The person")
    CASEWORKER = "caseworker", _("A caseworker")
    OFFICE = "office", _("An office")
    COURIER = "courier", _("A courier")


class CustodyHandover(AppendOnlyModel, UUIDModel):
    """One handing-over of a document's original, recorded by the giver's side.

    Append-only: a mistake is put right by a handover back, never by an edit. It counts
    once the receiving side has signed it off (CustodyConfirmation). Which office or
    courier is sealed under the case key (a courier's name is personal data); the kinds
    and the staff accounts are plain, so a log can be read without opening the case."""

    document = models.ForeignKey(IdentityDocument, on_delete=models.CASCADE, related_name="custody")
    key_id = DataKeyField()
    # Blank: not known (the register had the original as confiscated or lost).
    from_kind = models.CharField(max_length=12, choices=HolderKind.choices, blank=True)
    from_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_note = EncryptedTextField(key_field="key_id")
    to_kind = models.CharField(max_length=12, choices=HolderKind.choices)
    to_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_note = EncryptedTextField(key_field="key_id")
    handed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The giving side was the person: the recorder says the person confirmed handing it.
    giver_person_confirmed = models.BooleanField(default=False)

    objects = AppendOnlyQuerySet.as_manager()
    append_only_message = "A custody log is append-only: record a handover back instead."

    def __str__(self) -> str:
        return f"handover of {self.document_id}"


class CustodyConfirmation(AppendOnlyModel):
    """The receiving side's sign-off of a handover: another staff account, or (when the
    person received it) a staff account recording that the person confirmed."""

    handover = models.OneToOneField(
        CustodyHandover, on_delete=models.CASCADE, related_name="confirmation"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=clock.now)
    person_confirmed = models.BooleanField(default=False)

    objects = AppendOnlyQuerySet.as_manager()
    append_only_message = "A custody log is append-only: record a handover back instead."

    def __str__(self) -> str:
        return f"confirmation of {self.handover_id}"


class FileType(models.TextChoices):
    JPEG = "image/jpeg", _("Photo (JPEG)")
    PNG = "image/png", _("Picture (PNG)")
    PDF = "application/pdf", _("PDF")
    TEXT = "text/plain", _("Text")


class DocumentFile(UUIDModel):
    """A scan or photo of a person's document, stripped (people.sanitise) and sealed under
    the case key in the vault's file store. The row holds no plaintext: the name the file
    was uploaded under is sealed; the storage name is random. `document` links it to the
    register entry it shows (optional: a medical report has no register row yet)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="files")
    document = models.ForeignKey(
        IdentityDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="files",
    )
    key_id = DataKeyField()
    storage_name = models.CharField(max_length=32, unique=True)
    media_type = models.CharField(max_length=30, choices=FileType.choices)
    size = models.PositiveBigIntegerField()
    title = EncryptedTextField(key_field="key_id")
    # Came through a messenger (people.file_keeping): a task to delete it from that phone.
    arrived_by_messenger = models.BooleanField(default=False)
    # Kept past the shredding after its application's decision, with a sealed reason.
    kept_at = models.DateTimeField(null=True, blank=True)
    kept_by = models.CharField(max_length=100, blank=True)
    kept_reason = EncryptedTextField(key_field="key_id")

    def __str__(self) -> str:
        return f"file {self.pk}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SIGNAL = "signal", _("Signal")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    IN_PERSON = "in_person", _("In person")
    PORTAL = "portal", _("Portal messages")
    OTHER = "other", _("Other")


class ContactProtocol(UUIDModel):
    """How and when to reach a person safely, and the words that say all is well — or not.

    The check-in and duress words are sealed for staff to read; matching a typed
    word uses keyed hashes only (see wordforms.py), so the words are never compared
    in plaintext and never stored in a form a seized database gives up.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="protocol")
    key_id = DataKeyField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    safe_hours = EncryptedTextField(key_field="key_id")
    if_someone_else_answers = EncryptedTextField(key_field="key_id")
    check_in_word = EncryptedTextField(key_field="key_id")
    duress_word = EncryptedTextField(key_field="key_id")
    # Exact-word hashes of protocols saved before matching by lemma: kept (and still
    # matched) until the words are entered again, since only the case key can reopen them.
    check_in_word_hash = models.BigIntegerField(null=True)
    duress_word_hash = models.BigIntegerField(null=True)
    # Keyed hashes of every form that says each word (people.wordforms): its lemmas and,
    # for words of five letters or more, their one-edit neighbours. Sorted integers.
    check_in_form_hashes = models.JSONField(default=list, blank=True)
    duress_form_hashes = models.JSONField(default=list, blank=True)
    # Any message the person writes in their portal thread counts as a check-in.
    portal_counts_as_check_in = models.BooleanField(default=False)
    check_in_every_hours = models.PositiveIntegerField(default=24)
    last_check_in_at = models.DateTimeField(default=clock.now)
    # None while no check-ins are agreed yet (a protocol carried over from the person's
    # request holds only their wishes): nothing can be missed before it is agreed.
    check_in_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set when a missed check-in has raised its incident, so it is raised once.
    overdue_raised_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"contact protocol of {self.person_id}"
