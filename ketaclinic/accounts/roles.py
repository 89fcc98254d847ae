"""Staff roles, the actions they may take, and the credential each clinical act needs.

THE permission matrix lives here and nowhere else. docs/permissions.md is generated from it
(`ketaclinic permissions-doc`), and a test fails when the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    MEDICAL_DIRECTOR = "medical_director", "Medical director"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    THERAPIST = "therapist", "Therapist"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    AUDITOR = "auditor", "Auditor"


class NurseType(models.TextChoices):
    RN = "rn", "RN"
    CRNA = "crna", "CRNA"
    NP = "np", "NP"


class CredentialKind(models.TextChoices):
    MEDICAL_LICENSE = "medical_license", "Medical licence (MD/DO)"
    NURSING_LICENSE = "nursing_license", "Nursing licence (RN)"
    APRN_LICENSE = "aprn_license", "Advanced practice licence (NP/CRNA)"
    THERAPY_LICENSE = "therapy_license", "Therapy licence (LCSW/LPC/psychologist)"
    DEA_REGISTRATION = "dea_registration", "DEA registration"
    ACLS = "acls", "ACLS certification"
    BLS = "bls", "BLS certification"


# Licences are issued by a state and count only at a clinic in that state.
STATE_ISSUED_KINDS = frozenset(
    {
        CredentialKind.MEDICAL_LICENSE,
        CredentialKind.NURSING_LICENSE,
        CredentialKind.APRN_LICENSE,
        CredentialKind.THERAPY_LICENSE,
    }
)


class Action(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    PATIENT_LIST = "patient.list"
    PATIENT_REGISTER = "patient.register"
    PATIENT_CHART_VIEW = "patient.chart_view"
    INQUIRY_MANAGE = "inquiry.manage"
    INTAKE_RECORD = "intake.record"
    INTAKE_MEASUREMENTS_RECORD = "intake.measurements_record"
    INTAKE_STATUS_VIEW = "intake.status_view"
    QUESTIONNAIRE_RECORD = "questionnaire.record"
    ELIGIBILITY_DECIDE = "eligibility.decide"
    CONSENT_WITNESS = "consent.witness"
    COURSE_SIGN = "course.sign"
    DOSE_ORDER_SIGN = "dose_order.sign"
    APPOINTMENT_BOOK = "appointment.book"
    SESSION_BOARD_VIEW = "session_board.view"
    ARRIVALS_VIEW = "arrivals.view"
    SESSION_CHART = "session.chart"
    MEDICATION_ADMINISTER = "medication.administer"
    DOSE_VERIFY = "dose.verify"
    CHECKLIST_OVERRIDE = "checklist.override"
    SAFETY_TASK_RESOLVE = "safety_task.resolve"
    THERAPY_NOTE_RECORD = "therapy_note.record"
    MEDICATION_CHANGE_RECORD = "medication_change.record"
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_RECORD = "inventory.record"
    INVENTORY_WITNESS = "inventory.witness"
    OUTCOMES_VIEW = "outcomes.view"
    REPORTS_VIEW = "reports.view"
    CLINIC_RULES_APPROVE = "clinic_rules.approve"
    STAFF_MANAGE = "staff.manage"
    CLINIC_MANAGE = "clinic.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    PATIENT_MESSAGE = "patient.message"
    PORTAL_INVITE = "portal.invite"
    API_TOKEN_MANAGE = "api_token.manage"  # noqa: S105  (an action name, not a secret)


@dataclass(frozen=True)
class Rule:
    description: str
    roles: frozenset[Role]
    # Every group must be satisfied by at least one current credential of a kind in that group.
    credentials: tuple[frozenset[CredentialKind], ...] = ()
    # Where an action covers only some fields of a record (a field group), the fields it covers;
    # the services and the pages read them from here.
    fields: tuple[str, ...] = ()


_PHYSICIANS = frozenset({Role.PHYSICIAN, Role.MEDICAL_DIRECTOR})
_CLINICAL = _PHYSICIANS | {Role.NURSE}
_ALL_STAFF = frozenset(Role) - {Role.AUDITOR}

_PRESCRIBER_LICENSE = frozenset({CredentialKind.MEDICAL_LICENSE, CredentialKind.APRN_LICENSE})
_ADMINISTERING_LICENSE = frozenset(
    {CredentialKind.MEDICAL_LICENSE, CredentialKind.NURSING_LICENSE, CredentialKind.APRN_LICENSE}
)
_ACLS = frozenset({CredentialKind.ACLS})
_DEA = frozenset({CredentialKind.DEA_REGISTRATION})

PERMISSIONS: dict[Action, Rule] = {
    Action.DASHBOARD_VIEW: Rule("see the clinic's day", frozenset(Role)),
    Action.PATIENT_LIST: Rule("list and find patients", _ALL_STAFF),
    Action.PATIENT_REGISTER: Rule(
        "register or update a patient's demographics",
        frozenset({Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN, Role.MEDICAL_DIRECTOR}),
    ),
    Action.PATIENT_CHART_VIEW: Rule(
        "open a patient's clinical chart", _CLINICAL | {Role.THERAPIST}
    ),
    Action.INQUIRY_MANAGE: Rule(
        "work the inquiry queue", frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN})
    ),
    Action.INTAKE_RECORD: Rule(
        "record and submit the whole intake (history, substance use, medical history, "
        "allergies, pregnancy, diagnoses, antidepressant trials, medications, baseline vitals), "
        "and amend a submitted intake with a reason (a new version; earlier ones are kept)",
        _CLINICAL,
    ),
    Action.INTAKE_MEASUREMENTS_RECORD: Rule(
        "record the body measurements on a draft intake, and nothing clinical: front desk "
        "enters what is measured or reported at the desk; they do not submit or amend, and do "
        "not see the history, medications or diagnoses (the dose is worked out from the weight "
        "the nurse measures on the day)",
        _CLINICAL | {Role.FRONT_DESK},
        fields=("height_cm", "weight_kg"),
    ),
    Action.INTAKE_STATUS_VIEW: Rule(
        "see whether a patient's intake is done (its status, version and dates) without its "
        "clinical content, which needs `patient.chart_view`",
        _ALL_STAFF,
        fields=("status", "version", "submitted_at", "patient_submitted_at"),
    ),
    Action.QUESTIONNAIRE_RECORD: Rule(
        "enter questionnaire answers", _CLINICAL | {Role.FRONT_DESK, Role.THERAPIST}
    ),
    Action.ELIGIBILITY_DECIDE: Rule(
        "record an eligibility decision",
        _PHYSICIANS,
        (frozenset({CredentialKind.MEDICAL_LICENSE}),),
    ),
    Action.CONSENT_WITNESS: Rule("witness a consent signature", _CLINICAL),
    Action.COURSE_SIGN: Rule(
        "create and sign a treatment course",
        _PHYSICIANS,
        (frozenset({CredentialKind.MEDICAL_LICENSE}),),
    ),
    Action.DOSE_ORDER_SIGN: Rule(
        "sign a dose order", _PHYSICIANS, (frozenset({CredentialKind.MEDICAL_LICENSE}), _DEA)
    ),
    Action.APPOINTMENT_BOOK: Rule(
        "book, move or cancel appointments", _CLINICAL | {Role.FRONT_DESK, Role.CLINIC_ADMIN}
    ),
    Action.SESSION_BOARD_VIEW: Rule(
        "see the session board (today's patients by chair with their treatment stage, alarms, "
        "vitals due and notes to sign): the clinicians who run the chairs. Not therapists (they "
        "see their patients' charts) nor clinic admins (they have the arrivals list and the "
        "operations reports): the board's clinical detail is not needed for their work",
        _CLINICAL,
    ),
    Action.ARRIVALS_VIEW: Rule(
        "see the arrivals list (time, patient, chair, arrived or not, escort confirmed, "
        '"in treatment" or "ready to go home"; no alarms, vitals or doses) and check '
        "patients in from it",
        frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    ),
    Action.SESSION_CHART: Rule(
        "chart a session (checklist, vitals, side effects)",
        _CLINICAL,
        (_ADMINISTERING_LICENSE, _ACLS),
    ),
    Action.MEDICATION_ADMINISTER: Rule(
        "prepare and administer ketamine or esketamine",
        _CLINICAL,
        (_ADMINISTERING_LICENSE, _ACLS),
    ),
    Action.DOSE_VERIFY: Rule(
        "independently verify a prepared dose", _CLINICAL, (_ADMINISTERING_LICENSE,)
    ),
    Action.CHECKLIST_OVERRIDE: Rule(
        "override a session rule with a reason (failed check, dose, rate, discharge)",
        _PHYSICIANS,
        (frozenset({CredentialKind.MEDICAL_LICENSE}),),
    ),
    Action.SAFETY_TASK_RESOLVE: Rule(
        "review and close an urgent suicide-risk task",
        _PHYSICIANS,
        (frozenset({CredentialKind.MEDICAL_LICENSE}),),
    ),
    Action.THERAPY_NOTE_RECORD: Rule(
        "record a therapy or integration session",
        frozenset({Role.THERAPIST}) | _PHYSICIANS,
        (
            frozenset(
                {
                    CredentialKind.THERAPY_LICENSE,
                    CredentialKind.MEDICAL_LICENSE,
                    CredentialKind.APRN_LICENSE,
                }
            ),
        ),
    ),
    Action.MEDICATION_CHANGE_RECORD: Rule(
        "record a change to the patient's other medications",
        _CLINICAL,
        (_ADMINISTERING_LICENSE,),
    ),
    Action.INVENTORY_VIEW: Rule(
        "see controlled-substance stock", _CLINICAL | {Role.CLINIC_ADMIN, Role.AUDITOR}
    ),
    Action.INVENTORY_RECORD: Rule(
        "record receipts, counts and other stock movements",
        _CLINICAL | {Role.CLINIC_ADMIN},
    ),
    Action.INVENTORY_WITNESS: Rule(
        "witness waste, destruction or breakage", _CLINICAL, (_ADMINISTERING_LICENSE,)
    ),
    Action.OUTCOMES_VIEW: Rule(
        "see outcome trends and the dashboard",
        _CLINICAL | {Role.THERAPIST, Role.CLINIC_ADMIN},
    ),
    Action.REPORTS_VIEW: Rule(
        "see operations reports", _PHYSICIANS | {Role.CLINIC_ADMIN, Role.AUDITOR}
    ),
    Action.CLINIC_RULES_APPROVE: Rule(
        "approve the clinic's protocols and clinical thresholds",
        frozenset({Role.MEDICAL_DIRECTOR}),
        (frozenset({CredentialKind.MEDICAL_LICENSE}),),
    ),
    Action.STAFF_MANAGE: Rule(
        "manage staff, roles and credentials", frozenset({Role.CLINIC_ADMIN})
    ),
    Action.CLINIC_MANAGE: Rule(
        "manage the clinic's hours, rooms and chairs", frozenset({Role.CLINIC_ADMIN})
    ),
    Action.AUDIT_VIEW: Rule("read the audit trail", frozenset({Role.CLINIC_ADMIN, Role.AUDITOR})),
    Action.AUDIT_EXPORT: Rule(
        "export the audit trail", frozenset({Role.CLINIC_ADMIN, Role.AUDITOR})
    ),
    Action.PATIENT_MESSAGE: Rule(
        "read and answer patients' portal messages",
        _CLINICAL | {Role.FRONT_DESK, Role.CLINIC_ADMIN},
    ),
    Action.PORTAL_INVITE: Rule(
        "invite a patient to the patient portal (an emailed link to set a password), send a "
        "new link or withdraw it: those who register patients or answer their portal messages",
        _CLINICAL | {Role.FRONT_DESK, Role.CLINIC_ADMIN},
    ),
    Action.API_TOKEN_MANAGE: Rule("issue and revoke API tokens", frozenset({Role.CLINIC_ADMIN})),
}


def permissions_markdown() -> str:
    """The matrix as the Markdown table in docs/permissions.md."""
    roles = list(Role)
    header = "| action | " + " | ".join(role.label for role in roles) + " | credentials needed |"
    rule_line = "| --- | " + " | ".join("---" for _ in roles) + " | --- |"
    lines = [
        "# Permissions",
        "",
        "Generated from `ketaclinic/accounts/roles.py` by `ketaclinic permissions-doc`; a test",
        "fails when this file and the code disagree. A clinical act needs, besides the role, one",
        "current credential from each listed group; licences count only in the clinic's state.",
        "",
        header,
        rule_line,
    ]
    for action, rule in PERMISSIONS.items():
        cells = ["yes" if role in rule.roles else "" for role in roles]
        credentials = "; ".join(
            " or ".join(sorted(CredentialKind(kind).label for kind in group))
            for group in rule.credentials
        )
        lines.append(
            f"| `{action.value}` {rule.description} | " + " | ".join(cells) + f" | {credentials} |"
        )
    groups = [(action, rule) for action, rule in PERMISSIONS.items() if rule.fields]
    if groups:
        lines += [
            "",
            "## Field groups",
            "",
            "These actions cover only the listed fields of a record; the services refuse a",
            "change to any other field, and the pages and the API show only these fields to a",
            "role that has no wider action.",
            "",
        ]
        lines += [
            f"- `{action.value}`: " + ", ".join(f"`{name}`" for name in rule.fields)
            for action, rule in groups
        ]
    return "\n".join(lines) + "\n"
