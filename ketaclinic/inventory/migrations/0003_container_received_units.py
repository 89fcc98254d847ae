"""Each container's ceiling: the base units it was received with (issue 13 item 4).

Filled from its receipt entry. A container whose balance was already pushed above that by an
adjustment made before the bound existed keeps its balance as its ceiling, so that the database
check added next applies; its adjustment stays on the ledger for review.
"""

from django.db import migrations, models
from django.db.models import Sum


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Container = apps.get_model("inventory", "Container")
    Movement = apps.get_model("inventory", "Movement")
    received = dict(
        Movement.objects.filter(kind="receipt")
        .values("container")
        .annotate(total=Sum("container_delta"))
        .values_list("container", "total")
    )
    for container in Container.objects.select_related("lot__product").iterator():
        product = container.lot.product
        labelled = (
            int(product.volume_ml * 1000) if product.form == "vial" else product.devices_per_kit
        )
        ceiling = max(received.get(container.pk) or labelled, container.balance)
        Container.objects.filter(pk=container.pk).update(received_units=ceiling)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_append_only_ledger")]

    operations = [
        migrations.AddField(
            model_name="container",
            name="received_units",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
