"""Migration 0004: an intake submitted before versions were kept becomes version 1 as it stands,
and each decision on it is marked as signed on that version."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome, Intake
from ketaclinic.intake.services import eligibility_decide, intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE
from ketaclinic.intake.versions import intake_content
from ketaclinic.testing.personas import make_personas

BEFORE_VERSIONS = ("intake", "0003_intake_patient_submitted_at")


@pytest.mark.django_db(transaction=True)
def test_a_submitted_intake_becomes_version_one_with_its_decisions() -> None:
    personas = make_personas()
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)
    eligibility_decide(
        acting_user=personas.alice,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="Two adequate failed trials.",
    )
    intake_save(acting_user=personas.nina, patient=personas.quinn, entry=COMPLETE, submit=False)
    expected = intake_content(Intake.objects.get(patient=personas.pat))

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_VERSIONS])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    submitted = Intake.objects.get(patient=personas.pat)
    (version,) = submitted.versions.all()
    assert (submitted.version, version.number, version.kind) == (1, 1, "submitted")
    assert version.content == expected
    assert version.created_by_id == personas.nina.pk
    assert EligibilityDecision.objects.get().intake_version == version
    draft = Intake.objects.get(patient=personas.quinn)
    assert (draft.version, draft.versions.count()) == (0, 0)
