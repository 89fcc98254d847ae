"""The ceiling held by the database, and discrepancies opened by a large correction."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_container_received_units")]

    operations = [
        migrations.AlterField(
            model_name="container",
            name="received_units",
            field=models.PositiveIntegerField(
                help_text="Base units it was received with (its label's volume or devices): the "
                "most its balance may ever be."
            ),
        ),
        migrations.AddConstraint(
            model_name="container",
            constraint=models.CheckConstraint(
                condition=models.Q(("balance__lte", models.F("received_units"))),
                name="container_never_above_received",
            ),
        ),
        migrations.AlterField(
            model_name="discrepancy",
            name="count_line",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="discrepancy",
                to="inventory.stockcountline",
            ),
        ),
        migrations.AddField(
            model_name="discrepancy",
            name="correction",
            field=models.OneToOneField(
                blank=True,
                help_text="The large adjustment or reversal that opened it "
                "(services.LARGE_CORRECTION_PERCENT).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="discrepancy",
                to="inventory.movement",
            ),
        ),
        migrations.AddConstraint(
            model_name="discrepancy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("correction__isnull", True), ("count_line__isnull", False)),
                    models.Q(("correction__isnull", False), ("count_line__isnull", True)),
                    _connector="OR",
                ),
                name="discrepancy_from_a_count_or_a_correction",
            ),
        ),
    ]
