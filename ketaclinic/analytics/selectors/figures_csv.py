"""The dashboard's figures as CSV rows."""

from __future__ import annotations

from ketaclinic.analytics.selectors.common import Rate
from ketaclinic.analytics.selectors.figures import DashboardFigures


def figures_csv_rows(figures: DashboardFigures) -> list[list[object]]:
    """The figures as rows (figure, group, numerator, denominator, value); cells made safe by
    the view."""
    rows: list[list[object]] = [["figure", "group", "numerator", "denominator", "value", "unit"]]

    def rate(name: str, group: str, value: Rate, unit: str) -> None:
        rows.append(
            [
                name,
                group,
                value.numerator,
                value.denominator,
                "" if value.value is None else value.value,
                unit,
            ]
        )

    for stage in figures.active_by_stage:
        rows.append(
            ["active_patients", stage.label, stage.patients, "", stage.patients, "patients"]
        )
    rate("induction_completion", "", figures.induction_completion, "%")
    for group in (*figures.outcomes, figures.outcomes_overall):
        name = f"{group.indication_label} / {group.protocol_label}" if group.indication else "All"
        rate("phq9_response", name, group.responded, "%")
        rate("phq9_remission", name, group.remitted, "%")
    rows.append(
        [
            "median_infusions_to_response",
            "",
            "",
            figures.responders_with_infusion_count,
            ""
            if figures.median_infusions_to_response is None
            else figures.median_infusions_to_response,
            "infusions",
        ]
    )
    rate("side_effects", "", figures.side_effects, "per 100 infusions")
    rate("alarms", "", figures.alarms, "per 100 infusions")
    rate("no_shows", "", figures.no_shows, "%")
    rate("chair_utilisation", "", figures.chair_utilisation, "% of open chair minutes")
    return rows
