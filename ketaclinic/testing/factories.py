"""factory_boy factories for the core rows. Tests build what they need, never fixture files."""

from __future__ import annotations

import datetime
from typing import Any, cast

import factory
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.roles import CredentialKind, Role
from ketaclinic.clinics.models import Chair, Clinic, Organization, Room
from ketaclinic.inquiries.models import ConditionOfInterest, ContactMethod, Inquiry
from ketaclinic.patients.models import Patient, SexAtBirth

TEST_PASSWORD = "correct-horse-battery-staple-42"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = "Test Health"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    address_line1 = "1 Main Street"
    city = "Denver"
    state = "CO"
    postal_code = "80202"
    phone = "(303) 555-0100"
    timezone = "America/Denver"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class ChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chair

    room = factory.SubFactory(RoomFactory)
    clinic = factory.SelfAttribute("room.clinic")
    # Numbered from 101, clear of the "Chair 1", "Chair 2"… that tests name themselves.
    name = factory.Sequence(lambda n: f"Chair {n + 101}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@clinic.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def with_totp(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        # `self` is the User being built (factory_boy passes the instance, not the factory).
        cast(User, self).save()
        if create and extracted:
            TOTP.activate(cast(User, self), TEST_TOTP_SECRET)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.NURSE


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    user = factory.SubFactory(UserFactory)
    kind = CredentialKind.MEDICAL_LICENSE
    number = factory.Sequence(lambda n: f"LIC{n:06d}")
    issuing_state = "CO"
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    medical_record_number = factory.Sequence(lambda n: f"MRN{n:05d}")
    legal_first_name = factory.Sequence(lambda n: f"Pat{n}")
    legal_last_name = "Example"
    date_of_birth = datetime.date(1985, 6, 15)
    sex_at_birth = SexAtBirth.FEMALE
    email = factory.Sequence(lambda n: f"patient{n}@mail.test")
    phone = "(720) 555-0100"


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    clinic = factory.SubFactory(ClinicFactory)
    full_name = factory.Sequence(lambda n: f"Inquirer {n}")
    email = factory.Sequence(lambda n: f"inquirer{n}@mail.test")
    phone = ""
    preferred_contact_method = ContactMethod.EMAIL
    condition_of_interest = ConditionOfInterest.DEPRESSION
    message = "I would like to know more."
    has_consented_to_contact = True


def staff_member(
    clinic: Clinic,
    role: Role,
    *,
    credentials: tuple[CredentialKind, ...] = (),
    with_totp: bool = True,
    **user_fields: Any,
) -> User:
    """A user with one membership at `clinic` and current credentials of the given kinds."""
    user = cast(User, UserFactory(with_totp=with_totp, **user_fields))
    MembershipFactory(
        user=user, clinic=clinic, role=role, nurse_type="rn" if role == Role.NURSE else ""
    )
    for kind in credentials:
        CredentialFactory(
            user=user,
            kind=kind,
            issuing_state=clinic.state
            if kind
            in {
                CredentialKind.MEDICAL_LICENSE,
                CredentialKind.NURSING_LICENSE,
                CredentialKind.APRN_LICENSE,
                CredentialKind.THERAPY_LICENSE,
            }
            else "",
        )
    return user
