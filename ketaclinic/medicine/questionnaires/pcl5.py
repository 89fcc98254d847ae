"""PCL-5 (CLINICAL.md §9.1): 20 items 0–4, total 0–80; probable PTSD at 31–33 (33 used).
Public domain (US VA National Center for PTSD); the wording ships."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Rater, scale_items

PROBABLE_PTSD_CUTOFF = 33

TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    "Being “superalert” or watchful or on guard?",
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)

PCL5 = Instrument(
    code="pcl5",
    name="PCL-5",
    recall_period="In the past month, how much were you bothered by:",
    rater=Rater.PATIENT,
    items=scale_items("pcl5", 20, (0, 1, 2, 3, 4), TEXTS),
    bands=(
        Band(0, PROBABLE_PTSD_CUTOFF - 1, "below threshold"),
        Band(PROBABLE_PTSD_CUTOFF, 80, "probable PTSD"),
    ),
    total_range=(0, 80),
    is_wording_licensed=False,
    panel_loinc="101697-1",
    total_loinc="101698-9",
    source="CLINICAL.md §9.1",
    answer_labels={
        0: "Not at all",
        1: "A little bit",
        2: "Moderately",
        3: "Quite a bit",
        4: "Extremely",
    },
)
