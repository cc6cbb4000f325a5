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

    # intake: requests and their threads, as received and as read by staff
    REQUEST_RECEIVED = "intake.request_received"
    REQUEST_READ = "intake.request_read"
    MESSAGE_RECEIVED = "intake.message_received"
    REPLY_SENT = "intake.reply_sent"

    # portal: the requester's codename, session and reading of their thread
    CODENAME_ISSUED = "portal.codename_issued"
    CODENAME_CONFIRMED = "portal.codename_confirmed"
    CODENAME_REPLACED = "portal.codename_replaced"
    SIGNED_IN = "portal.signed_in"
    SIGNED_OUT = "portal.signed_out"
    THREAD_READ = "portal.thread_read"
    FLOOD_DETECTED = "portal.flood_detected"

    @property
    def group(self) -> str:
        """The app the event belongs to, e.g. `accounts`."""
        return self.value.partition(".")[0]
