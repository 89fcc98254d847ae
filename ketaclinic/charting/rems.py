"""The esketamine REMS Patient Monitoring Form (CLINICAL.md §10.4) as a filled PDF, to submit
online or fax within `medicine.rems.PMF_SUBMISSION_DAYS` (7, §10.5). Its fields come from
`selectors.rems_form_fields`; the schema is versioned (`RemsMonitoringForm.form_version`)
because the form is revised."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from ketaclinic.charting.selectors import RemsFormFields
from ketaclinic.medicine.rems import PMF_SUBMISSION_DAYS, REMS_FAX, REMS_PHONE


def rems_form_html(*, fields: RemsFormFields) -> str:
    return render_to_string(
        "charting/rems_form_pdf.html",
        {
            "f": fields,
            "fax": REMS_FAX,
            "phone": REMS_PHONE,
            "submission_days": PMF_SUBMISSION_DAYS,
        },
    )


def rems_form_pdf(*, fields: RemsFormFields) -> bytes:
    pdf: bytes = HTML(string=rems_form_html(fields=fields)).write_pdf()
    return pdf
