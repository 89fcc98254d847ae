"""The esketamine REMS Patient Monitoring Form (CLINICAL.md §10.4) as a filled PDF, to submit
online or fax within 7 days (§10.5). Its fields come from `selectors.rems_form_fields`; the
schema is versioned (`RemsMonitoringForm.form_version`) because the form is revised."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from ketaclinic.charting.selectors import RemsFormFields

REMS_FAX = "1-877-778-0091"  # CLINICAL.md §10.5
REMS_PHONE = "1-855-382-6022"  # CLINICAL.md §10.5


def rems_form_html(*, fields: RemsFormFields) -> str:
    return render_to_string(
        "charting/rems_form_pdf.html",
        {"f": fields, "fax": REMS_FAX, "phone": REMS_PHONE},
    )


def rems_form_pdf(*, fields: RemsFormFields) -> bytes:
    pdf: bytes = HTML(string=rems_form_html(fields=fields)).write_pdf()
    return pdf
