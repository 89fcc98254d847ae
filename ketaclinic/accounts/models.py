"""People who sign in, their clinic memberships (role per clinic) and their credentials."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q

from ketaclinic.accounts.roles import CredentialKind, NurseType, Role
from ketaclinic.core.models import TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: staff (through memberships) or a patient (through the portal)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        # Django's admin site is not installed; "staff" here means "works at a clinic".
        return self.memberships.filter(is_active=True).exists()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class StaffMembership(TimeStampedModel):
    """A user's role at one clinic. A person who works at two clinics has two memberships."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    nurse_type = models.CharField(max_length=8, choices=NurseType.choices, blank=True)
    title = models.CharField(max_length=100, blank=True, help_text="As shown on signed records.")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic"),
            models.CheckConstraint(
                condition=Q(nurse_type="") | Q(role=Role.NURSE),
                name="nurse_type_only_for_nurses",
            ),
        ]
        ordering = ["clinic__name", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"

    @property
    def role_label(self) -> str:
        if self.role == Role.NURSE and self.nurse_type:
            return f"Nurse ({self.get_nurse_type_display()})"
        return self.get_role_display()


class Credential(TimeStampedModel):
    """A licence, registration or certification, with its expiry."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    number = models.CharField(max_length=64)
    issuing_state = models.CharField(
        max_length=2, blank=True, help_text="Two-letter state for licences; blank for national."
    )
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "number", "issuing_state"], name="credential_unique"
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="credential_expires_after_issue",
            ),
        ]
        ordering = ["expires_on"]

    def __str__(self) -> str:
        state = f" ({self.issuing_state})" if self.issuing_state else ""
        return f"{self.get_kind_display()} {self.number}{state}"

    def is_current_on(self, day: datetime.date) -> bool:
        return day <= self.expires_on
