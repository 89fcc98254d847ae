"""Keyed hashes: each event carries a MAC, each link an HMAC with the audit key and its id.

Links sealed before this migration stay as they were made (plain SHA-256, `algorithm` sha256,
their events `legacy`) and verify as such. Events written before it but not yet sealed are sealed
here, the old way, so that the keyed sealer never mistakes a pre-upgrade event for a forged one
(it has no MAC because none existed when it was written).
"""

import hashlib
import json

from django.db import migrations, models
from django.utils import timezone

GENESIS_HASH = "0" * 64
SEALER_LOCK_KEY = 7_326_001  # the sealer's advisory lock (services._SEALER_LOCK_KEY)


def _legacy_entry_hash(event, previous_hash):  # type: ignore[no-untyped-def]
    payload = {
        "id": event.pk,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "clinic_id": event.clinic_id,
        "patient_id": event.patient_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "source_ip": event.source_ip,
        "request_id": event.request_id,
        "detail": event.detail,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(f"{previous_hash}\n{text}".encode()).hexdigest()


def seal_pending_legacy_events(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
    event_model = apps.get_model("audit", "AuditEvent")
    seal_model = apps.get_model("audit", "AuditSeal")
    last = seal_model.objects.order_by("-sequence").first()
    sequence = last.sequence if last else 0
    previous_hash = last.entry_hash if last else GENESIS_HASH
    now = timezone.now()
    pending = event_model.objects.filter(seal__isnull=True).order_by("id")
    for event in pending.iterator(chunk_size=2000):
        sequence += 1
        entry_hash = _legacy_entry_hash(event, previous_hash)
        seal_model.objects.create(
            sequence=sequence,
            event=event,
            previous_hash=previous_hash,
            entry_hash=entry_hash,
            sealed_at=now,
            algorithm="sha256",
            key_id="",
            event_origin="legacy",
        )
        previous_hash = entry_hash


class Migration(migrations.Migration):
    dependencies = [("audit", "0015_security_and_record_actions")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="nonce",
            field=models.CharField(blank=True, db_default="", default="", max_length=32),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, db_default="", default="", max_length=16),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("nonce", ""), _negated=True),
                fields=("nonce",),
                name="audit_event_nonce_unique",
            ),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="algorithm",
            field=models.CharField(
                choices=[
                    ("sha256", "SHA-256, unkeyed (links sealed before keyed hashes)"),
                    ("hmac-sha256", "HMAC-SHA256 with the audit key"),
                ],
                default="sha256",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditseal",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditseal",
            name="event_origin",
            field=models.CharField(
                choices=[
                    ("application", "Written by the application (its MAC verified)"),
                    ("legacy", "Written before events carried a MAC"),
                    ("forged", "Not written by the application (no valid MAC)"),
                ],
                default="legacy",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(seal_pending_legacy_events, migrations.RunPython.noop),
    ]
