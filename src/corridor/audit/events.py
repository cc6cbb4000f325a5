"""The audit log's event types: stable codes `<app>.<what_happened>`, grouped by app.

A code is written into signed leaves and read back for years, so it is never
renamed or reused: add new members, never edit old ones (a test holds the list).
"""

from enum import StrEnum, unique


@unique
class EventType(StrEnum):
    # accounts: authentication, sessions, factors, roles and approvals
    LOGIN_SUCCEEDED = "accounts.login_succeeded"
    LOGIN_FAILED = "accounts.login_failed"
    LOGIN_LOCKED = "accounts.login_locked"
    SECOND_FACTOR_FAILED = "accounts.second_factor_failed"
    LOGOUT = "accounts.logout"
    SESSION_EXPIRED = "accounts.session_expired"
    SESSIONS_REVOKED = "accounts.sessions_revoked"
    PASSWORD_CHANGED = "accounts.password_changed"  # noqa: S105 - an event code
    PASSWORD_RESET = "accounts.password_reset"  # noqa: S105 - an event code
    FACTOR_ENROLLED = "accounts.factor_enrolled"
    FACTOR_USED = "accounts.factor_used"
    FACTOR_REVOKED = "accounts.factor_revoked"
    BACKUP_CODES_GENERATED = "accounts.backup_codes_generated"
    BACKUP_CODE_USED = "accounts.backup_code_used"
    ACCOUNT_CREATED = "accounts.account_created"
    ACCOUNT_DISABLED = "accounts.account_disabled"
    ACCOUNT_ENABLED = "accounts.account_enabled"
    ROLE_GRANTED = "accounts.role_granted"
    ROLE_REVOKED = "accounts.role_revoked"
    RECENT_AUTH_CONFIRMED = "accounts.recent_auth_confirmed"
    APPROVAL_REQUESTED = "accounts.approval_requested"
    APPROVAL_GRANTED = "accounts.approval_granted"
    APPROVAL_REFUSED = "accounts.approval_refused"
    APPROVAL_EXPIRED = "accounts.approval_expired"
    APPROVAL_EMERGENCY_USED = "accounts.approval_emergency_used"
    APPROVAL_REVIEWED = "accounts.approval_reviewed"
    APPROVAL_REVIEW_OVERDUE = "accounts.approval_review_overdue"
    ACCESS_DENIED = "accounts.access_denied"
    ON_CALL_CHANGED = "accounts.on_call_changed"
    DRAFT_SAVED = "accounts.draft_saved"
    DRAFT_RESTORED = "accounts.draft_restored"
    DRAFT_DISCARDED = "accounts.draft_discarded"
    ACCOUNT_SUSPENDED = "accounts.account_suspended"
    STANDBY_REGISTERED = "accounts.standby_registered"
    STANDBY_ACTIVATED = "accounts.standby_activated"
    STANDBY_ENDED = "accounts.standby_ended"
    ALERT_DISMISSED = "accounts.alert_dismissed"
    ALERT_ACKNOWLEDGED = "accounts.alert_acknowledged"
    CHANNEL_ADDED = "accounts.channel_added"
    CHANNEL_REMOVED = "accounts.channel_removed"
    NOTIFICATION_SENT = "accounts.notification_sent"
    NOTIFICATION_GIVEN_UP = "accounts.notification_given_up"
    NOTIFICATION_TARGET_READ = "accounts.notification_target_read"
    SHIFT_ADDED = "accounts.shift_added"
    SHIFT_REMOVED = "accounts.shift_removed"
    PAGE_ESCALATED = "accounts.page_escalated"

    # people and cases
    PERSON_CREATED = "people.person_created"
    PERSON_UPDATED = "people.person_updated"
    PERSON_OPENED = "people.person_opened"
    # `corridor people reindex` read a person's names and contacts to index them.
    PERSON_INDEXED = "people.person_indexed"
    DOCUMENT_ADDED = "people.document_added"
    DOCUMENT_CHANGED = "people.document_changed"
    DOCUMENT_REMOVED = "people.document_removed"
    # A scan or photo was stripped, sealed and stored; its download (an audited read).
    DOCUMENT_FILE_ADDED = "people.document_file_added"
    DOCUMENT_FILE_OPENED = "people.document_file_opened"
    # A file linked to a register entry after its upload (or unlinked).
    DOCUMENT_FILE_LINKED = "people.document_file_linked"
    # Kept past the shredding after its application's decision, with a sealed reason.
    DOCUMENT_FILE_KEPT = "people.document_file_kept"
    # Shredded a set time after its application's decision (the worker's job).
    DOCUMENT_FILE_SHREDDED = "people.document_file_shredded"
    # A file that came by messenger: a task to delete it from that phone was added.
    DOCUMENT_FILE_FROM_MESSENGER = "people.document_file_from_messenger"
    # An original changed hands: recorded by the giver, confirmed by the receiver.
    CUSTODY_HANDOVER_RECORDED = "people.custody_handover_recorded"
    CUSTODY_HANDOVER_CONFIRMED = "people.custody_handover_confirmed"
    CASE_OPENED = "cases.case_opened"
    CASE_OPENED_FOR_WORK = "cases.case_opened_for_work"
    CASE_REVEALED = "cases.case_revealed"
    WORK_WINDOW_SET = "cases.work_window_set"
    OPENING_RENEWED = "cases.opening_renewed"
    CASE_ASSIGNED = "cases.case_assigned"
    CASE_UNASSIGNED = "cases.case_unassigned"
    MEMBER_ADDED = "cases.member_added"
    MEMBER_REMOVED = "cases.member_removed"
    CASE_LINKED = "cases.case_linked"
    CASE_UNLINKED = "cases.case_unlinked"
    MILESTONE_RECORDED = "cases.milestone_recorded"
    PHASE_CHANGED = "cases.phase_changed"
    FLAG_RAISED = "cases.flag_raised"
    FLAG_CLEARED = "cases.flag_cleared"
    CASE_CLOSED = "cases.case_closed"
    CASE_REOPENED = "cases.case_reopened"
    RISK_ASSESSED = "cases.risk_assessed"
    PROTOCOL_SET = "cases.protocol_set"
    CHECK_IN_RECORDED = "cases.check_in_recorded"
    DURESS_DETECTED = "cases.duress_detected"
    INCIDENT_OPENED = "cases.incident_opened"
    INCIDENT_STEP_DONE = "cases.incident_step_done"
    INCIDENT_CLOSED = "cases.incident_closed"
    TASK_ADDED = "cases.task_added"
    TASK_COMPLETED = "cases.task_completed"
    NOTE_ADDED = "cases.note_added"
    EXPENSE_RECORDED = "cases.expense_recorded"
    EXCHANGE_RATE_SET = "cases.exchange_rate_set"
    FUNDING_SOURCE_ADDED = "cases.funding_source_added"
    PLACEMENT_RECORDED = "cases.placement_recorded"
    PLACEMENT_ENDED = "cases.placement_ended"
    TRAVEL_LEG_RECORDED = "cases.travel_leg_recorded"
    TRAVEL_LEG_COMPLETED = "cases.travel_leg_completed"
    CASE_ERASED = "cases.case_erased"
    KEYS_RECONCILED = "cases.keys_reconciled"

    # pathways: the catalog
    CATALOG_VERSION_LOADED = "pathways.catalog_version_loaded"
    CATALOG_VERSION_EDITED = "pathways.catalog_version_edited"
    CATALOG_VERSION_EXPORTED = "pathways.catalog_version_exported"
    APPLICATION_STARTED = "pathways.application_started"
    APPLICATION_STATUS_RECORDED = "pathways.application_status_recorded"
    APPLICATION_REFERENCES_OPENED = "pathways.application_references_opened"
    SLOT_AGREEMENT_ADDED = "pathways.slot_agreement_added"
    ROUTE_PAUSED = "pathways.route_paused"
    ROUTE_RESUMED = "pathways.route_resumed"
    ROUTE_NOTE_ADDED = "pathways.route_note_added"
    ROUTE_FEED_IMPORTED = "pathways.route_feed_imported"

    # vault: keys (recorded by the callers above the vault, which knows no domain)
    KEY_CREATED = "vault.key_created"
    KEY_DESTROYED = "vault.key_destroyed"
    KEK_ROTATED = "vault.kek_rotated"
    INTAKE_KEY_ROTATED = "vault.intake_key_rotated"
    INTAKE_OPENED = "vault.intake_opened"
    BACKUP_CREATED = "vault.backup_created"
    BACKUP_RESTORED = "vault.backup_restored"

    # audit: the log's own operations
    TREE_HEAD_SIGNED = "audit.tree_head_signed"
    LOG_EXPORTED = "audit.log_exported"
    REASON_NOTE_READ = "audit.reason_note_read"

    # intake: requests and their threads, as received and as read by staff
    REQUEST_RECEIVED = "intake.request_received"
    REQUEST_READ = "intake.request_read"
    # A service opened a request's answers or facts to act on them (decide, carry, screen,
    # compare); nothing is shown, so it does not count toward the insider alert.
    REQUEST_PROCESSED = "intake.request_processed"
    SEARCH_MADE = "intake.search_made"
    SEARCH_BEYOND = "intake.search_beyond"
    MESSAGE_RECEIVED = "intake.message_received"
    REQUEST_FILE_RECEIVED = "intake.request_file_received"
    REPLY_SENT = "intake.reply_sent"

    # portal: the requester's codename, session and reading of their thread
    CODENAME_ISSUED = "portal.codename_issued"
    CODENAME_CONFIRMED = "portal.codename_confirmed"
    CODENAME_REPLACED = "portal.codename_replaced"
    SIGNED_IN = "portal.signed_in"
    SIGNED_OUT = "portal.signed_out"
    THREAD_READ = "portal.thread_read"
    FLOOD_DETECTED = "portal.flood_detected"
    # keyd: a refused unwrap (recorded by the web layer once the request's transaction has
    # rolled back)
    UNWRAP_REFUSED = "vault.unwrap_refused"
    # sealed values: each save's new ciphertext digests (per field; "" for a blanked field),
    # and a read refused because the value is not the latest recorded (a rollback)
    SEALED_WRITTEN = "vault.sealed_written"
    STALE_VALUE_REFUSED = "vault.stale_value_refused"
    # a page met a sealed or unreachable key service, or a stored value that failed its
    # check; recorded like a refusal, once the request's transaction has rolled back
    KEYS_UNAVAILABLE = "vault.keys_unavailable"
    DECRYPTION_FAILED = "vault.decryption_failed"
    # keyd's own log, copied line by line by the worker (served and refused alike), and a
    # copy that does not continue the chain recorded so far
    KEYD_ATTEMPT = "vault.keyd_attempt"
    KEYD_LOG_BROKEN = "vault.keyd_log_broken"
    # an evacuation night opened or closed early (accounts.surges): it lifts the listed
    # people's key limit in keyd and their insider-alert threshold
    SURGE_OPENED = "accounts.surge_opened"
    SURGE_CLOSED = "accounts.surge_closed"
    # cases: the staff screens (page views, insider alerts)
    CASE_VIEWED = "cases.case_viewed"
    INSIDER_ALERT_RAISED = "cases.insider_alert_raised"
    INSIDER_ALERT_REVIEWED = "cases.insider_alert_reviewed"
    # Deprecated: written before the two kinds of surge became one evacuation night (now
    # SURGE_OPENED and SURGE_CLOSED); kept so the old entries still read, never written.
    SURGE_DECLARED = "cases.surge_declared"
    SURGE_ENDED = "cases.surge_ended"
    # reports: exports (with the file's SHA-256) and the never-publish list
    REPORT_EXPORTED = "reports.report_exported"
    NEVER_PUBLISH_MARKED = "reports.never_publish_marked"
    NEVER_PUBLISH_CLEARED = "reports.never_publish_cleared"
    # intake: screening, the watchlist, hotline intake and verification decisions
    REQUEST_SCREENED = "intake.request_screened"
    SIGNAL_RAISED = "intake.signal_raised"
    WATCH_ENTRY_ADDED = "intake.watch_entry_added"
    WATCH_ENTRY_REMOVED = "intake.watch_entry_removed"
    WATCHLIST_READ = "intake.watchlist_read"
    HOTLINE_RECORDED = "intake.hotline_recorded"
    HOTLINE_ESCALATED = "intake.hotline_escalated"
    REQUEST_DECIDED = "intake.request_decided"
    REQUEST_ERASED = "intake.request_erased"
    # the requester's own deletion request from the portal, its cancelling, and (for a
    # request accepted into a case) the two-person erasure it opens instead
    DELETION_ASKED = "intake.deletion_asked"
    DELETION_CANCELLED = "intake.deletion_cancelled"
    DELETION_REFERRED_TO_CASE = "intake.deletion_referred_to_case"
    # cases and pathways: corrections of what was recorded by mistake, closing, incidents
    MILESTONE_CORRECTED = "cases.milestone_corrected"
    MILESTONE_RETRACTED = "cases.milestone_retracted"
    APPLICATION_STATUS_RETRACTED = "pathways.application_status_retracted"
    KEPT_AT_CLOSING = "cases.kept_at_closing"
    PROTOCOL_STOPPED = "cases.protocol_stopped"
    INCIDENT_STEP_SKIPPED = "cases.incident_step_skipped"
    TRAVEL_LEG_CANCELLED = "cases.travel_leg_cancelled"
    ANSWERS_CARRIED = "intake.answers_carried"
    ANSWERS_WAITING = "intake.answers_waiting"
    CODENAMES_RETIRED = "intake.codenames_retired"
    SHARING_CHANGED = "intake.sharing_changed"

    # cases: what the person agreed to, and refusals to share against it
    CONSENT_RECORDED = "cases.consent_recorded"
    SHARING_REFUSED = "cases.sharing_refused"
    SHARING_CONFIRMED = "cases.sharing_confirmed"
    INTAKE_RECORDED = "cases.intake_recorded"
    RISK_SEEDED = "cases.risk_seeded"

    # pathways: the plan a caseworker chose for a case (route changes alert on it)
    PLAN_CHOSEN = "pathways.plan_chosen"
    # pathways: an application's dossier built and downloaded (its download id and SHA-256)
    DOSSIER_DOWNLOADED = "pathways.dossier_downloaded"
    # people: a PDF or photo downloaded with a watermark (its download id and SHA-256)
    DOCUMENT_FILE_DOWNLOADED = "people.document_file_downloaded"

    # transfer: cases brought in from an organisation's spreadsheets
    IMPORT_CHECKED = "transfer.import_checked"
    CASE_IMPORTED = "transfer.case_imported"
    IMPORT_REFUSED_ROW = "transfer.import_refused_row"
    MAPPING_SAVED = "transfer.mapping_saved"
    UPLOAD_HELD = "transfer.upload_held"
    UPLOAD_SHREDDED = "transfer.upload_shredded"
    CASES_EXPORTED = "transfer.cases_exported"
    EXPORT_READ = "transfer.export_read"
    UPLOAD_OPENED = "transfer.upload_opened"

    # partners: the organisations directory, partner keys (two coordinators), witnesses
    ORGANISATION_ADDED = "partners.organisation_added"
    ORGANISATION_REMOVED = "partners.organisation_removed"
    PARTNER_KEYS_PROPOSED = "partners.partner_keys_proposed"
    PARTNER_KEYS_INSTALLED = "partners.partner_keys_installed"
    PARTNER_KEYS_REFUSED = "partners.partner_keys_refused"
    HEAD_WITNESSED = "partners.head_witnessed"
    HEAD_SENT_TO_WITNESS = "partners.head_sent_to_witness"
    WITNESS_CONFLICT = "partners.witness_conflict"
    WITNESS_SILENT = "partners.witness_silent"
    # shelters: the registry (address and host sealed under each shelter's own key)
    SHELTER_REGISTERED = "shelters.shelter_registered"
    SHELTER_CHANGED = "shelters.shelter_changed"
    SHELTER_READ = "shelters.shelter_read"
    SHELTER_COMPROMISED = "shelters.shelter_compromised"
    PLACEMENT_MOVED = "cases.placement_moved"
    PLACEMENT_NIGHTS_CHARGED = "cases.placement_nights_charged"

    @property
    def group(self) -> str:
        """The app the event belongs to, e.g. `accounts`."""
        return self.value.partition(".")[0]


# Codes kept so old entries still read, never written again (record_event refuses them).
DEPRECATED_EVENTS = frozenset({EventType.SURGE_DECLARED, EventType.SURGE_ENDED})
