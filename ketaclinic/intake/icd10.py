"""The ICD-10-CM codes ketaclinic ships for intake: psychiatric, substance use and pain codes.

A curated subset (the full code set is licensed for free use by CMS, but a clinic only needs
these to record why a patient is referred and what rules out treatment).
"""

from __future__ import annotations

CODES: tuple[tuple[str, str], ...] = (
    ("F32.0", "Major depressive disorder, single episode, mild"),
    ("F32.1", "Major depressive disorder, single episode, moderate"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
    ("F32.3", "Major depressive disorder, single episode, severe with psychotic features"),
    ("F32.9", "Major depressive disorder, single episode, unspecified"),
    ("F33.0", "Major depressive disorder, recurrent, mild"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
    ("F33.3", "Major depressive disorder, recurrent, severe with psychotic symptoms"),
    ("F33.9", "Major depressive disorder, recurrent, unspecified"),
    ("F34.1", "Dysthymic disorder"),
    ("F31.9", "Bipolar disorder, unspecified"),
    ("F31.81", "Bipolar II disorder"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F41.0", "Panic disorder without agoraphobia"),
    ("F40.10", "Social phobia, unspecified"),
    ("F42.2", "Mixed obsessional thoughts and acts"),
    ("F42.9", "Obsessive-compulsive disorder, unspecified"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
    ("F43.12", "Post-traumatic stress disorder, chronic"),
    ("R45.851", "Suicidal ideations"),
    ("F10.20", "Alcohol dependence, uncomplicated"),
    ("F10.10", "Alcohol abuse, uncomplicated"),
    ("F11.20", "Opioid dependence, uncomplicated"),
    ("F12.20", "Cannabis dependence, uncomplicated"),
    ("F14.20", "Cocaine dependence, uncomplicated"),
    ("F16.20", "Hallucinogen dependence, uncomplicated"),
    ("F19.20", "Other psychoactive substance dependence, uncomplicated"),
    ("F20.9", "Schizophrenia, unspecified"),
    ("F25.9", "Schizoaffective disorder, unspecified"),
    ("F29", "Unspecified psychosis not due to a substance or known physiological condition"),
    ("G89.4", "Chronic pain syndrome"),
    ("G89.29", "Other chronic pain"),
    ("G90.50", "Complex regional pain syndrome I, unspecified"),
    ("G90.511", "Complex regional pain syndrome I of right upper limb"),
    ("G90.512", "Complex regional pain syndrome I of left upper limb"),
    ("G90.521", "Complex regional pain syndrome I of right lower limb"),
    ("G90.522", "Complex regional pain syndrome I of left lower limb"),
    ("M79.7", "Fibromyalgia"),
    ("G54.6", "Phantom limb syndrome with pain"),
    ("B02.29", "Other postherpetic nervous system involvement"),
    ("G43.709", "Chronic migraine without aura, not intractable"),
    ("G62.9", "Polyneuropathy, unspecified"),
    ("I10", "Essential (primary) hypertension"),
    ("I67.1", "Cerebral aneurysm, nonruptured"),
    ("Q28.2", "Arteriovenous malformation of cerebral vessels"),
    ("I61.9", "Nontraumatic intracerebral hemorrhage, unspecified"),
    ("I63.9", "Cerebral infarction, unspecified"),
    ("E05.90", "Thyrotoxicosis, unspecified without thyrotoxic crisis or storm"),
    ("H40.9", "Unspecified glaucoma"),
    ("G93.2", "Benign intracranial hypertension"),
    ("K70.30", "Alcoholic cirrhosis of liver without ascites"),
    ("K74.60", "Unspecified cirrhosis of liver"),
    ("K76.0", "Fatty (change of) liver, not elsewhere classified"),
    ("G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus"),
    ("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),
)
_BY_CODE = dict(CODES)


def icd10_description(code: str) -> str | None:
    return _BY_CODE.get(code.strip().upper())


def icd10_search(text: str, *, limit: int = 20) -> list[tuple[str, str]]:
    needle = text.strip().lower()
    if not needle:
        return []
    return [
        (code, name) for code, name in CODES if needle in code.lower() or needle in name.lower()
    ][:limit]
