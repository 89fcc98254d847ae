"""The first version of each consent, written from CLINICAL.md (§2, §5, §6, §7, §10). A clinic's
medical director reviews and republishes its own wording; every version is kept."""

from __future__ import annotations

IV_KETAMINE = """\
Ketamine is a medicine approved by the US Food and Drug Administration (FDA) as an anesthetic. Using it in low doses through an IV to treat depression, anxiety, PTSD, OCD, suicidal thoughts, substance use disorders or chronic pain is "off-label": the FDA has not approved ketamine for these conditions. Physicians may prescribe an approved medicine off-label when research supports it. I understand that ketamine treatment is off-label and that results are not guaranteed.

How it is given. A nurse places an IV line and gives ketamine slowly, usually over about 40 minutes (longer for pain), with my blood pressure, heart rate and oxygen level monitored throughout. A first series is usually 6 infusions over 2 to 3 weeks; boosters may follow.

Common side effects, usually short-lived: feeling detached, dreamlike or "outside my body" (dissociation), changes in vision or hearing, dizziness, drowsiness, nausea or vomiting, headache, anxiety, and a temporary rise in blood pressure and heart rate. Less common: confusion, agitation, hallucinations, slowed breathing, and bladder irritation with repeated use. Ketamine can be misused; I will not use ketamine or other drugs outside my treatment.

The clinic may slow, pause or stop the infusion, or give medicines for nausea, blood pressure or anxiety, if needed. I will tell staff about all my medicines, including any I take on infusion days, and about pregnancy or possible pregnancy.

Before each session I will follow the fasting and medication instructions I am given and will not drink alcohol or take recreational drugs. After each session I will stay 30 to 60 minutes (or longer if needed) until I am ready, and I will leave only with a responsible adult who drives me home. I will not drive, operate machinery or make important decisions for 24 hours.

I may ask questions at any time and may withdraw my consent at any time without affecting my other care.
"""

ESKETAMINE = """\
Esketamine nasal spray (SPRAVATO) is approved by the FDA for treatment-resistant depression and for depressive symptoms in adults with acute suicidal thoughts or behavior. It is given only in a certified clinic under a federal safety program (REMS), in which I must be enrolled before my first treatment.

How it is given. I will use the spray myself under supervision: each device holds 28 mg, and a dose is 56 or 84 mg (2 or 3 devices, 5 minutes apart). My blood pressure will be checked before and about 40 minutes after dosing. I will be observed for at least 2 hours and until any sleepiness, dissociation or breathing effects have resolved.

Common side effects: dissociation, dizziness, nausea, sleepiness, a raised blood pressure, headache, anxiety and unusual taste. Rarely, loss of consciousness or slowed breathing. Esketamine can be misused.

I will not drive or operate machinery until the next day after a restful sleep, and I will arrange a ride home. I will tell staff about all my medicines and about pregnancy, possible pregnancy or breastfeeding.

I may withdraw my consent at any time without affecting my other care.
"""

KAP = """\
Ketamine-assisted psychotherapy combines ketamine treatment (given as described in its own consent) with psychotherapy before, during or after sessions, to help me make sense of and build on the experience ("integration").

Therapy sessions may bring up strong emotions or memories. My therapist and the medical team will support me, and I may pause or stop at any time. What I share is confidential within my care team, except where the law requires disclosure to keep me or others safe.

The same safety rules apply as for my ketamine treatment: monitoring, a responsible adult to take me home, and no driving for 24 hours after ketamine.
"""
