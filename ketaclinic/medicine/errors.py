"""Refusals: a clinical rule that cannot be applied says why, naming the input, never guessing."""

from __future__ import annotations

from enum import StrEnum


class ClinicalErrorCode(StrEnum):
    IMPLAUSIBLE_MEASUREMENT = "implausible_measurement"
    MISSING_MEASUREMENT = "missing_measurement"
    UNKNOWN_PROTOCOL = "unknown_protocol"
    DOSE_ABOVE_CAP = "dose_above_cap"
    DOSE_ABOVE_MAXIMUM = "dose_above_maximum"
    UNDILUTED_PREPARATION = "undiluted_preparation"
    NOT_POSITIVE = "not_positive"
    INCOMPLETE_QUESTIONNAIRE = "incomplete_questionnaire"
    ANSWER_OUT_OF_RANGE = "answer_out_of_range"
    UNKNOWN_ITEM = "unknown_item"
    IMPOSSIBLE_VITAL_SIGN = "impossible_vital_sign"
    INVALID_CONFIGURATION = "invalid_configuration"
    INVALID_PROTOCOL = "invalid_protocol"
    NOT_APPLICABLE = "not_applicable"


class ClinicalRuleError(ValueError):
    """Base of every refusal in medicine/. `message` is written for a clinician."""

    code: ClinicalErrorCode = ClinicalErrorCode.NOT_APPLICABLE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImplausibleMeasurement(ClinicalRuleError):
    code = ClinicalErrorCode.IMPLAUSIBLE_MEASUREMENT


class MissingMeasurement(ClinicalRuleError):
    code = ClinicalErrorCode.MISSING_MEASUREMENT


class UnknownProtocol(ClinicalRuleError):
    code = ClinicalErrorCode.UNKNOWN_PROTOCOL


class DoseAboveProtocolCap(ClinicalRuleError):
    code = ClinicalErrorCode.DOSE_ABOVE_CAP


class DoseAboveMaximum(ClinicalRuleError):
    """A dose above a drug's single-dose maximum: refused whoever asks."""

    code = ClinicalErrorCode.DOSE_ABOVE_MAXIMUM


class UndilutedPreparation(ClinicalRuleError):
    code = ClinicalErrorCode.UNDILUTED_PREPARATION


class NotPositive(ClinicalRuleError):
    code = ClinicalErrorCode.NOT_POSITIVE


class IncompleteQuestionnaire(ClinicalRuleError):
    code = ClinicalErrorCode.INCOMPLETE_QUESTIONNAIRE


class AnswerOutOfRange(ClinicalRuleError):
    code = ClinicalErrorCode.ANSWER_OUT_OF_RANGE


class UnknownItem(ClinicalRuleError):
    code = ClinicalErrorCode.UNKNOWN_ITEM


class ImpossibleVitalSign(ClinicalRuleError):
    code = ClinicalErrorCode.IMPOSSIBLE_VITAL_SIGN


class InvalidConfiguration(ClinicalRuleError):
    code = ClinicalErrorCode.INVALID_CONFIGURATION


class InvalidProtocol(ClinicalRuleError):
    code = ClinicalErrorCode.INVALID_PROTOCOL


class NotApplicable(ClinicalRuleError):
    code = ClinicalErrorCode.NOT_APPLICABLE
