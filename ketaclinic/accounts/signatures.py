"""A colleague's signature: a witness (or an approver) types their own password on the recording
nurse's form or API call (controlled-substance waste, destruction, breakage, counts, adjustments).

The password is compared here, not through django.contrib.auth.authenticate(): that goes through
django-axes, and wrong passwords typed on someone else's form would lock the witness out of their
own sign-in. Signing has its own limit instead: WITNESS_SIGNATURE_FAILURE_LIMIT wrong passwords
for one witness from one address pause that witness's signing from there for
WITNESS_SIGNATURE_COOLOFF_TIME (the right password included). Each wrong password and each pause
is audited, with the acting user, the clinic and the witness. The witness's sign-in is never
touched.

A witness whose sign-in is locked from this address does not sign from it either: the lock means
someone here has been guessing that password, and a signature form that accepted it during the
lock would give them a second door to try it. (The witness locked by their own typos cannot sign
in from here either, so cannot work here until the lock lifts or an admin clears it.)
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest

from ketaclinic.accounts.attempts import (
    attempt_begin,
    attempt_failed,
    attempt_succeeded,
    subject_at,
    witness_signature_limit,
)
from ketaclinic.accounts.lockout import locked_out_message
from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, RateLimited


def signature_check(*, request: HttpRequest, signer: User, password: str, field: str) -> None:
    """Accept `signer`'s own password as their signature, or refuse naming the form `field`.

    Raises InvalidInput for a wrong password and RateLimited while signing is paused; nothing
    is recorded by the caller either way. Call it outside the caller's transaction, so that the
    audit of a refusal is kept.
    """
    name = signer.full_name or signer.email
    limit = witness_signature_limit()

    def audit(action: AuditAction, outcome: AuditOutcome, **detail: Any) -> None:
        audit_record(
            actor=getattr(request, "user", None),
            action=action,
            outcome=outcome,
            clinic=getattr(request, "clinic", None),
            subject=signer,
            detail={"signer_id": signer.pk, "field": field, **detail},
        )

    def paused(message: str) -> RateLimited:
        return RateLimited(message, fields={field: [message]})

    if AxesProxyHandler.is_locked(request, credentials={"email": signer.email}):
        audit(AuditAction.WITNESS_SIGNATURE_LOCKED, AuditOutcome.REFUSED, reason="sign_in_locked")
        raise paused(f"{name} cannot sign now: {locked_out_message()} Nothing was recorded.")
    pause_message = (
        f"{name} cannot sign now: too many wrong passwords were typed for their signature, so "
        f"signing as {name} from here is paused for {limit.minutes} minutes (their own sign-in "
        "is not affected). Nothing was recorded."
    )
    attempt = attempt_begin(limit, subject=subject_at(request, signer.pk))
    if attempt is None:
        audit(AuditAction.WITNESS_SIGNATURE_LOCKED, AuditOutcome.REFUSED, reason="paused")
        raise paused(pause_message)
    if password_matches(signer, password):
        attempt_succeeded(attempt)
        return
    audit(AuditAction.WITNESS_SIGNATURE_FAILED, AuditOutcome.FAILED)
    wrong = f"That is not {name}'s password."
    if attempt_failed(attempt):
        audit(
            AuditAction.WITNESS_SIGNATURE_LOCKED,
            AuditOutcome.REFUSED,
            reason="paused",
            pause_minutes=limit.minutes,
        )
        raise paused(f"{wrong} {pause_message}")
    message = f"{wrong} The witness types their own password to sign; nothing was recorded."
    raise InvalidInput(message, fields={field: [message]})


def password_matches(user: User, password: str) -> bool:
    """As Django's ModelBackend: the password is hashed and compared whatever the account's state
    (so the time taken tells nothing), and an inactive account is refused after."""
    if not user.has_usable_password():
        make_password(password)  # the work a comparison would have taken
        return False
    return user.check_password(password) and user.is_active
