"""The audit trail: append-only events, linked into a hash chain after they commit.

Events are inserted freely inside each request's own transaction (no shared lock, so fifty nurses
charting at once never wait on each other), each carrying a MAC of its own content made with the
audit key (which is never in the database). A sealer then links committed events into one chain,
in id order of what it finds, by inserting one AuditSeal per event, keyed too; an event without a
valid MAC is sealed marked as forged. Neither table is ever updated, deleted or truncated: the app
has no such path, and triggers refuse them (chain.py and keys.py say how the hashes are made).
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    SIGN_IN = "auth.sign_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    SIGN_OUT = "auth.sign_out", "Signed out"
    ACCOUNT_LOCKED = "auth.account_locked", "Account locked"
    MFA_ENROLLED = "auth.mfa_enrolled", "MFA enrolled"
    MFA_RECOVERY_CODES_VIEWED = "auth.mfa_recovery_codes_viewed", "Recovery codes viewed"
    SESSION_EXPIRED = "auth.session_expired", "Session ended by time limit"
    CLINIC_SWITCHED = "clinic.switched", "Switched clinic"
    PERMISSION_REFUSED = "access.refused", "Refused action"
    MEMBERSHIP_CREATED = "staff.membership_created", "Staff membership created"
    MEMBERSHIP_CHANGED = "staff.membership_changed", "Staff role changed"
    CREDENTIAL_RECORDED = "staff.credential_recorded", "Credential recorded"
    CLINIC_UPDATED = "clinic.updated", "Clinic details updated"
    CLINIC_RULES_CHANGED = "clinic.rules_changed", "Clinical rules changed"
    QUESTIONNAIRE_WORDING_LOADED = (
        "clinic.questionnaire_wording_loaded",
        "Licensed questionnaire wording loaded",
    )
    APPOINTMENT_BOOKED = "appointment.booked", "Appointment booked"
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled", "Appointment rescheduled"
    APPOINTMENT_CANCELLED = "appointment.cancelled", "Appointment cancelled"
    APPOINTMENT_NO_SHOW = "appointment.no_show", "Appointment marked no-show"
    COURSE_SIGNED = "course.signed", "Treatment course signed"
    COURSE_STATUS_CHANGED = "course.status_changed", "Treatment course status changed"
    DOSE_ORDER_SIGNED = "dose_order.signed", "Dose order signed"
    SCHEDULE_CHANGED = "schedule.changed", "Shifts or closures changed"
    INVENTORY_MOVEMENT = "inventory.movement", "Controlled-substance movement recorded"
    INVENTORY_COUNTED = "inventory.counted", "Controlled-substance count recorded"
    INVENTORY_DISCREPANCY = "inventory.discrepancy", "Count discrepancy updated"
    SESSION_CHECKED_IN = "session.checked_in", "Patient checked in for a session"
    SESSION_CHARTED = "session.charted", "Session charted"
    SESSION_OVERRIDDEN = "session.overridden", "Session rule overridden by a physician"
    SESSION_DOSE_PREPARED = "session.dose_prepared", "Session dose prepared and drawn"
    SESSION_DOSE_VERIFIED = "session.dose_verified", "Session dose independently verified"
    SESSION_VITALS_RECORDED = "session.vitals_recorded", "Vital signs recorded"
    SESSION_ALARM_ACKNOWLEDGED = "session.alarm_acknowledged", "Vital-sign alarm acknowledged"
    SESSION_ALARM_ESCALATED = "session.alarm_escalated", "Alarm escalated to the physician"
    SESSION_DISCHARGED = "session.discharged", "Patient discharged"
    SESSION_NOTE_SIGNED = "session.note_signed", "Session note signed"
    SESSION_NOTE_ADDENDUM = "session.note_addendum", "Session note addendum added"
    SESSION_VIEWED = "session.viewed", "Session chart viewed"
    MEASURE_COMPLETED = "measure.completed", "Scheduled measure completed"
    MEASURE_MISSED = "measure.missed", "Scheduled measure missed"
    MEASURE_REMINDED = "measure.reminded", "Measure reminder sent"
    MESSAGE_SENT = "message.sent", "Message sent"
    MESSAGE_READ = "message.read", "Messages read"
    PORTAL_INVITATION_SENT = "portal.invitation_sent", "Portal invitation sent"
    PORTAL_INVITATION_RESENT = "portal.invitation_resent", "Portal invitation sent again"
    PORTAL_INVITATION_REVOKED = "portal.invitation_revoked", "Portal invitation withdrawn"
    PORTAL_INVITATION_REFUSED = "portal.invitation_refused", "Portal invitation link refused"
    PORTAL_ACCOUNT_CREATED = "portal.account_created", "Portal account created by the patient"
    THERAPY_NOTE_RECORDED = "care.therapy_note_recorded", "Therapy note recorded"
    MEDICATION_CHANGE_RECORDED = "care.medication_change_recorded", "Medication change recorded"
    TASK_ACKNOWLEDGED = "task.acknowledged", "Urgent task acknowledged"
    TASK_ESCALATED = "task.escalated", "Urgent task escalated to the medical director"
    TASK_NOTIFIED = "task.notified", "Urgent task notice emailed"
    DASHBOARD_EXPORTED = "analytics.dashboard_exported", "Dashboard figures downloaded"
    RESEARCH_EXPORTED = "analytics.research_exported", "De-identified research export downloaded"
    PATIENT_CREATED = "patient.created", "Patient registered"
    PATIENT_UPDATED = "patient.updated", "Patient details updated"
    PATIENT_CHART_VIEWED = "patient.chart_viewed", "Patient chart viewed"
    PATIENT_LIST_VIEWED = "patient.list_viewed", "Patient list viewed"
    INTAKE_SAVED = "intake.saved", "Intake saved as draft"
    INTAKE_SUBMITTED = "intake.submitted", "Intake submitted"
    ELIGIBILITY_DECIDED = "eligibility.decided", "Eligibility decision signed"
    ELIGIBILITY_ADDENDUM = "eligibility.addendum", "Eligibility addendum added"
    REFERRAL_LETTER_EXPORTED = "eligibility.letter_exported", "Referral letter downloaded"
    CONSENT_PUBLISHED = "consent.published", "Consent version published"
    CONSENT_SIGNED = "consent.signed", "Consent signed and witnessed"
    CONSENT_SIGNED_IN_PORTAL = "consent.signed_in_portal", "Consent signed in the portal"
    CONSENT_WITNESSED = "consent.witnessed", "Portal consent witnessed"
    CONSENT_WITNESS_DECLINED = "consent.witness_declined", "Portal consent not confirmed"
    CONSENT_DOWNLOADED = "consent.downloaded", "Signed consent downloaded"
    QUESTIONNAIRE_RECORDED = "questionnaire.recorded", "Questionnaire recorded"
    QUESTIONNAIRE_LINK_ISSUED = "questionnaire.link_issued", "Questionnaire link issued"
    QUESTIONNAIRE_LINK_REFUSED = "questionnaire.link_refused", "Questionnaire link refused"
    TASK_CREATED = "task.created", "Task created"
    TASK_COMPLETED = "task.completed", "Task completed"
    INQUIRY_RECEIVED = "inquiry.received", "Inquiry received"
    INQUIRY_VIEWED = "inquiry.viewed", "Inquiry viewed"
    INQUIRY_UPDATED = "inquiry.updated", "Inquiry status or note changed"
    AUDIT_VIEWED = "audit.viewed", "Audit trail viewed"
    AUDIT_EXPORTED = "audit.exported", "Audit trail exported"
    API_TOKEN_ISSUED = "api.token_issued", "API token issued"
    API_TOKEN_REVOKED = "api.token_revoked", "API token revoked"
    API_TOKEN_REFUSED = "api.token_refused", "API token refused"
    ATTENDANCE_CONFIRMED = "reminder.attendance_confirmed", "Attendance and driver confirmed"
    ATTENDANCE_LINK_REFUSED = "reminder.link_refused", "Attendance link refused"
    CALENDAR_FEED_ISSUED = "calendar_feed.issued", "Calendar feed link issued"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked", "Calendar feed link revoked"
    MFA_FAILED = "auth.mfa_failed", "Second-step code refused"
    MFA_LOCKED = "auth.mfa_locked", "Second step paused after repeated wrong codes"
    WITNESS_SIGNATURE_FAILED = "auth.witness_signature_failed", "Witness signature refused"
    WITNESS_SIGNATURE_LOCKED = "auth.witness_signature_locked", "Witness signing paused"
    SESSION_BOARD_VIEWED = "session.board_viewed", "Session board viewed"
    ARRIVALS_VIEWED = "session.arrivals_viewed", "Arrivals list viewed"
    INTAKE_AMENDED = "intake.amended", "Submitted intake amended (earlier version kept)"
    AUDIT_CHECKPOINT_WRITTEN = "audit.checkpoint_written", "Audit chain checkpoint written"
    SIGN_IN_ADDRESS_PAUSED = (
        "auth.sign_in_address_paused",
        "Sign-in paused for a network after repeated failures",
    )


# Sign-in, sign-out, lockout and MFA events: recorded before a clinic is chosen, so without one.
AUTHENTICATION_PREFIX = "auth."


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class AuditEvent(models.Model):
    # No foreign keys with cascades: an audit row outlives what it describes, and must never be
    # deleted because a user or patient row is. Ids are kept as plain integers with names beside.
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=254, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # An AuditAction value. No `choices=`: a new action would otherwise need a migration of this
    # table; audit_record refuses any other value, and forms list AuditAction.choices themselves.
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(
        max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The event's MAC (chain.event_mac), made by audit_record before the insert with the audit
    # key `key_id`, over everything above but the id, and a random nonce (unique, so a genuine
    # row cannot be inserted twice). Empty on events written before keyed hashes (legacy); the
    # database fills them with '' for a row inserted without them, which then has no valid MAC.
    nonce = models.CharField(max_length=32, blank=True, default="", db_default="")
    key_id = models.CharField(max_length=16, blank=True, default="", db_default="")
    mac = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["clinic_id", "-occurred_at"], name="audit_clinic_time"),
            models.Index(fields=["patient_id", "-occurred_at"], name="audit_patient_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nonce"], condition=~models.Q(nonce=""), name="audit_event_nonce_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_label or '-'}"

    @property
    def action_label(self) -> str:
        """The action as staff read it; an action since renamed or removed shows as stored."""
        if self.action in AuditAction.values:
            return str(AuditAction(self.action).label)
        return self.action


class AuditHashAlgorithm(models.TextChoices):
    SHA256 = "sha256", "SHA-256, unkeyed (links sealed before keyed hashes)"
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256 with the audit key"


class AuditEventOrigin(models.TextChoices):
    APPLICATION = "application", "Written by the application (its MAC verified)"
    LEGACY = "legacy", "Written before events carried a MAC"
    FORGED = "forged", "Not written by the application (no valid MAC)"


class AuditSeal(models.Model):
    """One link of the hash chain. `sequence` is the chain order; one seal per event.

    `entry_hash` is an HMAC with the audit key `key_id` over the link before it, this link's
    place and verdict on its event (`event_origin`), and the whole event; links sealed before
    keyed hashes (`algorithm` SHA256, only ever at the start of the chain) are plain SHA-256.
    """

    sequence = models.BigIntegerField(unique=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    algorithm = models.CharField(max_length=16, choices=AuditHashAlgorithm.choices)
    key_id = models.CharField(max_length=16, blank=True)
    event_origin = models.CharField(max_length=16, choices=AuditEventOrigin.choices)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.entry_hash[:12]}"
