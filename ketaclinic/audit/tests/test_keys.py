"""The audit key: required in production, rotated without breaking old links, and chains sealed
before keyed hashes existed still verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ketaclinic.audit.chain import GENESIS_HASH, legacy_entry_hash
from ketaclinic.audit.keys import audit_key_from
from ketaclinic.audit.models import (
    AuditAction,
    AuditEvent,
    AuditEventOrigin,
    AuditHashAlgorithm,
    AuditSeal,
)
from ketaclinic.audit.services import audit_chain_verify, audit_seal_pending
from ketaclinic.audit.tests.support import insert_forged_event, record_events

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
NEW_KEY = "the-new-audit-key-" + "n" * 40


def test_rotating_the_key_keeps_old_links_and_events_verifiable(settings: Any) -> None:
    old_key = settings.AUDIT_HMAC_KEY
    record_events(2)
    audit_seal_pending()
    (waiting,) = record_events(1)  # written under the old key, sealed after the rotation
    settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_OLD_KEYS = NEW_KEY, [old_key]
    record_events(2)
    assert audit_seal_pending() == 3
    key_ids = list(AuditSeal.objects.order_by("sequence").values_list("key_id", flat=True))
    old_id, new_id = audit_key_from(old_key).key_id, audit_key_from(NEW_KEY).key_id
    assert key_ids == [old_id, old_id, new_id, new_id, new_id]
    assert AuditSeal.objects.get(event=waiting).event_origin == AuditEventOrigin.APPLICATION
    report = audit_chain_verify()
    assert report.is_intact
    assert report.forged_event_ids == ()
    # Without the old key the old links cannot be checked, and verify says which key is missing.
    settings.AUDIT_HMAC_OLD_KEYS = []
    report = audit_chain_verify()
    assert report.first_broken_sequence == 1
    assert f"audit key {old_id}, which this server does not have" in report.problem


def test_an_unkeyed_link_added_after_keyed_ones_is_refused() -> None:
    record_events(2)
    audit_seal_pending()
    forged = insert_forged_event()
    head = AuditSeal.objects.get(sequence=2)
    event = AuditEvent.objects.get(pk=forged)
    # Someone with the database role seals their row the old, unkeyed way.
    AuditSeal.objects.create(
        sequence=3,
        event=event,
        previous_hash=head.entry_hash,
        entry_hash=legacy_entry_hash(event=event, previous_hash=head.entry_hash),
        sealed_at=timezone.now(),
        algorithm=AuditHashAlgorithm.SHA256,
        key_id="",
        event_origin=AuditEventOrigin.LEGACY,
    )
    report = audit_chain_verify()
    assert report.first_broken_sequence == 3
    assert "unkeyed" in report.problem


LAST_UNKEYED_MIGRATION = ("audit", "0015_security_and_record_actions")


@pytest.mark.django_db(transaction=True)
def test_a_chain_sealed_before_keyed_hashes_still_verifies_after_the_upgrade(
    settings: Any,
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    executor = MigrationExecutor(connection)
    executor.migrate([LAST_UNKEYED_MIGRATION])
    old = executor.loader.project_state([LAST_UNKEYED_MIGRATION]).apps
    event_model, seal_model = (
        old.get_model("audit", "AuditEvent"),
        old.get_model("audit", "AuditSeal"),
    )
    events = [
        event_model.objects.create(
            occurred_at=timezone.now(), action=AuditAction.SIGN_IN_FAILED, detail={"n": n}
        )
        for n in range(4)
    ]
    previous_hash = GENESIS_HASH
    for sequence, event in enumerate(events[:3], start=1):  # the fourth waits for the sealer
        entry_hash = legacy_entry_hash(event=event, previous_hash=previous_hash)
        seal_model.objects.create(
            sequence=sequence,
            event=event,
            previous_hash=previous_hash,
            entry_hash=entry_hash,
            sealed_at=timezone.now(),
        )
        previous_hash = entry_hash

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    seals = list(AuditSeal.objects.order_by("sequence"))
    assert [seal.event_id for seal in seals] == [event.pk for event in events]
    assert {seal.algorithm for seal in seals} == {AuditHashAlgorithm.SHA256}
    assert {seal.event_origin for seal in seals} == {AuditEventOrigin.LEGACY}
    record_events(2)
    assert audit_seal_pending() == 2
    assert AuditSeal.objects.get(sequence=6).algorithm == AuditHashAlgorithm.HMAC_SHA256
    report = audit_chain_verify()
    assert report.is_intact
    assert (report.last_sequence, report.checked_links) == (6, 6)
    assert report.forged_event_ids == ()


def start_up(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"AUDIT_HMAC_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update({"SECRET_KEY": "k" * 50, "KETACLINIC_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "ketaclinic.cli", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({}, "AUDIT_HMAC_KEY is not set"),
        ({"AUDIT_HMAC_KEY": "too-short"}, "AUDIT_HMAC_KEY must be at least 32 characters"),
        (
            {"AUDIT_HMAC_KEY": "a" * 40, "AUDIT_HMAC_OLD_KEYS": "short"},
            "AUDIT_HMAC_OLD_KEYS: each key must be at least 32 characters",
        ),
    ],
)
def test_without_debug_a_missing_or_weak_audit_key_stops_start_up(
    tmp_path: Path, env: dict[str, str], sentence: str
) -> None:
    result = start_up(tmp_path, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
