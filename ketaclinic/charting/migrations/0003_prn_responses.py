# Issue 13 item 2: a PRN's response was one field, overwritten by the next response. Each
# response is now its own row. The one response a PRN had is kept as its first row, with the
# nurse and time its audit event names (the dose's nurse and time when it was charted with it).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def responses_become_rows(apps, schema_editor):
    PrnDose = apps.get_model("charting", "PrnDose")
    PrnResponse = apps.get_model("charting", "PrnResponse")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for prn in PrnDose.objects.exclude(response="").iterator():
        # The latest event that wrote this response (prn_response_record); none when it was
        # charted with the dose (prn_record).
        event = (
            AuditEvent.objects.filter(
                object_type="charting.PrnDose",
                object_id=str(prn.pk),
                detail__has_key="prn_response",
            )
            .order_by("-occurred_at", "-id")
            .first()
        )
        recorded_by_id, recorded_at = prn.given_by_id, prn.created_at
        if event is not None and User.objects.filter(pk=event.actor_id).exists():
            recorded_by_id, recorded_at = event.actor_id, event.occurred_at
        PrnResponse.objects.create(
            clinic_id=prn.clinic_id,
            prn=prn,
            text=prn.response,
            recorded_at=recorded_at,
            recorded_by_id=recorded_by_id,
        )


def rows_become_the_response(apps, schema_editor):
    PrnResponse = apps.get_model("charting", "PrnResponse")
    PrnDose = apps.get_model("charting", "PrnDose")
    latest: dict[int, str] = {}
    for row in PrnResponse.objects.order_by("recorded_at", "id"):
        latest[row.prn_id] = row.text
    for prn_id, text in latest.items():
        PrnDose.objects.filter(pk=prn_id).update(response=text[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0013_session_actions"),
        ("charting", "0002_prn_dose_bounds"),
        ("clinics", "0003_clinic_patients_per_nurse"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PrnResponse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("text", models.CharField(max_length=500)),
                ("recorded_at", models.DateTimeField()),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "prn",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responses",
                        to="charting.prndose",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["recorded_at", "id"],
            },
        ),
        migrations.RunPython(responses_become_rows, rows_become_the_response),
        migrations.RemoveField(
            model_name="prndose",
            name="response",
        ),
    ]
